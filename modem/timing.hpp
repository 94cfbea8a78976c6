// SPDX-License-Identifier: MIT
/// \file
/// Time keeping for protocol code: deadlines on the sample clock and an exact fractional symbol
/// clock (80 samples per 3 V.21 bits, 40 samples per 3 V.22 symbols, never rounded).
#pragma once

#include <limits>
#include <numeric>
#include <stdexcept>

#include "dsp/types.hpp"

namespace modem {

using dsp::SampleTime;

/// A point on the 64-bit sample clock after which something is due (style guide section 1: a
/// timer is a deadline, never a counter reduced by the block length). Unarmed by default.
class Deadline {
public:
    constexpr Deadline() noexcept = default;
    /// Due at sample `t`.
    static constexpr Deadline at(SampleTime t) noexcept { return Deadline(t); }
    /// Due `duration` samples after `now`.
    static constexpr Deadline after(SampleTime now, SampleTime duration) noexcept { return Deadline(now + duration); }

    [[nodiscard]] constexpr bool armed() const noexcept { return when_ != kNever; }
    /// True once `now` has reached the deadline (never for an unarmed one).
    [[nodiscard]] constexpr bool expired(SampleTime now) const noexcept { return armed() && now >= when_; }
    /// The sample the deadline falls on; max() when unarmed.
    [[nodiscard]] constexpr SampleTime when() const noexcept { return when_; }
    /// Samples left before the deadline (0 once expired, max() when unarmed).
    [[nodiscard]] constexpr SampleTime remaining(SampleTime now) const noexcept {
        if (!armed()) return kNever;
        return now >= when_ ? 0 : when_ - now;
    }
    constexpr void cancel() noexcept { when_ = kNever; }
    constexpr bool operator==(const Deadline&) const noexcept = default;

private:
    static constexpr SampleTime kNever = std::numeric_limits<SampleTime>::max();
    constexpr explicit Deadline(SampleTime t) noexcept : when_(t) {}
    SampleTime when_ = kNever;
};

/// Exact symbol clock for a symbol rate that divides into the sample rate as a ratio of small
/// integers. Symbol k starts at sample ceil(k * fs / rate) counted from the last reset: for V.21
/// at 300 bit/s the bits last 27, 27, 26 samples, and 3 bits take exactly 80 samples for ever.
/// The state is the integer (rate * n) mod fs reduced by their gcd, so nothing drifts.
class SymbolClock {
public:
    /// Throws std::invalid_argument unless 0 < rate_hz <= fs_hz.
    constexpr explicit SymbolClock(int rate_hz, int fs_hz = dsp::kFsHz)
        : step_(checked(rate_hz, fs_hz) / std::gcd(rate_hz, fs_hz)), modulus_(fs_hz / std::gcd(rate_hz, fs_hz)) {}

    /// Called once per sample, before the sample is produced: true if a symbol starts at it.
    constexpr bool tick() noexcept {
        const bool starts = acc_ < step_;
        acc_ += step_;
        if (acc_ >= modulus_) acc_ -= modulus_;
        return starts;
    }
    /// Next tick() starts symbol 0.
    constexpr void reset() noexcept { acc_ = 0; }
    /// Phase units added per sample (rate / gcd).
    [[nodiscard]] constexpr int step() const noexcept { return step_; }
    /// Phase units per symbol (fs / gcd): samples per symbol = modulus / step.
    [[nodiscard]] constexpr int modulus() const noexcept { return modulus_; }

private:
    static constexpr int checked(int rate_hz, int fs_hz) {
        if (rate_hz <= 0 || fs_hz <= 0 || rate_hz > fs_hz) throw std::invalid_argument("SymbolClock: need 0 < rate <= fs");
        return rate_hz;
    }
    int step_;
    int modulus_;
    int acc_ = 0;
};

}  // namespace modem
