// SPDX-License-Identifier: MIT
/// \file
/// Single-frequency energy over fixed, back-to-back windows (Goertzel), for tone detectors.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "dsp/types.hpp"

namespace modem::dsp {

/// Result of one completed window.
struct GoertzelReport {
    SampleTime end;      ///< sample time just after the window's last sample
    double power;        ///< mean power of the tone component, same units as mean(x^2) of a sine
    double total_power;  ///< mean(x^2) over the window: ratio power/total_power is the tone purity
    cf32 phasor;         ///< the DFT coefficient (complex amplitude of the tone, phase at window end)
};

/// Goertzel filter evaluated over consecutive windows of `window` samples. A sine of amplitude A
/// exactly at freq_hz gives power A^2/2 (the same scale as total_power).
class Goertzel {
public:
    struct Config {
        double freq_hz = 1000.0;
        std::size_t window = 160;  ///< samples per report; bandwidth ~ kFsHz / window
    };
    explicit Goertzel(const Config& cfg) noexcept;
    void reset() noexcept;
    /// Feeds samples; returns a report when a window completes within `in`, calling `sink` for each.
    template <class Sink>
    void process(std::span<const float> in, Sink&& sink) noexcept {
        for (float x : in) {
            if (push(x)) sink(report_);
        }
    }
    /// Feeds one sample; true when a window just completed (then last() holds it).
    bool push(float x) noexcept;
    [[nodiscard]] const GoertzelReport& last() const noexcept { return report_; }
    [[nodiscard]] const Config& config() const noexcept { return cfg_; }

private:
    Config cfg_;
    double coeff_, cos_w_, sin_w_;
    double s1_ = 0, s2_ = 0, energy_ = 0;
    std::size_t count_ = 0;
    SampleTime now_ = 0;
    GoertzelReport report_{};
};

}  // namespace modem::dsp
