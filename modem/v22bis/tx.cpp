// SPDX-License-Identifier: MIT
/// \file
/// V.22bis transmitter: symbol coding, fractional-rate RRC shaping and modulation.
#include "modem/v22bis/tx.hpp"

#include <algorithm>
#include <array>
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
/// Sample offsets (n mod 40) where symbols 3 m + 1 and 3 m + 2 start: ceil(40 / 3), ceil(80 / 3).
constexpr std::size_t kStart1 = (kSymbolNum + kSymbolDen - 1) / kSymbolDen;
constexpr std::size_t kStart2 = (2 * kSymbolNum + kSymbolDen - 1) / kSymbolDen;
const float kGridScale = static_cast<float>(1.0 / std::sqrt(kConstellationPower));

/// acc[t] += s_re re[t] + s_im im[t] for t < n: one symbol's terms (n a multiple of 4, no overlap).
inline void add_pulse(float* __restrict acc, const float* __restrict re, const float* __restrict im, float s_re,
                      float s_im, std::size_t n) noexcept {
    for (std::size_t t = 0; t < n; ++t) acc[t] += s_re * re[t] + s_im * im[t];
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
    // w_c[t] = A h(p + 3 t) e^{j w (m0 + t)} for the three symbol starts m0 = n0 mod 40 (k mod 3 = c)
    // with filter phase p = 3 n0 - 40 k = 3 m0 mod 40; w (m0 + t) is exact as the carrier repeats
    // within 40 samples.
    const double w = dsp::kTwoPi * tx_carrier_hz(cfg.role) / dsp::kFsHz;
    pulses_.assign(2 * kSymbolDen * kPulse, 0.0f);
    for (int c = 0; c < kSymbolDen; ++c) {
        const int m0 = (kSymbolNum * c + kSymbolDen - 1) / kSymbolDen;  // ceil(40 c / 3)
        const int p = (kSymbolDen * m0) % kSymbolNum;
        float* re = pulses_.data() + static_cast<std::size_t>(c) * kPulse;
        float* im = pulses_.data() + static_cast<std::size_t>(kSymbolDen + c) * kPulse;
        for (std::size_t t = 0; t < kPulse; ++t) {
            const std::size_t idx = static_cast<std::size_t>(p) + kSymbolDen * t;
            if (idx >= h.size()) break;
            const double ph = w * static_cast<double>(static_cast<std::size_t>(m0) + t);
            re[t] = static_cast<float>(amp_ * static_cast<double>(h[idx]) * std::cos(ph));
            im[t] = static_cast<float>(-amp_ * static_cast<double>(h[idx]) * std::sin(ph));
        }
    }
    acc_.assign(kAccLen, 0.0f);
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
    std::fill(acc_.begin(), acc_.end(), 0.0f);
    head_ = 0;
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
    const bool guard = !guard_wave_.empty();
    std::size_t i = 0;
    while (i < out.size()) {
        // A symbol starts where 3 n mod 40 wraps (at 40 k / 3 rounded up): n mod 40 = 0, 14, 27.
        if (mod40_ == 0 || mod40_ == kStart1 || mod40_ == kStart2) {
            if (head_ + kPulse > kAccLen) {  // slide the live terms (all before the end) back to the start
                const auto live = std::copy(acc_.begin() + static_cast<std::ptrdiff_t>(head_), acc_.end(), acc_.begin());
                std::fill(live, acc_.end(), 0.0f);
                head_ = 0;
            }
            if (signal_ != TxSignal::Silence) {
                const cf32 s = next_symbol();
                const std::size_t c = mod40_ == 0 ? 0 : (mod40_ == kStart1 ? 1 : 2);
                // x[n0 + t] += Re s Re w_c[t] - Im s Im w_c[t]
                add_pulse(acc_.data() + head_, pulses_.data() + c * kPulse, pulses_.data() + (kSymbolDen + c) * kPulse,
                          s.real(), s.imag(), kPulse);
            }
            ++symbols_;
        }
        // The samples up to the next symbol start are complete in the accumulator.
        const std::size_t next = mod40_ < kStart1 ? kStart1 : (mod40_ < kStart2 ? kStart2 : std::size_t{kSymbolNum});
        const std::size_t run = std::min(next - mod40_, out.size() - i);
        float* y = out.data() + i;
        std::copy_n(acc_.data() + head_, run, y);
        if (guard && signal_ != TxSignal::Silence) {
            for (std::size_t k = 0; k < run; ++k) {
                y[k] += guard_wave_[guard_pos_];
                guard_pos_ = guard_pos_ + 1 == kGuardPeriod ? 0 : guard_pos_ + 1;
            }
        }
        head_ += run;
        mod40_ += run;
        if (mod40_ == kSymbolNum) mod40_ = 0;
        now_ += static_cast<SampleTime>(run);
        i += run;
    }
}

}  // namespace modem::v22bis
