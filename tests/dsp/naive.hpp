// SPDX-License-Identifier: MIT
/// \file
/// Naive reference models for the DSP tests: direct-form FIR, direct DFT, tone measurements.
#pragma once

#include <cmath>
#include <complex>
#include <cstddef>
#include <numbers>
#include <vector>

namespace naive {

using cd = std::complex<double>;
inline constexpr double kTwoPi = 2.0 * std::numbers::pi;

/// y[n] = sum_k h[k] x[n-k], x[<0] = 0, in double.
template <class T>
std::vector<std::complex<double>> fir(const std::vector<float>& h, const std::vector<T>& x) {
    std::vector<cd> y(x.size());
    for (std::size_t n = 0; n < x.size(); ++n) {
        cd acc = 0.0;
        for (std::size_t k = 0; k < h.size() && k <= n; ++k) acc += static_cast<double>(h[k]) * cd(x[n - k]);
        y[n] = acc;
    }
    return y;
}

/// X[k] = sum_n x[n] exp(-j 2 pi k n / N) in double.
template <class T>
std::vector<cd> dft(const std::vector<T>& x) {
    const std::size_t n = x.size();
    std::vector<cd> out(n);
    for (std::size_t k = 0; k < n; ++k) {
        cd acc = 0.0;
        for (std::size_t i = 0; i < n; ++i) acc += cd(x[i]) * std::polar(1.0, -kTwoPi * static_cast<double>((k * i) % n) / static_cast<double>(n));
        out[k] = acc;
    }
    return out;
}

/// Frequency response sum_k h[k] exp(-j w k) at f_hz.
inline cd response(const std::vector<float>& h, double f_hz, double fs_hz = 8000.0) {
    cd acc = 0.0;
    for (std::size_t k = 0; k < h.size(); ++k) acc += static_cast<double>(h[k]) * std::polar(1.0, -kTwoPi * f_hz / fs_hz * static_cast<double>(k));
    return acc;
}

/// Complex amplitude of exp(j 2 pi f n / fs) in x over [begin, end): mean of x[n] exp(-j w n).
/// For a real A cos(w n + p) this is (A/2) exp(j p) (when the window holds whole periods).
template <class T>
cd correlate(const std::vector<T>& x, double f_hz, std::size_t begin, std::size_t end, double fs_hz = 8000.0) {
    cd acc = 0.0;
    for (std::size_t n = begin; n < end; ++n) acc += cd(x[n]) * std::polar(1.0, -kTwoPi * f_hz / fs_hz * static_cast<double>(n));
    return acc / static_cast<double>(end - begin);
}

/// Frequency of the tone near f_hz in x[skip:], by a least-squares line through the unwrapped
/// phase of block-wise correlations (blocks of `block` samples). Resolution far below 0.01 Hz
/// over seconds of signal.
template <class T>
double measure_freq(const std::vector<T>& x, double f_hz, std::size_t skip, std::size_t block = 800, double fs_hz = 8000.0) {
    std::vector<double> t, ph;
    double prev = 0.0, unwrap = 0.0;
    for (std::size_t b = skip; b + block <= x.size(); b += block) {
        const double p = std::arg(correlate(x, f_hz, b, b + block, fs_hz));
        if (!ph.empty()) {
            double d = p - prev;
            while (d > std::numbers::pi) d -= kTwoPi;
            while (d < -std::numbers::pi) d += kTwoPi;
            unwrap += d;
        } else {
            unwrap = p;
        }
        prev = p;
        t.push_back((static_cast<double>(b) + static_cast<double>(block) / 2.0) / fs_hz);
        ph.push_back(unwrap);
    }
    double mt = 0, mp = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        mt += t[i];
        mp += ph[i];
    }
    mt /= static_cast<double>(t.size());
    mp /= static_cast<double>(t.size());
    double num = 0, den = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        num += (t[i] - mt) * (ph[i] - mp);
        den += (t[i] - mt) * (t[i] - mt);
    }
    return f_hz + num / den / kTwoPi;
}

/// Mean of |x|^2 over [begin, end).
template <class T>
double power(const std::vector<T>& x, std::size_t begin, std::size_t end) {
    double acc = 0.0;
    for (std::size_t n = begin; n < end; ++n) acc += std::norm(cd(x[n]));
    return acc / static_cast<double>(end - begin);
}

/// A cos(2 pi f n / fs + phase) for n in [0, len).
inline std::vector<float> tone(std::size_t len, double f_hz, double amplitude, double phase = 0.0, double fs_hz = 8000.0) {
    std::vector<float> v(len);
    for (std::size_t n = 0; n < len; ++n) v[n] = static_cast<float>(amplitude * std::cos(kTwoPi * f_hz / fs_hz * static_cast<double>(n) + phase));
    return v;
}

}  // namespace naive
