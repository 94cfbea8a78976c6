#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Makes the testvectors/decode vectors: runs `squeal loopback` (both directions summed into one
8 kHz mono WAV), keeps the V.22bis part (from just before USB1 to shortly after the last byte),
and writes the ground truth from the session's own --events as JSON (.expect).

usage: generate.py SQUEAL_BINARY   (run from anywhere; writes next to this script)
"""
import json
import os
import subprocess
import sys
import tempfile
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
CALLER_TEXT = b"Hello from the caller! 0123456789 The quick brown fox jumps over the lazy dog.\r\n"
ANSWERER_TEXT = b"Answerer: <ok>\ttab \\ back\x01\x7f end.\r\n"

# name: loopback options (besides --send/--send-answerer/--record/--events)
VECTORS = {
    "v22bis_2400_8n1": ["--no-v8", "--seed", "21", "--guard", "1800"],
    "v22_1200_7e1": ["--no-v8", "--seed", "22", "--rate", "1200", "--format", "7E1", "--guard", "none"],
    "v22bis_2400_7o1": ["--no-v8", "--seed", "23", "--format", "7O1", "--guard", "550"],
}
LEAD_S = 0.1   # kept before the answerer's USB1
TAIL_S = 0.25  # kept after the last byte of the later direction


def segments(events, trim):
    """Expected segment starts per direction from the transmitters' own state changes."""
    out = []

    def add(direction, kind, t_ms):
        out.append({"direction": direction, "kind": kind, "start": round(t_ms / 1000.0 - trim, 4)})

    for e in events:
        if e.get("event") != "state":
            continue
        src, name, detail, t = e.get("source"), e.get("name"), e.get("detail", ""), e["t_ms"]
        if src == "v22bis.answer":
            kind = {"SendUsb1": "v22bis_usb1", "SendS1Reply": "v22bis_s1", "Train1200": "v22bis_sb1_1200",
                    "FallbackSb1200": "v22bis_sb1_1200", "SendSb2400": "v22bis_sb1_2400", "Data": "data"}.get(name)
            if kind:
                add("answerer", kind, t)
        elif src == "v22bis.call":
            kind = {"SendS1": "v22bis_s1", "WaitReply": "v22bis_sb1_1200", "SendSb2400": "v22bis_sb1_2400",
                    "Data": "data"}.get(name)
            if kind:
                add("caller", kind, t)
    return out


def main():
    squeal = sys.argv[1]
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        cfile, afile = os.path.join(tmp, "c.txt"), os.path.join(tmp, "a.txt")
        open(cfile, "wb").write(CALLER_TEXT)
        open(afile, "wb").write(ANSWERER_TEXT)
        for name, opts in VECTORS.items():
            rec, evf = os.path.join(tmp, "rec.wav"), os.path.join(tmp, "ev.jsonl")
            cmd = [squeal, "loopback", *opts, "--send", cfile, "--send-answerer", afile, "--record", rec, "--events", evf]
            subprocess.run(cmd, check=True, capture_output=True)
            events = [json.loads(line) for line in open(evf)]
            usb1 = next(e["t_ms"] for e in events if e.get("source") == "v22bis.answer" and e.get("name") == "SendUsb1")
            fmt = next(o for o in opts[opts.index("--format") + 1:][:1]) if "--format" in opts else "8N1"
            rate = 1200 if "1200" in opts else 2400
            data_bits = int(fmt[0])
            bits_per_char = 1 + data_bits + (0 if fmt[1].upper() == "N" else 1) + int(fmt[2])
            data_at = {e["source"]: e["t_ms"] for e in events if e.get("event") == "state" and e.get("name") == "Data"}
            last_s = max(data_at["v22bis.call"] / 1000.0 + len(CALLER_TEXT) * bits_per_char / rate,
                         data_at["v22bis.answer"] / 1000.0 + len(ANSWERER_TEXT) * bits_per_char / rate)
            start_s, end_s = usb1 / 1000.0 - LEAD_S, last_s + TAIL_S
            with wave.open(rec) as w:
                assert w.getframerate() == 8000 and w.getnchannels() == 1 and w.getsampwidth() == 2
                frames = w.readframes(w.getnframes())
            a, b = int(start_s * 8000) * 2, int(end_s * 8000) * 2
            with wave.open(os.path.join(HERE, name + ".wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(8000)
                w.writeframes(frames[a:b])
            trim = int(start_s * 8000) / 8000.0
            mask = (1 << data_bits) - 1
            expect = {
                "origin": "generated",
                "command": "squeal loopback " + " ".join(opts) + " --send caller.txt --send-answerer answerer.txt",
                "commit": commit,
                "trimmed_from_s": round(trim, 4),
                "note": "segment starts are the transmitters' state changes (the line signal lags them by "
                        "the transmit filter, about 27 ms)",
                "segments": segments(events, trim),
                "data": {
                    "caller": {"rate": rate, "format": fmt.upper(), "hex": bytes(x & mask for x in CALLER_TEXT).hex(" ")},
                    "answerer": {"rate": rate, "format": fmt.upper(), "hex": bytes(x & mask for x in ANSWERER_TEXT).hex(" ")},
                },
            }
            with open(os.path.join(HERE, name + ".expect"), "w") as f:
                json.dump(expect, f, indent=1)
                f.write("\n")
            print(name, round(end_s - start_s, 2), "s")


if __name__ == "__main__":
    main()
