// SPDX-License-Identifier: MIT
/// \file
/// Goertzel: a sine on the analysed frequency reports A^2/2; other tones are rejected.
#include <doctest/doctest.h>

#include "dsp/goertzel.hpp"
#include "naive.hpp"
#include "support/noise.hpp"

using namespace modem::dsp;

TEST_CASE("Goertzel: power of a sine is A^2/2 and total power matches") {
    for (double a : {1.0, 0.3, 0.01}) {
        CAPTURE(a);
        Goertzel g({.freq_hz = 1000.0, .window = 160});  // 1000 Hz is bin 20 of 160 samples
        const auto x = naive::tone(1600, 1000.0, a, 0.4);
        std::vector<GoertzelReport> reports;
        g.process(x, [&](const GoertzelReport& r) { reports.push_back(r); });
        REQUIRE(reports.size() == 10);
        for (const auto& r : reports) {
            CHECK(r.power == doctest::Approx(a * a / 2.0).epsilon(1e-4));
            CHECK(r.total_power == doctest::Approx(a * a / 2.0).epsilon(1e-4));
        }
        CHECK(reports.back().end == 1600);
    }
}

TEST_CASE("Goertzel: a tone two bins away reads at least 40 dB lower") {
    Goertzel g({.freq_hz = 1000.0, .window = 160});
    const auto x = naive::tone(160, 1100.0, 1.0);
    double p = -1;
    g.process(x, [&](const GoertzelReport& r) { p = r.power; });
    CHECK(power_to_db(p / 0.5) < -40.0);
}

TEST_CASE("Goertzel: the report equals the direct DFT coefficient magnitude") {
    Goertzel g({.freq_hz = 1250.0, .window = 160});
    const auto x = test::white_noise(160, 71);
    double p = -1;
    g.process(x, [&](const GoertzelReport& r) { p = r.power; });
    const auto ref = naive::dft(x);
    CHECK(p == doctest::Approx(2.0 * std::norm(ref[25]) / (160.0 * 160.0)).epsilon(1e-4));
}
