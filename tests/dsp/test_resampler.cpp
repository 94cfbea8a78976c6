// SPDX-License-Identifier: MIT
/// \file
/// Resampler: tone frequency and level preserved, long-run output count, anti-aliasing, invariance.
#include <doctest/doctest.h>

#include <stdexcept>

#include "dsp/resampler.hpp"
#include "dsp/types.hpp"
#include "naive.hpp"
#include "support/noise.hpp"

using namespace modem::dsp;

namespace {

/// Runs the resampler over x in pieces of `block`; returns all outputs.
std::vector<float> run(Resampler& r, const std::vector<float>& x, std::size_t block) {
    std::vector<float> out, buf(r.max_output(block));
    for (std::size_t i = 0; i < x.size(); i += block) {
        const std::size_t n = std::min(block, x.size() - i);
        const std::size_t m = r.process(std::span<const float>(x.data() + i, n), buf);
        REQUIRE(m <= r.max_output(n));
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(m));
    }
    return out;
}

struct Case {
    double fs_in, fs_out;
};
constexpr Case kCases[] = {
    {8000, 48000},           // 1:6
    {48000, 8000},           // 6:1
    {44100, 8000},           // sound file to modem rate
    {8000, 8000 * 1.0002},   // +200 ppm clock
    {8000, 8000 * 0.9998},   // -200 ppm clock
};

}  // namespace

TEST_CASE("Resampler: a tone keeps its frequency and level; output count follows the ratio") {
    for (const Case& c : kCases) {
        const double rate = c.fs_out / c.fs_in;
        CAPTURE(rate);
        Resampler r({.rate = rate});
        const double f = 1000.0, a = 0.5;
        const auto x = naive::tone(static_cast<std::size_t>(2.0 * c.fs_in), f, a, 0.0, c.fs_in);  // 2 s
        const auto y = run(r, x, 160);
        // Count: within the filter delay plus two samples of rate * n.
        const double expected = rate * static_cast<double>(x.size());
        CHECK(std::abs(static_cast<double>(y.size()) - expected) <= r.delay() + 2.0);
        // Frequency within 0.01 Hz (1e-5 relative) after the start-up; level within 0.1 dB.
        const std::size_t skip = static_cast<std::size_t>(0.1 * c.fs_out);
        const std::size_t block = static_cast<std::size_t>(c.fs_out / 10);
        CHECK(naive::measure_freq(y, f, skip, block, c.fs_out) == doctest::Approx(f).epsilon(1e-5));
        const double amp = 2.0 * std::abs(naive::correlate(y, f, skip, skip + static_cast<std::size_t>(c.fs_out), c.fs_out));
        CHECK(std::abs(20.0 * std::log10(amp / a)) < 0.1);
    }
}

TEST_CASE("Resampler: long runs at +-200 ppm give exactly rate * n outputs within the delay") {
    for (double ppm : {200.0, -200.0, 37.0}) {
        CAPTURE(ppm);
        const double rate = 1.0 + ppm * 1e-6;
        Resampler r({.rate = rate});
        const auto x = test::white_noise(400000, 51);  // 50 s at 8 kHz
        const auto y = run(r, x, 1000);
        CHECK(std::abs(static_cast<double>(y.size()) - rate * static_cast<double>(x.size())) <= r.delay() + 2.0);
    }
}

TEST_CASE("Resampler: 6:1 decimation rejects a tone above the output Nyquist frequency") {
    Resampler r({.rate = 1.0 / 6.0, .stopband_db = 60});
    const auto x = naive::tone(96000, 5000, 0.5, 0.0, 48000);
    const auto y = run(r, x, 160);
    const double p = naive::power(y, 1000, y.size());
    CHECK(power_to_db(p / 0.125) < -55.0);
}

TEST_CASE("Resampler: output does not depend on block size; reset restores the fresh state") {
    const auto x = test::white_noise(20000, 52);
    for (double rate : {6.0, 1.0 / 6.0, 8000.0 / 44100.0, 1.0002}) {
        CAPTURE(rate);
        Resampler ref({.rate = rate});
        const auto whole = run(ref, x, x.size());
        for (std::size_t block : {1u, 7u, 64u, 160u, 1023u}) {
            CAPTURE(block);
            Resampler r({.rate = rate});
            CHECK(run(r, x, block) == whole);
        }
        ref.reset();
        CHECK(run(ref, x, 160) == whole);
    }
    CHECK_THROWS_AS(Resampler({.rate = 0.0}), std::invalid_argument);
    CHECK_THROWS_AS(Resampler({.rate = 1000.0}), std::invalid_argument);
}
