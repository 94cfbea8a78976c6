// SPDX-License-Identifier: MIT
/// \file
/// V.22bis / V.22 transmitter: bit coding, 75 % RRC shaping at 600 baud (40 samples per 3 symbols)
/// and modulation onto 1200 or 2400 Hz, with the answerer's optional guard tone (V.22bis 2, 4).
#pragma once

#include <cstdint>
#include <array>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "dsp/types.hpp"
#include "modem/v22bis/coding.hpp"
#include "modem/v22bis/v22bis.hpp"

namespace modem::v22bis {

/// What the transmitter sends, symbol by symbol (V.22bis 6.2 names).
enum class TxSignal {
    Silence,            ///< no carrier (the shaping filter's tail still decays)
    UnscrambledOnes,    ///< USB1: unscrambled binary 1 at 1200 bit/s, every dibit 11
    S1,                 ///< unscrambled double dibit 00, 11 at 1200 bit/s
    ScrambledOnes1200,  ///< SB1 at 1200 bit/s
    ScrambledOnes2400,  ///< SB1 at 2400 bit/s
    Data1200,           ///< bits from the bit source, scrambled, 1200 bit/s
    Data2400,           ///< bits from the bit source, scrambled, 2400 bit/s
};
std::string_view to_string(TxSignal s) noexcept;

/// Transmitter for one role.
///
/// Per symbol k (600 baud): the signal chooses dibits or quadbits; they are scrambled (except USB1
/// and S1) and coded differentially into a grid point s_k (coding.hpp), normalised to unit mean power.
/// Per output sample n (8000 Hz), with the exact ratio 3 n / 40 symbols:
///   b[n] = sum_k s_k h(3 n - 40 k)          h: 75 % RRC designed at 40 samples per symbol, 12
///                                           symbols long, sum h^2 = 40 (so E|b|^2 = E|s|^2)
///   x[n] = A Re{ b[n] e^{j 2 pi fc n / fs} } = A (I cos - Q sin)   (protocols.md 0)
///        + G sin(2 pi fg n / fs)            answerer guard tone
/// A and G set the data and guard powers so that the total is level_dbm0 (protocols.md 4.2:
/// 1800 Hz: data -1 dB, guard -7 dB; 550 Hz: data -1.76 dB, guard -4.76 dB, i.e. 3 dB apart).
/// The shaping delay is 6 symbols (80 samples): symbol k is centred on sample 40 k / 3 + 80.
///
/// Implementation: symbol k starts at sample n0 = ceil(40 k / 3), and n0 mod 40 is 0, 14 or 27 as k
/// mod 3 is 0, 1 or 2; that start also fixes the filter phase 3 n0 - 40 k and, as the carrier repeats
/// within 40 samples (fc / fs is 3/20 or 3/10 of a turn), the carrier phase. With the complex taps
///   w_c[t] = A h(3 n0 - 40 k + 3 t) e^{j 2 pi fc (n0 + t) / fs},   t = 0 .. 160,
/// symbol k adds the real waveform Re{s_k w_c[t]} to the 161 samples from n0. That waveform is one of
/// 16 x 3 (grid point, start phase), so the constructor tabulates all of them (shared read-only by
/// every transmitter with the same role and amplitude, 34 KB). A symbol's run, the 13 or 14 samples
/// up to the next symbol start, is then the sum of 13 table rows (the symbols k - 12 .. k, oldest
/// first, the order in which an accumulator would add them): no multiplies and no accumulator to
/// store, slide and copy. The guard tone comes from a table of one period (160 samples covers 550 and
/// 1800 Hz). The carrier phase is exact at every sample.
class Tx {
public:
    using OutSample = float;
    /// Called once per data bit in Data1200 / Data2400; returns 0 or 1. Must not block.
    using BitSource = std::function<std::uint8_t()>;
    /// Called once per symbol in Data1200 / Data2400 with room for its bits (2 or 4): writes 0 or 1
    /// into every element, first bit in time first. Must not block.
    using BlockSource = std::function<void(std::span<std::uint8_t> bits)>;
    struct Config {
        Role role = Role::Caller;
        double level_dbm0 = -13.0;        ///< total transmit power; V.2 via SRS: at most -13 dBm0 [1]
        GuardTone guard = GuardTone::None;  ///< answerer only (V.22 2.3)
    };
    /// Throws std::invalid_argument for a guard tone on the caller or a level above 0 dBm0.
    explicit Tx(const Config& cfg);
    /// Silence, symbol clock and coders back to the start; the bit sources are kept.
    void reset() noexcept;
    /// The new signal starts with the next symbol.
    void set_signal(TxSignal s) noexcept { signal_ = s; }
    [[nodiscard]] TxSignal signal() const noexcept { return signal_; }
    /// Source of data bits; without one, data signals send binary 1.
    void set_bit_source(BitSource src) { source_ = std::move(src); }
    /// Source of data bits one symbol at a time (one call instead of 2 or 4); when set it is used
    /// instead of the BitSource.
    void set_block_source(BlockSource src) { block_source_ = std::move(src); }
    /// Writes out.size() samples. Allocation-free (the bit source is the caller's business).
    void process(std::span<float> out) noexcept;

