// SPDX-License-Identifier: MIT
/// \file
/// V.22bis transmitter: symbol coding, fractional-rate RRC shaping and modulation.
#include "modem/v22bis/tx.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <mutex>
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
constexpr std::size_t kPoints = 16;  ///< V.22bis 2.5: the 16-point grid (1200 bit/s uses 4 of them)
constexpr std::size_t kPhases = kSymbolDen;

/// First sample of symbol k: ceil(40 k / 3).
constexpr std::size_t symbol_start(std::size_t k) noexcept { return (kSymbolNum * k + kSymbolDen - 1) / kSymbolDen; }

/// Table index of a grid point: its coordinates {-3, -1, 1, 3} as 0 .. 3, I the high pair.
constexpr std::size_t point_index(Point p) noexcept {
    return static_cast<std::size_t>(((p.i + 3) >> 1) * 4 + ((p.q + 3) >> 1));
}

/// point_index(point_of(quadrant, label)) at [quadrant * 4 + label]: a lookup instead of point_of's
/// switch on a random quadrant, which mispredicts.
constexpr std::array<std::uint8_t, 16> point_indices() noexcept {
    std::array<std::uint8_t, 16> idx{};
    for (int q = 0; q < 4; ++q)
        for (int l = 0; l < 4; ++l) idx[static_cast<std::size_t>(q * 4 + l)] = static_cast<std::uint8_t>(point_index(point_of(q, l)));
    return idx;
}

/// The rows of every (start phase, grid point), then a zero row; see Tx::rows_. Built once per role and
/// amplitude and shared by the transmitters alive (weak entries: the last one out frees the table).
std::shared_ptr<const std::vector<float>> waveform_rows(Role role, double amp, std::size_t row_len, std::size_t pulse,
                                                        unsigned span_symbols) {
    struct Entry {
        Role role;
        double amp;
        std::weak_ptr<const std::vector<float>> rows;
    };
    static std::mutex mutex;
    static std::vector<Entry> cache;
    const std::lock_guard lock(mutex);
    for (const Entry& e : cache)
        if (e.role == role && e.amp == amp)
            if (auto rows = e.rows.lock()) return rows;
    std::erase_if(cache, [](const Entry& e) { return e.rows.expired(); });

    // 40 samples per symbol is the common multiple: the 8 kHz output takes every third tap.
    std::vector<float> h = dsp::design::rrc(
        {.samples_per_symbol = kSymbolNum, .span_symbols = span_symbols / 2, .beta = kRollOff});
    for (float& v : h) v *= std::sqrt(static_cast<float>(kSymbolNum));  // sum h^2 = 40
    // w_c[t] = A h(p + 3 t) e^{j w (m0 + t)} for the three symbol starts m0 = n0 mod 40 (k mod 3 = c)
    // with filter phase p = 3 n0 - 40 k = 3 m0 mod 40; w (m0 + t) is exact as the carrier repeats
    // within 40 samples. Each row is Re{s w_c[t]} = Re s Re w_c[t] - Im s Im w_c[t], evaluated in
    // float exactly as a multiply-add of the rounded taps would.
    const double w = dsp::kTwoPi * tx_carrier_hz(role) / dsp::kFsHz;
    auto rows = std::make_shared<std::vector<float>>((kPhases * kPoints + 1) * row_len, 0.0f);
    std::vector<float> re(pulse), im(pulse);
    for (std::size_t c = 0; c < kPhases; ++c) {
        const std::size_t m0 = symbol_start(c);
        const std::size_t p = (kSymbolDen * m0) % kSymbolNum;
        for (std::size_t t = 0; t < pulse; ++t) {
            const std::size_t idx = p + kSymbolDen * t;
            const double ph = w * static_cast<double>(m0 + t);
            const double ht = idx < h.size() ? static_cast<double>(h[idx]) : 0.0;
            re[t] = static_cast<float>(amp * ht * std::cos(ph));
            im[t] = static_cast<float>(-amp * ht * std::sin(ph));
        }
        for (int i = -3; i <= 3; i += 2) {
            for (int q = -3; q <= 3; q += 2) {
                const float s_re = static_cast<float>(i) * kGridScale;
                const float s_im = static_cast<float>(q) * kGridScale;
                float* row = rows->data() + (c * kPoints + point_index({i, q})) * row_len;
                for (std::size_t t = 0; t < pulse; ++t) row[t] = s_re * re[t] + s_im * im[t];
            }
        }
    }
    cache.push_back({role, amp, rows});
    return rows;
}

