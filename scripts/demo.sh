#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo: two squeal processes on the two ends of a virtual audio cable (a real PulseAudio
# sound server, reached through PortAudio). One plays the sounds of a call being set up (dial
# tone, the number in DTMF, ringback, then the V.8 answer tone ANSam with phase reversals); the
# other listens and prints what it recognises, and records what it heard into demo.wav.
#   scripts/demo.sh [NUMBER]        default number 5551234
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SQUEAL_BUILD_DIR:-$here/build}
squeal="$build/squeal"
number=${1:-5551234}
out=${SQUEAL_DEMO_OUT:-$PWD/demo.wav}
[ -x "$squeal" ] || { echo "demo: $squeal is not built; run scripts/setup.sh first" >&2; exit 1; }

"$here/scripts/virtual-audio.sh" start >/dev/null

echo "demo: modem_b listens; modem_a plays dial tone, DTMF $number, ringback and ANSam/ (about 12 s)"
"$squeal" listen --audio modem_b --seconds 13 --latency 0.1 --record "$out" &
listener=$!
trap 'kill $listener 2>/dev/null || true' EXIT
sleep 1
"$squeal" tone dial --seconds 1.5 --audio modem_a --latency 0.1 2>/dev/null
"$squeal" tone dtmf "$number" --audio modem_a --latency 0.1 2>/dev/null
"$squeal" tone ringback --seconds 2.5 --audio modem_a --latency 0.1 2>/dev/null
"$squeal" tone ansam-reversals --seconds 4 --audio modem_a --latency 0.1 2>/dev/null
wait $listener
trap - EXIT
echo "demo: what modem_b heard is in $out"
