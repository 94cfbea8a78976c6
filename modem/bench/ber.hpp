// SPDX-License-Identifier: MIT
/// \file
/// Bit-error counting against a known transmitted sequence (with alignment of the received
/// stream) and the SNR at which a BER curve crosses a target, for the `squeal bench` figures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace modem::bench {

/// One point of a BER curve.
struct BerPoint {
    double snr_db = 0.0;
    std::size_t bits = 0;    ///< bits compared (including bits the receiver never delivered)
    std::size_t errors = 0;  ///< wrong bits (a bit never delivered counts as wrong)
    bool aligned = false;    ///< false: the received stream never matched the sent one
    [[nodiscard]] double ber() const noexcept {
        return bits ? static_cast<double>(errors) / static_cast<double>(bits) : 1.0;
    }
};

/// Counts errors of a received bit stream against the sent one, streaming.
///
/// The receiver delivers some bits that precede the sent data (scrambled ones from training), so
/// the received stream r is first aligned: the lead L is the smallest value for which
///   #{ i < align_window : r[L + skip + i] == s[skip + i] } >= align_min_match * align_window,
/// with L in [0, max_lead]. A wrong lead matches random data about half the time, so 0.75 is
/// 8 standard deviations away for a 256-bit window. After that, r[L + j] is compared with s[j]
/// for skip <= j < skip + max_bits.
class BerCounter {
public:
    struct Config {
        std::size_t skip_bits = 0;        ///< sent bits not counted (receiver settling after noise on)
        std::size_t max_bits = 1000000;   ///< sent bits counted at most, starting at skip_bits
        std::size_t align_window = 256;   ///< bits compared per candidate lead
        std::size_t max_lead = 20000;     ///< received bits allowed before the first sent bit
        double align_min_match = 0.75;    ///< fraction of the window that must agree
    };
    /// `sent` must outlive the counter and hold at least skip_bits + align_window bits.
    /// Throws std::invalid_argument otherwise or on an empty window / max_bits == 0.
    BerCounter(std::span<const std::uint8_t> sent, const Config& cfg);

    /// Next received bit (0 or 1, other values count as 1).
    void push(std::uint8_t bit);

    [[nodiscard]] bool aligned() const noexcept { return aligned_; }
    /// Lead found by the alignment (received bits before sent bit 0); 0 while not aligned.
    [[nodiscard]] std::size_t lead() const noexcept { return lead_; }
    /// Bits compared so far and errors among them.
    [[nodiscard]] std::size_t bits() const noexcept { return bits_; }
    [[nodiscard]] std::size_t errors() const noexcept { return errors_; }
    /// All max_bits (or all sent bits after skip_bits, if fewer) have been compared.
    [[nodiscard]] bool done() const noexcept { return bits_ >= limit_; }
    /// No lead up to max_lead matched: the stream will never be counted.
    [[nodiscard]] bool gave_up() const noexcept { return gave_up_; }

    /// The point so far. With count_missing, bits of the counting range the receiver never
    /// delivered are added as errors (a receiver that stops delivering must not look good); a
    /// stream that never aligned counts as limit bits with half of them wrong.
    [[nodiscard]] BerPoint result(double snr_db, bool count_missing) const noexcept;

private:
    std::span<const std::uint8_t> sent_;
    Config cfg_;
    std::size_t limit_;
    std::size_t min_match_;
    std::vector<std::uint8_t> pending_;  // received bits kept until the alignment is found
    bool aligned_ = false;
    std::size_t lead_ = 0;
    std::size_t next_ = 0;  // next sent index to compare
    std::size_t bits_ = 0;
    std::size_t errors_ = 0;
    bool gave_up_ = false;
};

/// Where a BER curve crosses a target.
struct Threshold {
    enum class Kind {
        Found,      ///< snr_db interpolated between two grid points
        BelowGrid,  ///< already at or below the target at the lowest SNR: snr_db is that SNR (an upper bound)
        AboveGrid,  ///< still above the target at the highest SNR: snr_db is that SNR (a lower bound)
        NoData,     ///< no points
    };
    Kind kind = Kind::NoData;
    double snr_db = 0.0;
};
std::string_view to_string(Threshold::Kind k) noexcept;

/// The SNR at which the BER falls to `target`, by linear interpolation of log10(BER) against SNR
/// between the highest-SNR point still above the target and the next point:
///   snr = s0 + (log10 t - log10 b0) / (log10 b1 - log10 b0) * (s1 - s0).
/// A point with no errors is taken as BER 0.5 / bits (it is below 1 / bits with better than even
/// odds; a lower true value only moves the crossing to a lower SNR, so the estimate is
/// conservative). Points need not be sorted. target in (0, 1).
Threshold snr_at_ber(std::span<const BerPoint> points, double target);

/// A uniform grid from `from_db` to `to_db` inclusive (within 1e-9) in steps of `step_db` > 0.
std::vector<double> snr_grid(double from_db, double to_db, double step_db);

}  // namespace modem::bench
