// SPDX-License-Identifier: MIT
/// \file
/// V.22bis transmitter: symbol coding, fractional-rate RRC shaping and modulation.
#include "modem/v22bis/tx.hpp"

#include <cmath>
#include <stdexcept>

#include "dsp/kernels/kernels.hpp"
#include "dsp/liquid_design.hpp"

namespace modem::v22bis {

namespace {
/// protocols.md 4.2 (LM and spandsp's V.34 notes): with 1800 Hz, data at -1 dB and guard at -7 dB.
constexpr double kData1800Db = -1.0;
constexpr double kGuard1800Db = -7.0;
/// protocols.md 4.2 [D]: guard 3 dB below the data with the total at nominal: data -1.76 dB.
constexpr double kData550Db = -1.76;
constexpr double kGuard550Db = -4.76;
constexpr double kGuard1800Hz = 1800.0;  ///< V.22 2.3
constexpr double kGuard550Hz = 550.0;    ///< V.22 2.3
/// Unit-power scaling of the integer grid (mean power 10).
const float kGridScale = static_cast<float>(1.0 / std::sqrt(kConstellationPower));
}  // namespace

std::string_view to_string(TxSignal s) noexcept {
    switch (s) {
    case TxSignal::Silence: return "silence";
    case TxSignal::UnscrambledOnes: return "unscrambled_ones";
    case TxSignal::S1: return "s1";
    case TxSignal::ScrambledOnes1200: return "scrambled_ones_1200";
    case TxSignal::ScrambledOnes2400: return "scrambled_ones_2400";
    case TxSignal::Data1200: return "data_1200";
    case TxSignal::Data2400: return "data_2400";
    }
    return "?";
}

Tx::Tx(const Config& cfg)
    : cfg_(cfg),
      carrier_({.freq_hz = tx_carrier_hz(cfg.role)}),
      guard_({.freq_hz = cfg.guard == GuardTone::Hz550 ? kGuard550Hz : kGuard1800Hz}) {
    if (cfg.role == Role::Caller && cfg.guard != GuardTone::None)
        throw std::invalid_argument("v22bis: only the answering modem sends a guard tone");
    if (!(cfg.level_dbm0 <= 0.0)) throw std::invalid_argument("v22bis: transmit level must be at most 0 dBm0");
    // 40 samples per symbol is the common multiple: the 8 kHz output takes every third tap.
    std::vector<float> h = dsp::design::rrc(
        {.samples_per_symbol = kSymbolNum, .span_symbols = kSpanSymbols / 2, .beta = kRollOff});
    for (float& v : h) v *= std::sqrt(static_cast<float>(kSymbolNum));  // sum h^2 = 40
    for (int p = 0; p < kSymbolNum; ++p) {
        auto& taps = phase_taps_[static_cast<std::size_t>(p)];
        taps.assign(kRing, 0.0f);
        for (int j = 0; j < kRing; ++j) {
            const std::size_t idx = static_cast<std::size_t>(p + kSymbolNum * j);
            if (idx < h.size()) taps[static_cast<std::size_t>(j)] = h[idx];
        }
    }
    double data_db = 0.0;
    double guard_db = -300.0;
    if (cfg.guard == GuardTone::Hz1800) {
        data_db = kData1800Db;
        guard_db = kGuard1800Db;
    } else if (cfg.guard == GuardTone::Hz550) {
        data_db = kData550Db;
        guard_db = kGuard550Db;
    }
    // Passband power of A Re{b e^{jwt}} with E|b|^2 = 1 is A^2 / 2: A = sqrt(2 P).
    amp_ = std::sqrt(2.0 * dsp::dbm0_to_power(cfg.level_dbm0 + data_db));
    guard_amp_ = cfg.guard == GuardTone::None ? 0.0f : static_cast<float>(dsp::dbm0_to_peak(cfg.level_dbm0 + guard_db));
    reset();
}

void Tx::reset() noexcept {
    carrier_.reset();
    guard_.reset();
    signal_ = TxSignal::Silence;
    scrambler_.reset();
    encoder_.reset();
    ring_.fill(cf32{});
    ring_pos_ = 0;
    phase_ = kSymbolNum - kSymbolDen;
    s1_toggle_ = 0;
    symbols_ = 0;
    now_ = 0;
}

std::uint8_t Tx::data_bit() noexcept {
    const std::uint8_t b = source_ ? static_cast<std::uint8_t>(source_() & 1u) : std::uint8_t{1};
    return scrambler_(b);
}

cf32 Tx::next_symbol() noexcept {
    Point p{};
    switch (signal_) {
    case TxSignal::Silence: return {};
    case TxSignal::UnscrambledOnes: p = encoder_.dibit(1, 1); break;
    case TxSignal::S1:
        // V.22bis 6.2: 00 then 11, repeated; every S1 starts with 00.
        p = s1_toggle_ == 0 ? encoder_.dibit(0, 0) : encoder_.dibit(1, 1);
        s1_toggle_ ^= 1;
        break;
    case TxSignal::ScrambledOnes1200: {
        const int b0 = scrambler_(1);
        const int b1 = scrambler_(1);
        p = encoder_.dibit(b0, b1);
        break;
    }
    case TxSignal::ScrambledOnes2400: {
        const int q1 = scrambler_(1), q2 = scrambler_(1), q3 = scrambler_(1), q4 = scrambler_(1);
        p = encoder_.quadbit(q1, q2, q3, q4);
        break;
    }
    case TxSignal::Data1200: {
        const int b0 = data_bit();
        const int b1 = data_bit();
        p = encoder_.dibit(b0, b1);
        break;
    }
    case TxSignal::Data2400: {
        const int q1 = data_bit(), q2 = data_bit(), q3 = data_bit(), q4 = data_bit();
        p = encoder_.quadbit(q1, q2, q3, q4);
        break;
    }
    }
    if (signal_ != TxSignal::S1) s1_toggle_ = 0;
    return cf32(static_cast<float>(p.i) * kGridScale, static_cast<float>(p.q) * kGridScale);
}

void Tx::process(std::span<float> out) noexcept {
    for (float& y : out) {
        // phase_ = 3 n mod 40: a new symbol starts at the sample where it wraps (40 k / 3 rounded up).
        phase_ += kSymbolDen;
        if (phase_ >= kSymbolNum) {
            phase_ -= kSymbolNum;
            const cf32 s = signal_ == TxSignal::Silence ? cf32{} : next_symbol();
            ring_pos_ = (ring_pos_ == 0) ? kRing - 1 : ring_pos_ - 1;
            ring_[ring_pos_] = s;
            ring_[ring_pos_ + kRing] = s;
            ++symbols_;
        }
        // b[n] = sum_j s_{k-j} h[p + 40 j], with the newest symbol first in ring_[ring_pos_...]
        const auto& taps = phase_taps_[static_cast<std::size_t>(phase_)];
        const cf32 b = dsp::kernels::dot(std::span<const cf32>(ring_.data() + ring_pos_, kRing), taps);
        const cf32 lo = carrier_.next();
        // Re{b lo} = I cos - Q sin
        float x = static_cast<float>(amp_) * (b.real() * lo.real() - b.imag() * lo.imag());
        if (guard_amp_ != 0.0f && signal_ != TxSignal::Silence) {
            float g = 0.0f;
            guard_.sin(std::span<float>(&g, 1), guard_amp_);
            x += g;
        }
        y = x;
        ++now_;
    }
}

}  // namespace modem::v22bis
