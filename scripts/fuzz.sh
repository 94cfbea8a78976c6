#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz.sh - builds and runs squeal's libFuzzer targets (fuzz/), and drives their ctest runs.
#
#   scripts/fuzz.sh build                 configure + build build-fuzz with clang (fuzz targets only)
#   scripts/fuzz.sh run [SECONDS] [T...]  run targets (default all) for SECONDS each (default 600),
#                                         two at a time, then print exec/s, cov, ft and crashes
#   scripts/fuzz.sh ctest-start BIN WORK T...   (ctest "fuzz: start") launch T... one after the
#                                         other in the background under nice 19 and return at once
#   scripts/fuzz.sh ctest-result WORK T   (ctest "fuzz: T") wait for T's result, print it, exit
#                                         non-zero when it crashed or did not run
#
# Environment: SQUEAL_FUZZ_SECONDS (ctest runs, default 60), SQUEAL_FUZZ_BUILD (default
# <repo>/build-fuzz), SQUEAL_FUZZ_JOBS (parallel targets for `run`, default 2).
# Each target's corpus grows in WORK/corpus/T (the committed seeds in fuzz/corpus/T are only
# read); a crash leaves its input in WORK/artifacts/T-crash-*: add it as a regression test.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
all_targets=(v8_messages at_engine v14_deframer sound_file decoder)

# libFuzzer flags for one target: per-input time limit (a hang is a finding), memory limit,
# and the input size that suits it.
target_flags() {
  local t=$1
  local flags=(-timeout=20 -rss_limit_mb=1536 -print_final_stats=1)
  case $t in
    decoder) flags+=(-max_len=8192) ;;   # up to 0.5 s of 8 kHz int16 samples
    sound_file) flags+=(-max_len=8192) ;;
    *) flags+=(-max_len=512) ;;
  esac
  [ -f "$here/fuzz/$t.dict" ] && flags+=(-dict="$here/fuzz/$t.dict")
  echo "${flags[@]}"
}

# run_one BIN WORK T SECONDS: one libFuzzer run, log in WORK/logs/T.log, exit code returned.
run_one() {
  local bin=$1 work=$2 t=$3 secs=$4
  mkdir -p "$work/corpus/$t" "$work/artifacts" "$work/logs"
  local rc=0
  # shellcheck disable=SC2046
  (cd "$work" && TMPDIR="$work" "$bin/fuzz_$t" $(target_flags "$t") -max_total_time="$secs" \
      -artifact_prefix="$work/artifacts/$t-" "$work/corpus/$t" "$here/fuzz/corpus/$t") \
      >"$work/logs/$t.log" 2>&1 || rc=$?
  return $rc
}

# One summary line from a libFuzzer log: runs, exec/s, cov, ft, corpus, crashes.
summary() {
  local t=$1 log=$2 rc=$3
  local done_line runs execs cov ft corp
  done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1 || true)
  runs=$(grep -m1 -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' || true)
  execs=$(grep -m1 -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}' || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$done_line")
  ft=$(sed -nE 's/.* ft: ([0-9]+) .*/\1/p' <<<"$done_line")
  corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$done_line")
  local crashes
  crashes=$(grep -cE '^==[0-9]+==ERROR|^SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|deadly signal|property failed' "$log" || true)
  printf '%-14s rc=%-3s runs=%-10s exec/s=%-7s cov=%-6s ft=%-7s corpus=%-6s crash-lines=%s\n' \
    "$t" "$rc" "${runs:-?}" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes"
}

cmd=${1:-}
shift || true
case $cmd in
  build)
    build=${SQUEAL_FUZZ_BUILD:-$here/build-fuzz}
    flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
    cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
      -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
      -DSQUEAL_BUILD_TESTS=OFF -DSQUEAL_BUILD_BENCH=OFF >/dev/null
    cmake --build "$build" --target squeal_fuzzers -j2
    ;;
  run)
    build=${SQUEAL_FUZZ_BUILD:-$here/build-fuzz}
    secs=${1:-600}
    shift || true
    targets=("$@")
    [ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
    work=$build/fuzz-work
    jobs=${SQUEAL_FUZZ_JOBS:-2}
    for t in "${targets[@]}"; do
      while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
      echo "fuzz: $t for $secs s" >&2
      (rc=0; run_one "$build/fuzz" "$work" "$t" "$secs" || rc=$?; echo $rc >"$work/logs/$t.rc") &
    done
    wait
    for t in "${targets[@]}"; do summary "$t" "$work/logs/$t.log" "$(cat "$work/logs/$t.rc" 2>/dev/null || echo '?')"; done
    ;;
  ctest-start)
    bin=$1 work=$2
    shift 2
    mkdir -p "$work"
    # A runner left by an interrupted earlier run of this build is stopped (its own process group).
    if [ -f "$work/runner.pid" ]; then
      old=$(cat "$work/runner.pid")
      if kill -0 "$old" 2>/dev/null; then kill -- "-$old" 2>/dev/null || true; fi
      rm -f "$work/runner.pid"
    fi
    rm -rf "$work/results"
    mkdir -p "$work/results"
    secs=${SQUEAL_FUZZ_SECONDS:-60}
    echo "$secs" >"$work/results/seconds"
    # Own session, no terminal, output to files: ctest does not wait for it.
    setsid "$0" ctest-runner "$bin" "$work" "$secs" "$@" </dev/null >"$work/runner.log" 2>&1 &
    echo $! >"$work/runner.pid"
    echo "fuzz: ${*} started in the background, $secs s each under nice 19 (log in $work)"
    ;;
  ctest-runner)
    bin=$1 work=$2 secs=$3
    shift 3
    for t in "$@"; do
      date +%s >"$work/results/$t.started"
      rc=0
      nice -n 19 "$0" ctest-one "$bin" "$work" "$t" "$secs" || rc=$?
      cp "$work/logs/$t.log" "$work/results/$t.log" 2>/dev/null || true
      echo "$rc" >"$work/results/$t.rc"
    done
    ;;
  ctest-one)
    run_one "$@"
    ;;
  ctest-result)
    work=$1 t=$2
    secs=$(cat "$work/results/seconds" 2>/dev/null || echo "${SQUEAL_FUZZ_SECONDS:-60}")
    # Every target before this one may still be running: wait for as long as they all take.
    limit=$(( (secs + 60) * ${#all_targets[@]} + 60 ))
    waited=0
    while [ ! -f "$work/results/$t.rc" ]; do
      if [ $waited -ge $limit ]; then
        echo "fuzz: $t: no result after $waited s (runner log: $work/runner.log)" >&2
        exit 1
      fi
      sleep 1
      waited=$((waited + 1))
    done
    rc=$(cat "$work/results/$t.rc")
    summary "$t" "$work/results/$t.log" "$rc"
    if [ "$rc" != 0 ]; then
      echo "--- last lines of $work/results/$t.log" >&2
      tail -40 "$work/results/$t.log" >&2
      ls "$work/artifacts/$t-"* 2>/dev/null >&2 || true
      exit 1
    fi
    ;;
  *)
    sed -n '3,17p' "$0" >&2
    exit 2
    ;;
esac
