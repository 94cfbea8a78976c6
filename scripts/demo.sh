#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo: a whole modem call between two squeal processes on the two ends of a virtual audio
# cable (a real PulseAudio sound server, reached through PortAudio). The answerer waits for its
# number, playing dial tone as the exchange would; the caller waits for dial tone, dials the
# number in DTMF, hears ringback, then the two run V.8 and V.22bis and exchange a short text each
# way at 2400 bit/s, then hang up. First the same call runs in one process over the simulated
# line (no sound card involved), shown phase by phase and written to demo.wav.
#   scripts/demo.sh [NUMBER]        default number 5551234
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SQUEAL_BUILD_DIR:-$here/build}
squeal="$build/squeal"
number=${1:-5551234}
[ -x "$squeal" ] || { echo "demo: $squeal is not built; run scripts/setup.sh first" >&2; exit 1; }

echo "== demo 1: one process, caller and answerer over the simulated line, phase by phase (squeal demo)"
# No sound device before the private sound server starts: the line audio goes to demo.wav
# (`squeal play demo.wav` replays it with its decoded timeline, `squeal decode demo.wav --png
# demo.png` draws it). On a terminal the view redraws in place; --narrate explains each sound.
"$squeal" demo --out "$here/demo.wav"

echo
echo "== demo 2: two processes over the virtual sound cable (about 20 s)"
"$here/scripts/virtual-audio.sh" start >/dev/null
work=$(mktemp -d)
trap 'kill ${answerer:-} 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'Hello from the answering modem. This line crossed a PulseAudio cable at 2400 bit/s.\n' >"$work/answer.txt"
printf 'Hello from the calling modem, who dialled %s.\n' "$number" >"$work/call.txt"
"$squeal" answer --number "$number" --audio modem_b --latency 0.1 --send "$work/answer.txt" \
    --recv "$work/answer_got.txt" --events "$work/answer.jsonl" --timeout 60 2>"$work/answer.log" &
answerer=$!
sleep 1
"$squeal" call "$number" --wait-dialtone --audio modem_a --latency 0.1 --send "$work/call.txt" \
    --recv "$work/call_got.txt" --timeout 60 2>&1 | sed 's/^/caller   | /'
wait "$answerer" || true
answerer=
sed 's/^/answerer | /' "$work/answer.log" | grep -E 'session|v8.answer +state|v22bis.answer +(state|connected)|result|connect|bytes' || true
echo
echo "the answerer received: $(cat "$work/answer_got.txt")"
echo "the caller received:   $(cat "$work/call_got.txt")"
cmp -s "$work/call.txt" "$work/answer_got.txt" && cmp -s "$work/answer.txt" "$work/call_got.txt" &&
    echo "demo: both texts arrived byte-exact" || { echo "demo: the texts differ" >&2; exit 1; }
