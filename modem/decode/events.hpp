// SPDX-License-Identifier: MIT
/// \file
/// The timeline produced by the recording decoder: event kinds, directions and per-event fields,
/// documented in one place (V.25, V.8, V.21, T.30, Q.23/Q.24 call-progress signals).
///
/// Kinds, as written in JSON and in the table (direction in brackets):
///
/// | kind              | what                                                                   | direction |
/// |-------------------|------------------------------------------------------------------------|-----------|
/// | `dial_tone`       | 350+440 Hz or 425 Hz continuous (network)                              | unknown   |
/// | `dtmf`            | one DTMF digit (Q.23): `digit`, `freq_hz` [row, column]                | caller    |
/// | `ringback`        | 440+480 Hz, 2 s on / 4 s off (network): `cycles`                       | unknown   |
/// | `busy`            | 480+620 Hz, 0.5 s / 0.5 s (network): `cycles`                          | unknown   |
/// | `cng`             | T.30 fax calling tone, 1100 Hz: `cycles`                               | caller    |
/// | `ct`              | V.25 calling tone, 1300 Hz: `cycles`                                   | caller    |
/// | `ans`             | V.25 ANS 2100 Hz, no AM, no reversals (also fax CED)                   | answerer  |
/// | `ans_reversals`   | ANS/ : ANS with 180-degree reversals every 450 ms                      | answerer  |
/// | `ansam`           | V.8 ANSam: 2100 Hz with 15 Hz AM                                       | answerer  |
/// | `ansam_reversals` | ANSam/ : ANSam with reversals                                          | answerer  |
/// |                   | answer tones carry `freq_hz`, `reversals`, `reversal_period_ms`, `am_depth`, `level_dbm0`; `ans_pcm` (true) on ANS/ at 2099.7 Hz reversing every 451.5 ms: the V.90/V.92 digital modem's ANSpcm | |
/// | `v21_ch1`         | a V.21 channel-1 FSK burst (980/1180 Hz): `bits`, `mark_share`          | caller    |
/// | `v21_ch2`         | a V.21 channel-2 FSK burst (1650/1850 Hz): `bits`, `mark_share`         | answerer  |
/// | `ci`              | V.8 CI on channel 1: `call_function`, `octets`, `count`                 | caller    |
/// | `cm`              | V.8 CM on channel 1: `call_function`, `modulations`, `lapm`, `gstn_access`, `pcm`, `octets`, `count` | caller |
/// | `jm`              | V.8 JM on channel 2: the same fields as `cm`                            | answerer  |
/// | `cj`              | V.8 CJ (three framed zero octets)                                       | caller    |
/// | `v92_qc`          | V.92 quick-connect packet (sync 0x55): `octets`, `count`; ch1 caller, ch2 answerer | by channel |
/// | `hdlc_flags`      | a run of HDLC flags 0x7E on V.21 (T.30 fax preamble): `channel`, `flags` | unknown (T.30 uses channel 2 both ways) |
/// | `v22bis_usb1`     | V.22/V.22bis USB1, unscrambled ones at 1200 bit/s (V.22bis 6.2)          | by channel |
/// | `v22bis_s1`       | V.22bis S1 (00/11 dibits, 100 ms): 2400 requested (caller) / accepted (answerer) | by channel |
/// | `v22bis_sb1_1200` | scrambled ones at 1200 bit/s                                            | by channel |
/// | `v22bis_sb1_2400` | scrambled ones at 2400 bit/s (16-point)                                 | by channel |
/// | `data`            | V.22/V.22bis data: `rate` (1200/2400), `format` (auto-detected, e.g. "8N1"), `text` (escaped), `hex`, `bytes` (all characters), `truncated` (only the first 4096 in text/hex), `parity_errors`, `framing_errors`, `breaks`, `level_dbm0` | by channel |
/// |                   | V.22 channels: low (1200 Hz carrier) = caller, high (2400 Hz) = answerer |           |
/// | `unknown`         | energy no detector explains: `band_hz` [low, high], `tones_hz` (strongest peaks), `level_dbm0` | unknown |
/// | `v32_aa`          | V.32/V.32bis AA: the caller's 1800 Hz tone (by signature), `level_dbm0`   | caller    |
/// | `v32_ac`          | V.32/V.32bis AC, CA, CC: 600 + 3000 Hz lines (1800 +/- 1200, by signature): `reversals` | unknown (AC/CA answerer, CC caller) |
/// | `v34_phase2`      | V.34 phase 2 INFO0 / tones A and B: 1200 Hz (caller) and 2400 Hz (answerer) together (by signature) | unknown |
/// | `v34_probing`     | V.34 line probing L1/L2: the comb of 150 Hz multiples (by signature): `tones` (how many of the 21 seen) | unknown |
/// | `v8bis`           | V.8bis dual tone 1375 + 2002 Hz (initiating) or 1529 + 2225 Hz (responding), with its second segment: `tones_hz`, `second_tone_hz`, `signal` (CRe, CRdi, CRdr where the tones say so) | unknown |
/// | `t30_frame`       | a T.30 HDLC frame on V.21 channel 2 (300 bit/s): `fcf` (DIS, DCS, ...), `fcs_ok`, `octets`; DIS also `dis` (decoded capabilities) | answerer for DIS |
/// | `lapm_frame`      | a V.42 LAPM frame in a V.22/V.22bis data stream: `frame` (SABME, UA, XID, I, RR, ...), `fcs_ok`, `octets`, XID `params`, I-frame `text`/`hex`; also `odp`/`adp` detection patterns | by channel |
///
/// Repeated identical V.8 messages sent back to back (CM, JM, CI) are one event whose `count`
/// says how many were decoded. `octets` is lower-case hex, one octet per pair, separated by spaces,
/// the octets after the sync in time order. Times are sample counts at 8 kHz from the first sample.
/// `text` escapes: \\ for a backslash, \r \n \t, \xHH for any byte outside 0x20..0x7e.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dsp/types.hpp"

