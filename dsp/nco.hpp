// SPDX-License-Identifier: MIT
/// \file
/// 32-bit phase-accumulator oscillator: exact long-term frequency, phase-continuous retuning.
#pragma once

#include <cstdint>
#include <span>

#include "dsp/types.hpp"

namespace modem::dsp {

/// Numerically controlled oscillator. The phase is a 32-bit fraction of a turn, so the frequency
/// resolution is kFsHz / 2^32 (about 1.9 uHz) and there is no drift over any length of stream.
class Nco {
public:
    struct Config {
        double freq_hz = 0.0;    ///< may be negative; |freq_hz| < kFsHz / 2
        double phase_rad = 0.0;  ///< initial phase
    };
    explicit Nco(const Config& cfg) noexcept;
    void reset() noexcept;
    /// Changes the frequency without a phase jump (phase-continuous FSK).
    void set_freq(double freq_hz) noexcept;
    /// Adds `rad` to the phase (a phase reversal is kPi).
    void shift_phase(double rad) noexcept;
    [[nodiscard]] double freq_hz() const noexcept;
    /// Current phase in radians, in [0, 2 pi).
    [[nodiscard]] double phase_rad() const noexcept;

    /// Next sample of cos(phase), then advances.
    float next_cos() noexcept;
    /// Next sample of exp(j phase), then advances.
    cf32 next() noexcept;
    /// out[k] = amplitude * sin(phase_k): the usual real tone.
    void sin(std::span<float> out, float amplitude = 1.0f) noexcept;
    /// out[k] = exp(j phase_k): a local oscillator for kernels::mix.
    void phasors(std::span<cf32> out) noexcept;

private:
    static std::uint32_t to_step(double freq_hz) noexcept;
    Config cfg_;
    std::uint32_t phase_ = 0;
    std::uint32_t step_ = 0;
};

}  // namespace modem::dsp