    /// Symbols started since construction or reset().
    [[nodiscard]] std::int64_t symbols() const noexcept { return symbols_; }
    /// Samples written since construction or reset().
    [[nodiscard]] SampleTime now() const noexcept { return now_; }
    [[nodiscard]] double carrier_hz() const noexcept { return tx_carrier_hz(cfg_.role); }
    /// Peak amplitude of the data part, A above (1.0 = full scale).
    [[nodiscard]] double data_amplitude() const noexcept { return amp_; }
    /// Shaping filter delay in samples from a symbol's start to its centre on the line.
    static constexpr int kDelaySamples = 80;

private:
    static constexpr int kSpanSymbols = 12;           // project choice: +/- 6 symbols of RRC
    static constexpr std::size_t kPulse = 161;        // samples touched by one symbol
    static constexpr std::size_t kTerms = 13;         // symbols touching one run: 12 symbols = 160 samples
    static constexpr std::size_t kRun = 16;           // samples summed per run (13 or 14 used), 4 SIMD lanes
    static constexpr std::size_t kRow = 176;          // table row: kPulse, zeros up to the last run's end
    static constexpr std::size_t kGuardPeriod = 160;  // 550 and 1800 Hz both repeat after 160 samples
    /// Table row (grid point and start phase, or the zero row) of the next symbol; advances the coders.
    const float* next_row(std::size_t phase) noexcept;
    /// The next n data bits (binary 1 without a source), the first in time in bit n - 1.
    std::uint32_t data_bits(std::size_t n) noexcept;
    /// Starts symbol symbols_: its row into the window, its run summed into y[0 .. kRun).
    void start_symbol(float* y) noexcept;
    /// y[k] += guard tone for k < n, advancing its phase.
    void add_guard(float* y, std::size_t n) noexcept;

    Config cfg_;
    // Rows of kRow floats: [(phase * 16 + point) * kRow + t] = Re{s w_phase[t]}, then one zero row.
    std::shared_ptr<const std::vector<float>> rows_;
    const float* table_ = nullptr;     // rows_->data()
    const float* zero_row_ = nullptr;
    std::vector<float> guard_wave_;  // G sin(2 pi fg n / fs), n = 0 .. kGuardPeriod + kRun - 1; empty: none
    double amp_ = 0.0;
    BitSource source_;
    BlockSource block_source_;
    TxSignal signal_ = TxSignal::Silence;
    Scrambler scrambler_;
    SymbolEncoder encoder_;
    std::array<const float*, 2 * kTerms> window_{};  // symbol rows: slot k mod 13, repeated 13 further
    std::size_t slot_ = 0;                           // slot of the next symbol, then its window start
    std::array<float, kRun> run_{};              // the current run when it straddles process() calls
    std::size_t run_len_ = 0;                    // samples in the current run
    std::size_t run_pos_ = 0;                    // of which already written
    std::size_t phase_ = 0;                      // symbols_ mod 3: the start phase of the next symbol
    std::size_t guard_pos_ = 0;                  // guard tone phase, 0 .. kGuardPeriod - 1
    int s1_toggle_ = 0;
    std::int64_t symbols_ = 0;
    SampleTime now_ = 0;
};

}  // namespace modem::v22bis
