#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora in fuzz/corpus/<target>/ from the project's own test vectors and V.8
spec examples (run from anywhere; rerun after changing it and commit the result). Small on purpose:
a few KB per target, enough to start libFuzzer inside each format and message type."""
import io
import os
import struct
import warnings
import wave

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # both leave Python in 3.13; Debian 12 has 3.11
    import aifc
    import sunau

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


def samples(path, start_s, dur_s):
    """int16 samples of a mono 8 kHz test vector, from start_s for dur_s."""
    with wave.open(os.path.join(ROOT, path)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == 8000
        w.setpos(int(start_s * 8000))
        raw = w.readframes(int(dur_s * 8000))
    return list(struct.unpack("<%dh" % (len(raw) // 2), raw))


def s16le(xs):
    return struct.pack("<%dh" % len(xs), *xs)


# ---- V.8 messages: bodies from testvectors/v8/*.expect and V.8 Table 2, and framed bit streams.
# CI (V-series), CM/JM V.22bis+V.21, JM V.22bis+LAPM, CM V.34+V.32bis+V.22bis+V.21+LAPM, a CM
# with GSTN access and PCM availability octets, one with an unknown category and extensions.
V8_BODIES = {
    "ci": [0xC1],
    "cm_v22bis_v21": [0xC1, 0x05, 0x12, 0x90],
    "jm_v22bis_lapm": [0xC1, 0x05, 0x12, 0x10, 0x2A],
    "cm_rich_lapm": [0xC1, 0x45, 0x13, 0x90, 0x2A],
    "cm_rich_protocol_other": [0xC1, 0x45, 0x13, 0x90, 0x6A],
    "cm_gstn_pcm": [0xC1, 0x05, 0x12, 0x90, 0x2D, 0xE7],
    "cm_unknown_category": [0xC1, 0x05, 0x12, 0x0E, 0x10, 0x10, 0x0F],
}


def v8_bits(sync_unit, body):
    """Ten ones, the sync unit, then each octet framed (start 0, LSB first, stop 1), as bits."""
    units = [0x3FF, sync_unit] + [(o << 1) | (1 << 9) for o in body]
    bits = [1] * 6  # idle marks before the preamble
    for u in units:
        bits += [(u >> i) & 1 for i in range(10)]
    bits += [1] * 12
    return bits


def pack_bits(bits):
    out = bytearray((len(bits) + 7) // 8)
    for i, b in enumerate(bits):
        out[i // 8] |= b << (i % 8)
    return out


for name, body in V8_BODIES.items():
    put("v8_messages", name, body)
    sync_unit = 0x200 if name == "ci" else 0x3C0  # V.8: CI sync 0000000001, CM/JM 0000001111 (time order)
    put("v8_messages", name + "_bits", pack_bits(v8_bits(sync_unit, body)))
# CJ: three framed zero octets (V.8 8.1.2).
put("v8_messages", "cj_bits", pack_bits([1] * 8 + [0] * 9 + [1] + [0] * 9 + [1] + [0] * 9 + [1] + [1] * 8))

# ---- AT engine: scripts of opcode bytes (see fuzz_at_engine.cpp): 1 = text up to CR,
# 2 = session event, 3 = clock step of operand * 20 ms.
def at_line(text):
    return [1] + list(text.encode()) + [13]


def event(n):
    return [2, n]


def clock(ms):
    return [3, min(ms // 20, 254)]


put("at_engine", "basic", at_line("AT") + at_line("ATE0V0Q0X4") + at_line("ATI3") + at_line("AT&F"))
put("at_engine", "sregs", at_line("ATS0=2S7=30S10=20") + at_line("ATS7?") + at_line("AT&V") + at_line("ATZ"))
put("at_engine", "ms", at_line("AT+MS=V22B,1,300,2400,300,2400") + at_line("AT+MS?") + at_line("AT+MS=?"))
put("at_engine", "dial_connect_escape",
    at_line("ATDT5551234") + clock(1000) + event(0) + at_line("hello") + clock(1200) +
    [1] + list(b"+++") + clock(1200) + clock(1200) + at_line("ATO") + clock(100) + event(3))
put("at_engine", "ring_answer", at_line("ATS0=1") + event(4) + event(0) + clock(2000) + event(3))
put("at_engine", "dial_modifiers", at_line("ATDP9,W555-1234;") + event(8) + at_line("ATDL") + event(5) + at_line("A/"))
put("at_engine", "parity_7e1", [1, 0xC1, 0x54, ord("I"), 13])  # "AT" with even parity in bit 7

# ---- V.14: [format selector, deletion selector] + characters (or line bits).
put("v14_deframer", "8n1_text", [0x00 | 3, 0] + list(b"squeal V.14 8N1\r\n"))
put("v14_deframer", "7e1_overspeed", [(1 << 2) | 2, 8] + list(b"The quick brown fox jumps over"))
put("v14_deframer", "8n2_binary", [(1 << 5) | 3, 12] + list(range(0, 256, 7)))
put("v14_deframer", "5n1_zeros", [0, 9] + [0] * 24 + [0x1F] * 4)

# ---- Sound files: short pieces of testvectors/v8 in the containers libsndfile reads.
tone = samples("testvectors/v8/spandsp_caller_v22bis_v21.wav", 2.95, 0.06)  # start of a V.21 CM burst


def wav(params, frames):
    b = io.BytesIO()
    with wave.open(b, "wb") as w:
        w.setnchannels(params[0])
        w.setsampwidth(params[1])
        w.setframerate(params[2])
        w.writeframes(frames)
    return b.getvalue()


put("sound_file", "mono_8k_s16.wav", wav((1, 2, 8000), s16le(tone)))
put("sound_file", "stereo_44k1_s16.wav", wav((2, 2, 44100), s16le([x for s in tone[:200] for x in (s, -s)])))
put("sound_file", "mono_16k_u8.wav", wav((1, 1, 16000), bytes((s >> 8) + 128 for s in tone[:300])))
# WAVE_FORMAT_IEEE_FLOAT (3), one channel, 8 kHz: a float file, with one NaN sample.
fl = struct.pack("<%df" % 64, *[s / 32768.0 for s in tone[:63]] + [float("nan")])
fmt = struct.pack("<HHIIHH", 3, 1, 8000, 8000 * 4, 4, 32)
put("sound_file", "mono_8k_float_nan.wav",
    b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(fl)) + b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) +
    fmt + b"data" + struct.pack("<I", len(fl)) + fl)
b = io.BytesIO()
with sunau.open(b, "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(8000)
    w.writeframes(struct.pack(">%dh" % 200, *tone[:200]))
put("sound_file", "mono_8k.au", b.getvalue())
os.makedirs(os.path.join(CORPUS, "sound_file"), exist_ok=True)
with aifc.open(os.path.join(CORPUS, "sound_file", "mono_11k.aiff"), "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(11025)
    w.writeframes(struct.pack(">%dh" % 200, *tone[:200]))

# ---- Decoder: [block size, gain shift] + int16 samples: an answer tone, V.8 over V.21, V.22bis.
put("decoder", "ans_tone", [160, 0] + list(s16le(samples("testvectors/v8/spandsp_answerer_ansam_pr.wav", 0.7, 0.25))))
put("decoder", "v21_cm", [0, 0] + list(s16le(samples("testvectors/v8/spandsp_caller_v22bis_v21.wav", 2.9, 0.25))))
put("decoder", "v22bis_data", [7, 2] + list(s16le(samples("testvectors/decode/v22bis_2400_8n1.wav", 1.5, 0.25))))