/// Offsets into the rows of the symbols k - 12 .. k (oldest first) of the run of symbol k, for k mod 3
/// = c: n0(k) - n0(k - d), d = 12 .. 0.
template <std::size_t Terms>
constexpr std::array<std::array<std::uint16_t, Terms>, kPhases> run_offsets() noexcept {
    std::array<std::array<std::uint16_t, Terms>, kPhases> off{};
    for (std::size_t c = 0; c < kPhases; ++c) {
        const std::size_t k = c + kPhases * Terms;  // any k >= Terms - 1 with this phase
        for (std::size_t j = 0; j < Terms; ++j)
            off[c][j] = static_cast<std::uint16_t>(symbol_start(k) - symbol_start(k - (Terms - 1 - j)));
    }
    return off;
}

/// y[t] = sum_j rows[j][off[j] + t], t < Run, j = 0 .. Terms - 1 in order (the same additions in the
/// same order as an accumulator fed oldest symbol first, so the same floats).
template <std::size_t Terms, std::size_t Run>
inline void sum_rows(const float* const* rows, const std::uint16_t* off, float* __restrict y) noexcept {
    // Fully unrolled so that the sums live in registers (Run / 4 SIMD registers) and every row
    // pointer is formed once; as loops GCC keeps them on the stack and stalls on store forwarding.
    // (Leaving out the oldest row where it is zero, 3 of 52 loads, measured slower: more spills.)
    float acc[Run];
    const float* r0 = rows[0] + off[0];
#pragma GCC unroll 16
    for (std::size_t t = 0; t < Run; ++t) acc[t] = r0[t];
#pragma GCC unroll 16
    for (std::size_t j = 1; j < Terms; ++j) {
        const float* r = rows[j] + off[j];
#pragma GCC unroll 16
        for (std::size_t t = 0; t < Run; ++t) acc[t] += r[t];
    }
#pragma GCC unroll 16
    for (std::size_t t = 0; t < Run; ++t) y[t] = acc[t];
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
    rows_ = waveform_rows(cfg.role, amp_, kRow, kPulse, static_cast<unsigned>(kSpanSymbols));
    table_ = rows_->data();
    zero_row_ = table_ + kPhases * kPoints * kRow;
    if (cfg.guard != GuardTone::None) {
        const double g = dsp::dbm0_to_peak(cfg.level_dbm0 + guard_db);
        const double wg = dsp::kTwoPi * (cfg.guard == GuardTone::Hz550 ? kGuard550Hz : kGuard1800Hz) / dsp::kFsHz;
        guard_wave_.resize(kGuardPeriod + kRun);  // one period, then its start again: runs never wrap
        for (std::size_t n = 0; n < guard_wave_.size(); ++n)
            guard_wave_[n] = static_cast<float>(g * std::sin(wg * static_cast<double>(n % kGuardPeriod)));
    }
    reset();
}

void Tx::reset() noexcept {
    signal_ = TxSignal::Silence;
    scrambler_.reset();
    encoder_.reset();
    window_.fill(zero_row_);
    slot_ = 0;
    run_.fill(0.0f);
    run_len_ = 0;
    run_pos_ = 0;
    phase_ = 0;
    guard_pos_ = 0;
    s1_toggle_ = 0;
    symbols_ = 0;
    now_ = 0;
}

// data_bits, next_row and start_symbol are forced inline: as calls they cost 15 % of the transmitter
// (measured 1.51 -> 1.31 ns/sample at 2400 bit/s with the bench's block source).
[[gnu::always_inline]] inline std::uint32_t Tx::data_bits(std::size_t n) noexcept {
    std::array<std::uint8_t, 4> bits{1, 1, 1, 1};
    if (block_source_) block_source_(std::span<std::uint8_t>(bits.data(), n));
    else if (source_) for (std::size_t i = 0; i < n; ++i) bits[i] = source_();
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 1) | (bits[i] & 1u);
    return v;
}

