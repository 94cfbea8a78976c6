// SPDX-License-Identifier: MIT
/// \file
/// Test helpers for V.22bis pump loopbacks: a PRBS bit source, a one-way channel (own AWGN, or
/// audio::SimLine for frequency offset and clock skew) and a bit-error counter with alignment.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "audio/sim_line.hpp"
#include "dsp/kernels/kernels.hpp"
#include "support/noise.hpp"

namespace test::v22 {

/// Seeded random bits, remembered in order so the receiver's bits can be checked.
struct BitLog {
    std::mt19937_64 rng;
    std::vector<std::uint8_t> bits;
    explicit BitLog(std::uint64_t seed) : rng(seed) {}
    std::uint8_t next() {
        bits.push_back(static_cast<std::uint8_t>(rng() & 1));
        return bits.back();
    }
};

/// Errors of `got` against `sent`, after finding the offset where `got` starts inside `sent`
/// (searching the first `search` positions; the first 64 received bits must match 60 or more).
struct BerResult {
    std::size_t bits = 0;
    std::size_t errors = 0;
    bool aligned = false;
    double ber() const { return bits ? static_cast<double>(errors) / static_cast<double>(bits) : 1.0; }
};
inline BerResult count_errors(const std::vector<std::uint8_t>& sent, const std::vector<std::uint8_t>& got,
                              std::size_t skip_got, std::size_t search = 4000) {
    BerResult r;
    if (got.size() < skip_got + 64) return r;
    for (std::size_t off = 0; off < search && off + 64 < sent.size(); ++off) {
        int match = 0;
        for (std::size_t i = 0; i < 64; ++i) match += sent[off + i] == got[skip_got + i];
        if (match < 60) continue;
        r.aligned = true;
        for (std::size_t i = skip_got; i < got.size() && off + i - skip_got < sent.size(); ++i) {
            ++r.bits;
            r.errors += sent[off + i - skip_got] != got[i];
        }
        return r;
    }
    return r;
}

/// One-way line: either plain AWGN (noise switched on by the test), or a SimLine direction.
class OneWay {
public:
    struct Config {
        double freq_offset_hz = 0.0;
        double clock_ppm = 0.0;
        bool bandpass = false;
        bool delay_distortion = false;
        std::uint64_t seed = 1;
    };
    explicit OneWay(const Config& c) : noise_(c.seed ^ 0x9E3779B97F4A7C15ull) {
        if (c.freq_offset_hz != 0.0 || c.clock_ppm != 0.0 || c.bandpass || c.delay_distortion) {
            modem::audio::SimLine::Config sc;
            sc.a_to_b.freq_offset_hz = c.freq_offset_hz;
            sc.a_to_b.clock_ppm = c.clock_ppm;
            sc.a_to_b.bandpass = c.bandpass;
            sc.a_to_b.delay_distortion = c.delay_distortion;
            sc.seed = c.seed;
            line_ = std::make_unique<modem::audio::SimLine>(sc);
        }
    }
    /// Noise of this power (float units) from now on; 0 switches it off.
    void set_noise_power(double p) { sigma_ = std::sqrt(p); }
    /// Passes one block through the line (in place).
    void run(std::span<float> x) {
        if (line_) {
            buf_.resize(x.size());
            modem::dsp::kernels::f32_to_s16(x, buf_);
            line_->a().write(buf_);
            line_->b().read(buf_);
            modem::dsp::kernels::s16_to_f32(buf_, x);
        }
        if (sigma_ > 0.0)
            for (float& v : x) v += static_cast<float>(sigma_ * noise_());
    }

private:
    std::unique_ptr<modem::audio::SimLine> line_;
    std::vector<std::int16_t> buf_;
    Gaussian noise_;
    double sigma_ = 0.0;
};

}  // namespace test::v22
