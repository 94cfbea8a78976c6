// SPDX-License-Identifier: MIT
/// \file
/// Plain event structs reported by the tone detectors (V.25, V.8, T.30, Q.24, call progress).
#pragma once

#include <string_view>

#include "dsp/types.hpp"

namespace modem::tones {

using dsp::SampleTime;

enum class ToneKind {
    Ans,       ///< V.25 2100 Hz answer tone without AM or reversals
    AnsPr,     ///< ANS/ : with 180-degree phase reversals
    Ansam,     ///< V.8 ANSam: 2100 Hz with 15 Hz AM at 20 % depth
    AnsamPr,   ///< ANSam/ : ANSam with carrier reversals
    Cng,       ///< T.30 fax calling tone, 1100 Hz
    Ct,        ///< V.25 calling tone, 1300 Hz
    Dial,      ///< dial tone: 350 + 440 Hz or 425 Hz, continuous
    Busy,      ///< 480 + 620 Hz, 0.5 s / 0.5 s
    Ringback,  ///< 440 + 480 Hz, 2 s / 4 s
    Dtmf,      ///< one DTMF digit
};

/// "ANS", "ANS/", "ANSam", "ANSam/", "CNG", "CT", "dial", "busy", "ringback", "DTMF".
constexpr std::string_view to_string(ToneKind k) noexcept {
    switch (k) {
    case ToneKind::Ans: return "ANS";
    case ToneKind::AnsPr: return "ANS/";
    case ToneKind::Ansam: return "ANSam";
    case ToneKind::AnsamPr: return "ANSam/";
    case ToneKind::Cng: return "CNG";
    case ToneKind::Ct: return "CT";
    case ToneKind::Dial: return "dial";
    case ToneKind::Busy: return "busy";
    case ToneKind::Ringback: return "ringback";
    case ToneKind::Dtmf: return "DTMF";
    }
    return "?";
}

/// One recognised tone. Fields that do not apply to a kind stay at their defaults.
struct ToneEvent {
    ToneKind kind = ToneKind::Ans;
    SampleTime start = 0;            ///< first sample of the tone (estimate)
    SampleTime end = 0;              ///< one past the last sample (estimate)
    char digit = 0;                  ///< DTMF: '0'-'9', '*', '#', 'A'-'D'
    int reversals = 0;               ///< answer tone: phase reversals counted
    double reversal_period_ms = 0.0; ///< answer tone: mean interval between reversals (0 if < 2)
    double am_depth = 0.0;           ///< answer tone: measured 15 Hz envelope depth (0.2 for ANSam)
    double freq_hz = 0.0;            ///< answer tone: carrier estimate; DTMF: row tone estimate
    double freq2_hz = 0.0;           ///< DTMF: column tone estimate
    int cycles = 0;                  ///< cadenced tones: on-bursts in the run
    double level_dbm0 = 0.0;         ///< level estimate of the (strongest) component
    bool operator==(const ToneEvent&) const = default;
};

}  // namespace modem::tones
