// SPDX-License-Identifier: MIT
/// \file
/// Constants and small enums shared by the V.22bis transmitter, receiver and state machines
/// (V.22 / V.22bis line characteristics, protocols.md section 4).
#pragma once

#include <string_view>

#include "dsp/types.hpp"

namespace modem::v22bis {

using dsp::SampleTime;

/// V.22 2.1: low channel (calling modem transmits) 1200 Hz, high channel (answering modem) 2400 Hz.
inline constexpr double kCallerCarrierHz = 1200.0;
inline constexpr double kAnswererCarrierHz = 2400.0;
/// V.22 2.2: 600 baud.
inline constexpr int kBaud = 600;
/// 8000 / 600 = 40 / 3: every 3 symbols take exactly 40 samples (never rounded, protocols.md 0).
inline constexpr int kSymbolNum = 40;  ///< samples ...
inline constexpr int kSymbolDen = 3;   ///< ... per this many symbols
/// V.22 2.4 / V.22bis: 75 % square-root raised cosine, split between transmitter and receiver.
inline constexpr float kRollOff = 0.75f;

/// Which end of the call: the caller transmits the low channel, the answerer the high one.
enum class Role { Caller, Answerer };
constexpr std::string_view to_string(Role r) noexcept {
    switch (r) {
    case Role::Caller: return "caller";
    case Role::Answerer: return "answerer";
    }
    return "?";
}

/// V.22 2.3: optional guard tone sent by the answering modem with its data signal.
enum class GuardTone { None, Hz550, Hz1800 };
constexpr std::string_view to_string(GuardTone g) noexcept {
    switch (g) {
    case GuardTone::None: return "none";
    case GuardTone::Hz550: return "550";
    case GuardTone::Hz1800: return "1800";
    }
    return "?";
}

/// Carrier transmitted by `role`.
constexpr double tx_carrier_hz(Role r) noexcept {
    return r == Role::Caller ? kCallerCarrierHz : kAnswererCarrierHz;
}
/// Carrier received by `role` (the far end's).
constexpr double rx_carrier_hz(Role r) noexcept {
    return r == Role::Caller ? kAnswererCarrierHz : kCallerCarrierHz;
}

/// Data rates the pump runs at.
enum class Rate { Bps1200 = 1200, Bps2400 = 2400 };
constexpr int bits_per_symbol(Rate r) noexcept { return r == Rate::Bps2400 ? 4 : 2; }

}  // namespace modem::v22bis
