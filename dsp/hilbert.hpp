// SPDX-License-Identifier: MIT
/// \file
/// Real signal -> analytic complex signal (positive frequencies only), delay-compensated.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "dsp/block.hpp"
#include "dsp/types.hpp"

namespace modem::dsp {

/// out[n] = x[n - D] + j * (h * x)[n], with h the Hilbert transformer of design::hilbert() and
/// D = (len(h) - 1) / 2 its delay, so both parts are aligned. A real cos(w n) comes out as
/// exp(j w (n - D)): the negative-frequency image is suppressed by the transformer's gain accuracy
/// (better than 40 dB between transition_hz and fs/2 - transition_hz with the defaults).
class Hilbert {
public:
    using InSample = float;
    using OutSample = cf32;
    struct Config {
        double transition_hz = 250.0;  ///< the one-sided band is [transition_hz, kFsHz/2 - transition_hz]
        double stopband_db = 60.0;     ///< design accuracy of the transformer
    };
    explicit Hilbert(const Config& cfg);
    void reset() noexcept;
    /// Requires out.size() == in.size().
    void process(std::span<const float> in, std::span<cf32> out) noexcept;
    cf32 step(float x) noexcept;
    /// Delay D in samples of both output parts relative to the input.
    [[nodiscard]] std::size_t delay() const noexcept { return (reversed_taps_.size() - 1) / 2; }

private:
    std::vector<float> reversed_taps_;
    std::vector<float> history_;  // doubled, as in Fir
    std::size_t pos_ = 0;
};
static_assert(SyncBlock<Hilbert>);

}  // namespace modem::dsp
