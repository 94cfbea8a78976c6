// SPDX-License-Identifier: MIT
/// \file
/// V.22bis transmitter: symbol coding, fractional-rate RRC shaping and modulation.
#include "modem/v22bis/tx.hpp"

#include <cmath>
#include <stdexcept>

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

/// sum_k a[k] b[k] over 32 floats in eight interleaved partial sums: a fixed summation order that
/// the compiler can keep in vector registers (a plain running sum would be one long dependency chain).
inline float dot_window(const float* a, const float* b) noexcept {
    float acc[8] = {};
    for (std::size_t i = 0; i < 32; i += 8)
        for (std::size_t k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}
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

Tx::Tx(const Config& cfg) : cfg_(cfg) {
    if (cfg.role == Role::Caller && cfg.guard != GuardTone::None)
        throw std::invalid_argument("v22bis: only the answering modem sends a guard tone");
    if (!(cfg.level_dbm0 <= 0.0)) throw std::invalid_argument("v22bis: transmit level must be at most 0 dBm0");
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
    // 40 samples per symbol is the common multiple: the 8 kHz output takes every third tap.
    std::vector<float> h = dsp::design::rrc(
        {.samples_per_symbol = kSymbolNum, .span_symbols = kSpanSymbols / 2, .beta = kRollOff});
    for (float& v : h) v *= std::sqrt(static_cast<float>(kSymbolNum));  // sum h^2 = 40
    // c_m[j] = A h(3 m mod 40 + 40 j) e^{j w m}: the carrier repeats within 40 samples (fc / fs is
    // 3/20 or 3/10 of a turn), so the table is exact for every n with m = n mod 40.
    const double w = dsp::kTwoPi * tx_carrier_hz(cfg.role) / dsp::kFsHz;
    taps_.assign(static_cast<std::size_t>(kSymbolNum) * kDot, 0.0f);
    for (int m = 0; m < kSymbolNum; ++m) {
        const int p = (kSymbolDen * m) % kSymbolNum;
        const double c = amp_ * std::cos(w * m);
        const double s = amp_ * std::sin(w * m);
        float* row = taps_.data() + static_cast<std::size_t>(m) * kDot;
        for (int j = 0; j < kTouching; ++j) {
            const std::size_t idx = static_cast<std::size_t>(p + kSymbolNum * j);
            if (idx >= h.size()) continue;
            row[2 * j] = static_cast<float>(static_cast<double>(h[idx]) * c);
            row[2 * j + 1] = static_cast<float>(-static_cast<double>(h[idx]) * s);
        }
    }
    if (cfg.guard != GuardTone::None) {
        const double g = dsp::dbm0_to_peak(cfg.level_dbm0 + guard_db);
        const double wg = dsp::kTwoPi * (cfg.guard == GuardTone::Hz550 ? kGuard550Hz : kGuard1800Hz) / dsp::kFsHz;
        guard_wave_.resize(kGuardPeriod);
        for (std::size_t n = 0; n < kGuardPeriod; ++n)
            guard_wave_[n] = static_cast<float>(g * std::sin(wg * static_cast<double>(n)));
    }
    reset();
}

void Tx::reset() noexcept {
    signal_ = TxSignal::Silence;
    scrambler_.reset();
    encoder_.reset();
    ring_.fill(0.0f);
    ring_pos_ = 0;
    mod40_ = 0;
    guard_pos_ = 0;
    s1_toggle_ = 0;
    symbols_ = 0;
    now_ = 0;
}

void Tx::data_bits(std::uint8_t* bits, std::size_t n) noexcept {
    if (block_source_) block_source_(std::span<std::uint8_t>(bits, n));
    else if (source_) for (std::size_t i = 0; i < n; ++i) bits[i] = source_();
    else for (std::size_t i = 0; i < n; ++i) bits[i] = 1;
    for (std::size_t i = 0; i < n; ++i) bits[i] = scrambler_(static_cast<std::uint8_t>(bits[i] & 1u));
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
        std::array<std::uint8_t, 2> b{};
        data_bits(b.data(), b.size());
        p = encoder_.dibit(b[0], b[1]);
        break;
    }
    case TxSignal::Data2400: {
        std::array<std::uint8_t, 4> q{};
        data_bits(q.data(), q.size());
        p = encoder_.quadbit(q[0], q[1], q[2], q[3]);
        break;
    }
    }
    if (signal_ != TxSignal::S1) s1_toggle_ = 0;
    return cf32(static_cast<float>(p.i) * kGridScale, static_cast<float>(p.q) * kGridScale);
}

void Tx::process(std::span<float> out) noexcept {
    static_assert(kDot == 32, "dot_window sums 32 floats");
    const bool guard = !guard_wave_.empty();
    for (float& y : out) {
        // A symbol starts where 3 n mod 40 wraps (at 40 k / 3 rounded up): n mod 40 = 0, 14, 27.
        if (kSymbolDen * mod40_ % kSymbolNum < kSymbolDen) {
            const cf32 s = signal_ == TxSignal::Silence ? cf32{} : next_symbol();
            ring_pos_ = (ring_pos_ == 0) ? kRing - 1 : ring_pos_ - 1;
            ring_[2 * ring_pos_] = ring_[2 * (ring_pos_ + kRing)] = s.real();
            ring_[2 * ring_pos_ + 1] = ring_[2 * (ring_pos_ + kRing) + 1] = s.imag();
            ++symbols_;
        }
        // x[n] = sum_j (Re s_{k-j} Re c_m[j] - Im s_{k-j} Im c_m[j]), newest symbol first
        float x = dot_window(ring_.data() + 2 * ring_pos_, taps_.data() + mod40_ * kDot);
        if (guard && signal_ != TxSignal::Silence) {
            x += guard_wave_[guard_pos_];
            guard_pos_ = guard_pos_ + 1 == kGuardPeriod ? 0 : guard_pos_ + 1;
        }
        y = x;
        mod40_ = mod40_ + 1 == kSymbolNum ? 0 : mod40_ + 1;
        ++now_;
    }
}

}  // namespace modem::v22bis