[[gnu::always_inline]] inline const float* Tx::next_row(std::size_t phase) noexcept {
    // Q3Q4 (2400 bit/s) or the 1200 bit/s label, and the quadrant after the differential step; the
    // line bits of a symbol come first in time in the high bit (Scrambler::block).
    int label = kPoint1200;
    int quadrant = 0;
    switch (signal_) {
    case TxSignal::Silence: return zero_row_;
    case TxSignal::UnscrambledOnes: quadrant = encoder_.turn(1, 1); break;
    case TxSignal::S1:
        // V.22bis 6.2: 00 then 11, repeated; every S1 starts with 00.
        quadrant = s1_toggle_ == 0 ? encoder_.turn(0, 0) : encoder_.turn(1, 1);
        s1_toggle_ ^= 1;
        break;
    case TxSignal::ScrambledOnes1200:
    case TxSignal::Data1200: {
        const std::uint32_t y = scrambler_.block(signal_ == TxSignal::Data1200 ? data_bits(2) : 0b11u, 2);
        quadrant = encoder_.turn(static_cast<int>(y >> 1), static_cast<int>(y & 1u));
        break;
    }
    case TxSignal::ScrambledOnes2400:
    case TxSignal::Data2400: {
        const std::uint32_t y = scrambler_.block(signal_ == TxSignal::Data2400 ? data_bits(4) : 0b1111u, 4);
        quadrant = encoder_.turn(static_cast<int>(y >> 3), static_cast<int>((y >> 2) & 1u));
        label = static_cast<int>(y & 3u);
        break;
    }
    }
    if (signal_ != TxSignal::S1) s1_toggle_ = 0;
    static constexpr auto kIndex = point_indices();
    return table_ + (phase * kPoints + kIndex[static_cast<std::size_t>(quadrant * 4 + label)]) * kRow;
}

[[gnu::always_inline]] inline void Tx::start_symbol(float* y) noexcept {
    static constexpr auto kOffsets = run_offsets<kTerms>();
    static constexpr std::array<std::size_t, kPhases> kRunLength{symbol_start(1) - symbol_start(0),
                                                                 symbol_start(2) - symbol_start(1),
                                                                 symbol_start(3) - symbol_start(2)};
    // Every run fits kRun lanes, every read stays within a row, and the symbol before the window
    // (13 back) no longer reaches the run.
    static_assert(kRunLength[0] <= kRun && kRunLength[1] <= kRun && kRunLength[2] <= kRun);
    static_assert(kOffsets[0][0] + kRun <= kRow && kOffsets[1][0] + kRun <= kRow && kOffsets[2][0] + kRun <= kRow);
    static_assert(symbol_start(kTerms + 2) - symbol_start(2) >= kPulse);
    const std::size_t c = phase_;
    const float* row = signal_ == TxSignal::Silence ? zero_row_ : next_row(c);
    // Symbol k goes to slot k mod 13 and its copy 13 further: the window k - 12 .. k, oldest first,
    // is then always the 13 entries after the slot.
    window_[slot_] = row;
    window_[slot_ + kTerms] = row;
    slot_ = slot_ + 1 == kTerms ? 0 : slot_ + 1;
    sum_rows<kTerms, kRun>(window_.data() + slot_, kOffsets[c].data(), y);
    run_len_ = kRunLength[c];  // 14, 13, 13
    run_pos_ = 0;
    phase_ = c + 1 == kPhases ? 0 : c + 1;
    ++symbols_;
}

void Tx::add_guard(float* y, std::size_t n) noexcept {
    const float* g = guard_wave_.data() + guard_pos_;
    for (std::size_t k = 0; k < n; ++k) y[k] += g[k];
    guard_pos_ += n;
    if (guard_pos_ >= kGuardPeriod) guard_pos_ -= kGuardPeriod;
}

void Tx::process(std::span<float> out) noexcept {
    const std::size_t n = out.size();
    std::size_t i = 0;
    while (i < n) {
        float* y = out.data() + i;
        std::size_t m = 0;
        if (run_pos_ == run_len_ && n - i >= kRun) {
            // The whole run (and the scratch lanes after it, overwritten next) straight into out.
            start_symbol(y);
            m = run_len_;
        } else {
            if (run_pos_ == run_len_) start_symbol(run_.data());
            m = std::min(run_len_ - run_pos_, n - i);
            std::copy_n(run_.data() + run_pos_, m, y);
        }
        if (!guard_wave_.empty() && signal_ != TxSignal::Silence) add_guard(y, m);
        run_pos_ += m;
        i += m;
    }
    now_ += static_cast<SampleTime>(n);
}

}  // namespace modem::v22bis
