// SPDX-License-Identifier: MIT
/// \file
/// Shared helpers for the tone tests: render a sequence, add noise at an SNR, run a detector.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "modem/tones/events.hpp"
#include "modem/tones/tone_gen.hpp"
#include "support/blocks.hpp"
#include "support/noise.hpp"

namespace test {

/// n samples of a tone sequence.
inline std::vector<float> render(const modem::tones::ToneSequence::Config& cfg, std::size_t n) {
    modem::tones::ToneSequence gen(cfg);
    std::vector<float> out(n);
    gen.generate(out);
    return out;
}

/// Mean power of x over [begin, end).
inline double mean_power(const std::vector<float>& x, std::size_t begin, std::size_t end) {
    double s = 0.0;
    for (std::size_t i = begin; i < end; ++i) s += static_cast<double>(x[i]) * x[i];
    return s / static_cast<double>(end - begin);
}

/// Adds white Gaussian noise (0-4 kHz at 8 kHz) so that signal_power / noise_power = snr_db.
inline std::vector<float> with_noise(std::vector<float> x, double signal_power, double snr_db, std::uint64_t seed) {
    const double sigma = std::sqrt(signal_power / std::pow(10.0, snr_db / 10.0));
    Gaussian g(seed);
    for (auto& v : x) v += static_cast<float>(sigma * g());
    return x;
}

/// Runs a detector (process + finish) over x in blocks of `block` samples; returns its events.
template <class Det>
std::vector<modem::tones::ToneEvent> detect(Det& det, const std::vector<float>& x, std::size_t block) {
    std::vector<modem::tones::ToneEvent> ev;
    auto sink = [&](const modem::tones::ToneEvent& e) { ev.push_back(e); };
    for_each_block(x, block, [&](std::span<const float> s) { det.process(s, sink); });
    if constexpr (requires { det.finish(sink); }) {
        det.finish(sink);
    } else {
        auto tail = det.finish();
        if constexpr (requires { tail.has_value(); }) {
            if (tail) ev.push_back(*tail);
        } else {
            for (const auto& e : tail) ev.push_back(e);
        }
    }
    return ev;
}

}  // namespace test
