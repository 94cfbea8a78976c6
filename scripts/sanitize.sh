#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# sanitize.sh - squeal's tests under the compiler's sanitizers (gcc, RelWithDebInfo).
#
#   scripts/sanitize.sh [CTEST ARGS]          ASan + UBSan (-DSQUEAL_SANITIZE=ON) in build-asan, then
#                                             ctest -LE slow there (or CTEST ARGS), sound daemon started
#   scripts/sanitize.sh thread [CTEST ARGS]   ThreadSanitizer (-DSQUEAL_SANITIZE=thread) in build-tsan:
#                                             the PortAudio ring and backend (test_audio) and the pty
#                                             path (test_cli's pty tests run a TSan-built squeal)
#
# Every sanitizer report is fatal (-fno-sanitize-recover), so a report fails its test. Leak reports
# from the sound libraries' process-lifetime caches (ALSA configuration, PulseAudio client) are
# suppressed by library name (written to the build dir); a leak in squeal's own code still fails.
# Environment: SQUEAL_ASAN_BUILD / SQUEAL_TSAN_BUILD (build dirs), SQUEAL_NO_AUDIO=1 (no daemon).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

mode=address
if [ "${1:-}" = thread ]; then
  mode=thread
  shift
fi

if [ $mode = address ]; then
  build=${SQUEAL_ASAN_BUILD:-$here/build-asan}
  sanitize=ON
  fuzz=ON  # the fuzz targets are ASan + UBSan builds too: their 60 s runs are part of this suite
else
  build=${SQUEAL_TSAN_BUILD:-$here/build-tsan}
  sanitize=thread
  fuzz=OFF
fi

t0=$(date +%s)
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSQUEAL_SANITIZE=$sanitize \
  -DSQUEAL_BUILD_FUZZ=$fuzz -DSQUEAL_WERROR=ON >/dev/null
if [ $mode = address ]; then
  cmake --build "$build" -j2
else
  cmake --build "$build" --target test_audio test_cli squeal -j2
fi
t1=$(date +%s)

# Process-lifetime allocations of libasound/libpulse (configuration trees, client contexts) that
# they never free, and liquid-dsp's halfband design, which leaks its search object inside
# msresamp_rrrf_create (liquid 1.3.2; we destroy what it returns): not ours to fix. Full malloc
# stacks (fast_unwind_on_malloc=0) let these match through ALSA plugins built without frame pointers.
cat >"$build/lsan.supp" <<'SUPP'
leak:liquid_firdespm_halfband_ft
leak:libasound.so
leak:libpulse.so
leak:libpulsecommon
leak:libportaudio.so
SUPP
# ThreadSanitizer cannot see the synchronisation inside the uninstrumented PulseAudio client
# (pa_srbchannel's shared ring), ALSA and PortAudio: their internal races are suppressed by
# library; a race with a frame of ours on both sides still reports. Reports go to files
# (log_path) because the PortAudio backend silences stderr while ALSA starts.
cat >"$build/tsan.supp" <<'SUPP'
race:libpulsecommon
race:libpulse.so
race:libasound.so
race:libportaudio.so
SUPP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:fast_unwind_on_malloc=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$build/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$build/tsan.supp:log_path=$build/tsan-report}

. "$here/scripts/cables-for-tests.sh"
cables_for_tests "$here"

args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  if [ $mode = address ]; then
    args=(-LE slow)
  else
    # The lock-free ring and the PortAudio backend around it, and everything that runs `squeal pty`.
    args=(-R "^(SpscRing|PortAudio|pty):" -LE slow)
  fi
fi
rm -f "$build"/tsan-report.*
rc=0
(cd "$build" && ctest --output-on-failure -j2 "${args[@]}") || rc=$?
t2=$(date +%s)
if [ $mode = thread ] && ls "$build"/tsan-report.* >/dev/null 2>&1; then
  echo "sanitize.sh: ThreadSanitizer reports in $build/tsan-report.*" >&2
  rc=1
fi
echo "sanitize.sh ($mode): build $((t1 - t0)) s, tests $((t2 - t1)) s, ctest exit $rc"
exit $rc
