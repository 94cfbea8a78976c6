// SPDX-License-Identifier: MIT
/// \file
/// Biquad cascade and section designs (bilinear transform with pre-warping).
#include "dsp/biquad.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace modem::dsp {
namespace biquad_design {
namespace {

void check_freq(double f_hz, double fs_hz) {
    if (!(fs_hz > 0.0) || !(f_hz > 0.0) || !(f_hz < fs_hz / 2))
        throw std::invalid_argument("biquad design: frequency must be in (0, fs/2)");
}
void check_q(double q) {
    if (!(q > 0.0)) throw std::invalid_argument("biquad design: Q must be positive");
}

/// Normalises by a0.
BiquadCoeffs make(double b0, double b1, double b2, double a0, double a1, double a2) {
    return {.b0 = b0 / a0, .b1 = b1 / a0, .b2 = b2 / a0, .a1 = a1 / a0, .a2 = a2 / a0};
}

struct Warp {
    double cosw, alpha;
};
Warp warp(double f0_hz, double q, double fs_hz) {
    check_freq(f0_hz, fs_hz);
    check_q(q);
    const double w0 = kTwoPi * f0_hz / fs_hz;
    return {std::cos(w0), std::sin(w0) / (2.0 * q)};
}

/// Q of conjugate pair k (0-based) of an order-n Butterworth. The n poles sit at angles
/// (2m + 1 - n) pi / (2n), m = 0..n-1, from the negative real axis; a pair at angle t has
/// Q = 1 / (2 cos t). Pair k takes the (k+1)-th positive angle: (2k + 1 + n % 2) pi / (2n).
double butterworth_q(unsigned n, unsigned k) {
    const double t = kPi * (2.0 * k + 1.0 + static_cast<double>(n % 2)) / (2.0 * n);
    return 1.0 / (2.0 * std::cos(t));
}

}  // namespace

BiquadCoeffs dc_blocker(double pole) {
    if (!(pole > 0.0 && pole < 1.0)) throw std::invalid_argument("DC blocker: pole must be in (0, 1)");
    return {.b0 = 1.0, .b1 = -1.0, .b2 = 0.0, .a1 = -pole, .a2 = 0.0};
}

BiquadCoeffs lowpass(double f0_hz, double q, double fs_hz) {
    const auto [c, a] = warp(f0_hz, q, fs_hz);
    return make((1 - c) / 2, 1 - c, (1 - c) / 2, 1 + a, -2 * c, 1 - a);
}

BiquadCoeffs highpass(double f0_hz, double q, double fs_hz) {
    const auto [c, a] = warp(f0_hz, q, fs_hz);
    return make((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + a, -2 * c, 1 - a);
}

BiquadCoeffs bandpass(double f0_hz, double q, double fs_hz) {
    const auto [c, a] = warp(f0_hz, q, fs_hz);
    return make(a, 0.0, -a, 1 + a, -2 * c, 1 - a);
}

BiquadCoeffs allpass(double f0_hz, double q, double fs_hz) {
    const auto [c, a] = warp(f0_hz, q, fs_hz);
    return make(1 - a, -2 * c, 1 + a, 1 + a, -2 * c, 1 - a);
}

std::vector<BiquadCoeffs> butterworth_lowpass(unsigned order, double f_hz, double fs_hz) {
    if (order == 0) throw std::invalid_argument("Butterworth: order must be at least 1");
    std::vector<BiquadCoeffs> s;
    for (unsigned k = 0; k < order / 2; ++k) s.push_back(lowpass(f_hz, butterworth_q(order, k), fs_hz));
    if (order % 2) {
        check_freq(f_hz, fs_hz);
        const double t = std::tan(kPi * f_hz / fs_hz);  // first-order bilinear section
        s.push_back(make(t, t, 0.0, 1 + t, t - 1, 0.0));
    }
    return s;
}

std::vector<BiquadCoeffs> butterworth_highpass(unsigned order, double f_hz, double fs_hz) {
    if (order == 0) throw std::invalid_argument("Butterworth: order must be at least 1");
    std::vector<BiquadCoeffs> s;
    for (unsigned k = 0; k < order / 2; ++k) s.push_back(highpass(f_hz, butterworth_q(order, k), fs_hz));
    if (order % 2) {
        check_freq(f_hz, fs_hz);
        const double t = std::tan(kPi * f_hz / fs_hz);
        s.push_back(make(1.0, -1.0, 0.0, 1 + t, t - 1, 0.0));
    }
    return s;
}

std::vector<BiquadCoeffs> butterworth_bandpass(unsigned order, double low_hz, double high_hz, double fs_hz) {
    if (!(low_hz < high_hz)) throw std::invalid_argument("band-pass: low edge must be below the high edge");
    auto s = butterworth_highpass(order, low_hz, fs_hz);
    const auto lp = butterworth_lowpass(order, high_hz, fs_hz);
    s.insert(s.end(), lp.begin(), lp.end());
    return s;
}

}  // namespace biquad_design

Biquad::Biquad(const Config& cfg) : sections_(cfg.sections), state_(cfg.sections.size()) {}

void Biquad::reset() noexcept { std::fill(state_.begin(), state_.end(), State{}); }

float Biquad::step(float x) noexcept {
    double v = x;
    for (std::size_t i = 0; i < sections_.size(); ++i) {
        const BiquadCoeffs& c = sections_[i];
        State& s = state_[i];
        // Transposed direct form II: y = b0 x + s1; s1 = b1 x - a1 y + s2; s2 = b2 x - a2 y.
        const double y = c.b0 * v + s.s1;
        s.s1 = c.b1 * v - c.a1 * y + s.s2;
        s.s2 = c.b2 * v - c.a2 * y;
        v = y;
    }
    return static_cast<float>(v);
}

void Biquad::process(std::span<const float> in, std::span<float> out) noexcept {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = step(in[i]);
}

std::complex<double> Biquad::response(double freq_hz, double fs_hz) const noexcept {
    const std::complex<double> z1 = std::polar(1.0, -kTwoPi * freq_hz / fs_hz);
    const std::complex<double> z2 = z1 * z1;
    std::complex<double> h = 1.0;
    for (const auto& c : sections_) h *= (c.b0 + c.b1 * z1 + c.b2 * z2) / (1.0 + c.a1 * z1 + c.a2 * z2);
    return h;
}

double Biquad::group_delay_s(double freq_hz, double fs_hz) const noexcept {
    // Phase difference over +-df, unwrapped by taking the argument of the ratio.
    const double df = 0.01;
    const double dphi = std::arg(response(freq_hz + df, fs_hz) / response(freq_hz - df, fs_hz));
    return -dphi / (kTwoPi * 2.0 * df);
}

}  // namespace modem::dsp
