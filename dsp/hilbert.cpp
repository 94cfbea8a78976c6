// SPDX-License-Identifier: MIT
/// \file
/// Analytic-signal generator: delayed input as the real part, Hilbert FIR output as the imaginary part.
#include "dsp/hilbert.hpp"

#include <algorithm>

#include "dsp/kernels/kernels.hpp"
#include "dsp/liquid_design.hpp"

namespace modem::dsp {

Hilbert::Hilbert(const Config& cfg) {
    const auto taps = design::hilbert({.fs_hz = kFsHz, .transition_hz = cfg.transition_hz, .stopband_db = cfg.stopband_db});
    reversed_taps_.assign(taps.rbegin(), taps.rend());
    history_.assign(2 * reversed_taps_.size(), 0.0f);
}

void Hilbert::reset() noexcept {
    std::fill(history_.begin(), history_.end(), 0.0f);
    pos_ = 0;
}

cf32 Hilbert::step(float x) noexcept {
    const std::size_t n = reversed_taps_.size();
    history_[pos_] = x;
    history_[pos_ + n] = x;
    if (++pos_ == n) pos_ = 0;
    // Window history_[pos_, pos_ + n) is oldest..newest; the middle element is x[n - D].
    const float* w = history_.data() + pos_;
    return {w[n - 1 - delay()], kernels::dot(std::span<const float>(w, n), std::span<const float>(reversed_taps_))};
}

void Hilbert::process(std::span<const float> in, std::span<cf32> out) noexcept {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = step(in[i]);
}

}  // namespace modem::dsp
