// SPDX-License-Identifier: MIT
/// \file
/// Hayes result codes, S-register table, factory settings, +MS limits and DTE parity helpers.
#include <bit>

#include "modem/at/at.hpp"

namespace modem::at {

namespace {
// Hayes result codes (Hayes technical reference, "(Basic) Result Codes" and "Extended Result Codes").
constexpr int kCodeOk = 0;
constexpr int kCodeConnect = 1;
constexpr int kCodeRing = 2;
constexpr int kCodeNoCarrier = 3;
constexpr int kCodeError = 4;
constexpr int kCodeConnect1200 = 5;
constexpr int kCodeNoDialtone = 6;
constexpr int kCodeBusy = 7;
constexpr int kCodeNoAnswer = 8;
constexpr int kCodeConnect2400 = 10;
constexpr int kCodeConnect4800 = 11;
constexpr int kCodeConnect9600 = 12;

// S-register table: Hayes Smartmodem ranges and defaults unless marked.
constexpr std::array<std::optional<SRegisterInfo>, kNumSRegisters> kSRegs{{
    SRegisterInfo{0, 255, 0, "rings before auto-answer (0 = off)"},
    SRegisterInfo{0, 255, 0, "rings counted"},
    SRegisterInfo{0, 255, 43, "escape character ('+'; above 127 disables the escape)"},
    SRegisterInfo{0, 127, 13, "command line terminator (CR)"},
    SRegisterInfo{0, 127, 10, "line feed character (LF)"},
    SRegisterInfo{0, 127, 8, "backspace character (BS)"},
    SRegisterInfo{2, 255, 2, "dial tone wait, s"},
    SRegisterInfo{1, 255, 50, "carrier wait, s"},
    SRegisterInfo{0, 255, 2, "comma pause, s"},
    std::nullopt,  // S9 carrier detect response time: not used by this modem
    SRegisterInfo{1, 255, 14, "carrier loss delay, 1/10 s"},
    SRegisterInfo{50, 255, 95, "DTMF duration, ms (default 95: project choice)"},
    SRegisterInfo{0, 255, 50, "escape guard time, 1/50 s (0: no guard time)"},
}};

bool in_set(const ModulationLimits& m, Carrier c) noexcept {
    if (c == m.carrier) return true;
    return m.automode && static_cast<int>(c) < static_cast<int>(m.carrier);
}

bool carrier_has_rate(Carrier c, int rate_bps) noexcept {
    switch (c) {
    case Carrier::V21: return rate_bps == 300;    // V.21: 300 bit/s
    case Carrier::V22: return rate_bps == 1200;   // V.22: 1200 bit/s (600 bit/s alternative not offered)
    case Carrier::V22B: return rate_bps == 1200 || rate_bps == 2400;  // V.22bis: 2400, fallback 1200
    }
    return false;
}
}  // namespace

std::string_view to_string(Carrier c) noexcept {
    switch (c) {
    case Carrier::V21: return "V21";
    case Carrier::V22: return "V22";
    case Carrier::V22B: return "V22B";
    }
    return "?";
}

bool ModulationLimits::allows(Carrier c, int rate_bps) const noexcept {
    return in_set(*this, c) && carrier_has_rate(c, rate_bps) && rate_bps >= min_tx_bps && rate_bps <= max_tx_bps &&
           rate_bps >= min_rx_bps && rate_bps <= max_rx_bps;
}

std::optional<SRegisterInfo> sreg_info(int n) noexcept {
    if (n < 0 || n >= kNumSRegisters) return std::nullopt;
    return kSRegs[static_cast<std::size_t>(n)];
}

Settings Settings::factory() {
    Settings s;
    for (int i = 0; i < kNumSRegisters; ++i) {
        const auto info = sreg_info(i);
        s.s[static_cast<std::size_t>(i)] = info ? info->factory : 0;
    }
    return s;
}

ResultText result_text(Result r, int rate_bps, int x_level, bool lapm) {
    const bool extended = x_level >= 1;
    const bool dialtone = x_level == 2 || x_level == 4;
    const bool busy = x_level >= 3;
    switch (r) {
    case Result::Ok: return {kCodeOk, "OK"};
    case Result::Ring: return {kCodeRing, "RING"};
    case Result::NoCarrier: return {kCodeNoCarrier, "NO CARRIER"};
    case Result::Error: return {kCodeError, "ERROR"};
    case Result::NoDialtone:
        return dialtone ? ResultText{kCodeNoDialtone, "NO DIALTONE"} : ResultText{kCodeNoCarrier, "NO CARRIER"};
    case Result::Busy: return busy ? ResultText{kCodeBusy, "BUSY"} : ResultText{kCodeNoCarrier, "NO CARRIER"};
    case Result::NoAnswer:
        return extended ? ResultText{kCodeNoAnswer, "NO ANSWER"} : ResultText{kCodeNoCarrier, "NO CARRIER"};
    case Result::Connect: {
        if (!extended || rate_bps <= 300) return {kCodeConnect, lapm && extended ? "CONNECT/LAPM" : "CONNECT"};
        ResultText t;
        switch (rate_bps) {
        case 1200: t = {kCodeConnect1200, "CONNECT 1200"}; break;
        case 2400: t = {kCodeConnect2400, "CONNECT 2400"}; break;
        case 4800: t = {kCodeConnect4800, "CONNECT 4800"}; break;
        case 9600: t = {kCodeConnect9600, "CONNECT 9600"}; break;
        default: t = {kCodeConnect, "CONNECT " + std::to_string(rate_bps)}; break;  // no Hayes code
        }
        if (lapm) t.text += "/LAPM";
        return t;
    }
    }
    return {kCodeError, "ERROR"};
}

std::uint8_t dte_byte(const v14::Format& format, std::uint8_t value) noexcept {
    if (format.data_bits != 7 || format.parity == v14::Parity::None) return value;
    const auto v = static_cast<std::uint8_t>(value & 0x7Fu);
    return static_cast<std::uint8_t>(v | (format.parity_bit(v) << 7));
}

std::optional<v14::Format> detect_format(std::uint8_t a_byte, std::uint8_t t_byte) noexcept {
    const int a_hi = a_byte >> 7;
    const int t_hi = t_byte >> 7;
    if (a_hi == 0 && t_hi == 0) return v14::Format{};  // 8N1 (or 7S1: the same line bits)
    using v14::Parity;
    for (Parity p : {Parity::Even, Parity::Odd, Parity::Mark}) {
        const v14::Format f{.data_bits = 7, .parity = p, .stop_bits = 1};
        if (f.parity_bit(static_cast<std::uint8_t>(a_byte & 0x7Fu)) == a_hi &&
            f.parity_bit(static_cast<std::uint8_t>(t_byte & 0x7Fu)) == t_hi)
            return f;
    }
    return std::nullopt;
}

}  // namespace modem::at
