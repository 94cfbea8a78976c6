// SPDX-License-Identifier: MIT
/// \file
/// Test helpers for V.21: a naive double-precision FSK model (the independent truth for the
/// transmitter), noise, and a bit-error counter that aligns received bits by their time stamps.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "dsp/types.hpp"
#include "modem/v21/fsk_rx.hpp"
#include "modem/v21/v21.hpp"
#include "support/noise.hpp"

namespace test {

/// Continuous-phase FSK straight from the definition: bit k occupies the samples n with
/// floor(n * rate / fs) == k, phase(n+1) = phase(n) + 2 pi f(bit(n)) / fs, x = A sin(phase).
/// `rate_bps` may be any real number (for clock-skew tests).
inline std::vector<float> reference_fsk(const std::vector<std::uint8_t>& bits, double mark_hz, double space_hz,
                                        double amplitude, double rate_bps = 300.0) {
    std::vector<float> out;
    double phase = 0.0;
    for (std::int64_t n = 0;; ++n) {
        const auto k = static_cast<std::size_t>(std::floor(static_cast<double>(n) * rate_bps / modem::dsp::kFsHz + 1e-9));
        if (k >= bits.size()) break;
        out.push_back(static_cast<float>(amplitude * std::sin(phase)));
        phase += modem::dsp::kTwoPi * (bits[k] != 0 ? mark_hz : space_hz) / modem::dsp::kFsHz;
        if (phase > modem::dsp::kTwoPi) phase -= modem::dsp::kTwoPi;
    }
    return out;
}

/// n random bits from a seeded generator.
inline std::vector<std::uint8_t> random_bits(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng() & 1u);
    return v;
}

/// Adds white Gaussian noise so that signal power / noise power (over 0..4 kHz) = snr_db, where
/// the signal power is that of a sine at `signal_dbm0`.
inline void add_noise(std::vector<float>& x, double signal_dbm0, double snr_db, std::uint64_t seed) {
    Gaussian g(seed);
    const double sigma = std::sqrt(modem::dsp::dbm0_to_power(signal_dbm0) / modem::dsp::db_to_power(snr_db));
    for (auto& v : x) v += static_cast<float>(sigma * g());
}

/// Runs the receiver over `x` in blocks of `block` samples; returns every event.
inline std::vector<modem::v21::RxEvent> receive(modem::v21::FskRx& rx, std::span<const float> x, std::size_t block) {
    std::vector<modem::v21::RxEvent> all;
    std::vector<modem::v21::RxEvent> buf(rx.max_output(block));
    for (std::size_t i = 0; i < x.size(); i += block) {
        const std::size_t n = std::min(block, x.size() - i);
        const std::size_t got = rx.process(x.subspan(i, n), buf);
        all.insert(all.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got));
    }
    return all;
}

/// Bit errors of a received stream against the transmitted bits. Transmitted bit k starts at
/// sample t0 + ceil(k * fs / rate); a received bit is assigned to the bit whose start is nearest
/// its time stamp. Missing bits and wrong bits count as errors; extra bits (two assigned to one
/// slot) count as errors too.
struct BitScore {
    std::size_t errors = 0;
    std::size_t compared = 0;
    double ber() const { return compared ? static_cast<double>(errors) / static_cast<double>(compared) : 1.0; }
};
inline BitScore score_bits(const std::vector<std::uint8_t>& sent, modem::dsp::SampleTime t0, double rate_bps,
                           const std::vector<modem::v21::RxEvent>& events) {
    std::vector<int> got(sent.size(), -1);
    std::size_t extra = 0;
    const double samples_per_bit = modem::dsp::kFsHz / rate_bps;
    for (const auto& e : events) {
        if (e.kind != modem::v21::RxEvent::Kind::Bit) continue;
        const double k = std::round(static_cast<double>(e.at - t0) / samples_per_bit);
        if (k < 0 || k >= static_cast<double>(sent.size())) continue;
        auto& slot = got[static_cast<std::size_t>(k)];
        if (slot >= 0) ++extra;
        slot = e.bit;
    }
    BitScore s;
    s.compared = sent.size();
    for (std::size_t k = 0; k < sent.size(); ++k) s.errors += got[k] != sent[k] ? 1 : 0;
    s.errors += extra;
    return s;
}

}  // namespace test
