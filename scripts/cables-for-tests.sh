# SPDX-License-Identifier: MIT
# Sourced by test.sh and sanitize.sh (not run): `cables_for_tests ROOT` starts the private sound
# daemon with the virtual cables the sound-card tests need (as root, unless SQUEAL_NO_AUDIO=1)
# and stops it when the sourcing script exits; a daemon already running (a developer's) is left
# as it is, running.
cables_for_tests() {
  local va="$1/scripts/virtual-audio.sh"
  squeal_started_audio=0
  if [ "$(id -u)" = 0 ] && [ "${SQUEAL_NO_AUDIO:-0}" != 1 ] && ! "$va" status >/dev/null 2>&1; then
    "$va" start >/dev/null && squeal_started_audio=1
  fi
  # shellcheck disable=SC2064  # the path is fixed now; the flag is read at exit
  trap "if [ \"\$squeal_started_audio\" = 1 ]; then '$va' stop >/dev/null 2>&1 || true; fi" EXIT
}