namespace modem::decode {

using dsp::SampleTime;

enum class Kind : std::uint8_t {
    DialTone,
    Dtmf,
    Ringback,
    Busy,
    Cng,
    Ct,
    Ans,
    AnsReversals,
    Ansam,
    AnsamReversals,
    V21Ch1,
    V21Ch2,
    Ci,
    Cm,
    Jm,
    Cj,
    V92Qc,
    HdlcFlags,
    V22bisUsb1,
    V22bisS1,
    V22bisSb1_1200,
    V22bisSb1_2400,
    Data,
    Unknown,
    V32Aa,
    V32Ac,
    V34Phase2,
    V34Probing,
    V8bis,
    T30Frame,
    LapmFrame,
};

/// The JSON name of a kind ("dial_tone", "cm", ...; the list above).
constexpr std::string_view to_string(Kind k) noexcept {
    switch (k) {
    case Kind::DialTone: return "dial_tone";
    case Kind::Dtmf: return "dtmf";
    case Kind::Ringback: return "ringback";
    case Kind::Busy: return "busy";
    case Kind::Cng: return "cng";
    case Kind::Ct: return "ct";
    case Kind::Ans: return "ans";
    case Kind::AnsReversals: return "ans_reversals";
    case Kind::Ansam: return "ansam";
    case Kind::AnsamReversals: return "ansam_reversals";
    case Kind::V21Ch1: return "v21_ch1";
    case Kind::V21Ch2: return "v21_ch2";
    case Kind::Ci: return "ci";
    case Kind::Cm: return "cm";
    case Kind::Jm: return "jm";
    case Kind::Cj: return "cj";
    case Kind::V92Qc: return "v92_qc";
    case Kind::HdlcFlags: return "hdlc_flags";
    case Kind::V22bisUsb1: return "v22bis_usb1";
    case Kind::V22bisS1: return "v22bis_s1";
    case Kind::V22bisSb1_1200: return "v22bis_sb1_1200";
    case Kind::V22bisSb1_2400: return "v22bis_sb1_2400";
    case Kind::Data: return "data";
    case Kind::Unknown: return "unknown";
    case Kind::V32Aa: return "v32_aa";
    case Kind::V32Ac: return "v32_ac";
    case Kind::V34Phase2: return "v34_phase2";
    case Kind::V34Probing: return "v34_probing";
    case Kind::V8bis: return "v8bis";
    case Kind::T30Frame: return "t30_frame";
    case Kind::LapmFrame: return "lapm_frame";
    }
    return "unknown";
}

/// Who sent a signal, where it can be known from its kind or its band.
enum class Direction : std::uint8_t { Caller, Answerer, Unknown };

constexpr std::string_view to_string(Direction d) noexcept {
    switch (d) {
    case Direction::Caller: return "caller";
    case Direction::Answerer: return "answerer";
    case Direction::Unknown: return "unknown";
    }
    return "unknown";
}

/// A field value: flag, integer, number, text, list of names, or list of numbers.
using Value = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>, std::vector<double>>;

struct Field {
    std::string name;
    Value value;
    bool operator==(const Field&) const = default;
};

/// One span of the timeline.
struct Event {
    SampleTime start = 0;  ///< first sample (estimate)
    SampleTime end = 0;    ///< one past the last sample (estimate)
    Kind kind = Kind::Unknown;
    Direction direction = Direction::Unknown;
    std::string summary;       ///< one human-readable line, for the table
    std::vector<Field> fields; ///< kind-specific fields, in output order

    /// The field called `name`, or nullptr.
    [[nodiscard]] const Value* field(std::string_view name) const noexcept {
        for (const auto& f : fields)
            if (f.name == name) return &f.value;
        return nullptr;
    }
    bool operator==(const Event&) const = default;
};

}  // namespace modem::decode
