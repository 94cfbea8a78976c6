// SPDX-License-Identifier: MIT
/// \file
/// Goertzel single-tone detector.
#include "dsp/goertzel.hpp"

#include <cmath>

namespace modem::dsp {

Goertzel::Goertzel(const Config& cfg) noexcept : cfg_(cfg) {
    const double w = kTwoPi * cfg_.freq_hz / kFsHz;
    cos_w_ = std::cos(w);
    sin_w_ = std::sin(w);
    coeff_ = 2.0 * cos_w_;
    reset();
}

void Goertzel::reset() noexcept {
    s1_ = s2_ = energy_ = 0.0;
    count_ = 0;
    now_ = 0;
    report_ = {};
}

bool Goertzel::push(float x) noexcept {
    // s[n] = x[n] + 2 cos(w) s[n-1] - s[n-2]; after N samples X = s[N-1] - e^{-jw} s[N-2].
    const double s0 = x + coeff_ * s1_ - s2_;
    s2_ = s1_;
    s1_ = s0;
    energy_ += static_cast<double>(x) * x;
    ++now_;
    if (++count_ < cfg_.window) return false;
    const double re = s1_ - cos_w_ * s2_;
    const double im = sin_w_ * s2_;
    const double n = static_cast<double>(cfg_.window);
    // |X|^2 = (N A / 2)^2 for a sine of amplitude A on a bin, so power A^2/2 = 2 |X|^2 / N^2.
    report_ = {.end = now_,
               .power = 2.0 * (re * re + im * im) / (n * n),
               .total_power = energy_ / n,
               .phasor = cf32(static_cast<float>(re), static_cast<float>(im))};
    s1_ = s2_ = energy_ = 0.0;
    count_ = 0;
    return true;
}

}  // namespace modem::dsp
