// SPDX-License-Identifier: MIT
/// \file
/// Biquad: section designs against their defining properties, streaming vs response(), invariance.
#include <doctest/doctest.h>

#include <stdexcept>

#include "dsp/biquad.hpp"
#include "naive.hpp"
#include "support/blocks.hpp"
#include "support/noise.hpp"

using namespace modem::dsp;
namespace bd = modem::dsp::biquad_design;

namespace {
double db(std::complex<double> h) { return 20.0 * std::log10(std::abs(h)); }

/// Gain of the running filter for a tone, measured after it settles (1 s of tone, last 0.5 s).
double measured_gain(Biquad& b, double f) {
    b.reset();
    const auto x = naive::tone(8000, f, 0.5);
    const auto y = test::run_in_blocks(b, x, x.size());
    return std::abs(naive::correlate(y, f, 4000, 8000)) / std::abs(naive::correlate(x, f, 4000, 8000));
}
}  // namespace

TEST_CASE("Biquad: Butterworth low-pass and high-pass are -3 dB at the corner and maximally flat") {
    for (unsigned order : {1u, 2u, 3u, 4u, 5u}) {
        CAPTURE(order);
        Biquad lp({.sections = bd::butterworth_lowpass(order, 1000)});
        Biquad hp({.sections = bd::butterworth_highpass(order, 1000)});
        CHECK(db(lp.response(1000)) == doctest::Approx(-3.0103).epsilon(1e-3));
        CHECK(db(hp.response(1000)) == doctest::Approx(-3.0103).epsilon(1e-3));
        CHECK(std::abs(lp.response(0)) == doctest::Approx(1.0));
        CHECK(std::abs(hp.response(3999.999)) == doctest::Approx(1.0).epsilon(1e-4));
        // Bilinear Butterworth: |H|^2 = 1 / (1 + (tan(pi f/fs) / tan(pi fc/fs))^(2n)).
        for (double f : {200.0, 500.0, 2000.0, 3000.0}) {
            const double r = std::tan(std::numbers::pi * f / 8000) / std::tan(std::numbers::pi * 1000 / 8000);
            CHECK(std::norm(lp.response(f)) == doctest::Approx(1.0 / (1.0 + std::pow(r, 2.0 * order))).epsilon(1e-6));
            CHECK(std::norm(hp.response(f)) == doctest::Approx(1.0 / (1.0 + std::pow(1.0 / r, 2.0 * order))).epsilon(1e-6));
        }
    }
}

TEST_CASE("Biquad: the running filter's tone gain equals response()") {
    Biquad bp({.sections = bd::butterworth_bandpass(4, 300, 3400)});
    for (double f : {100.0, 300.0, 1000.0, 3400.0, 3800.0}) {
        CAPTURE(f);
        CHECK(measured_gain(bp, f) == doctest::Approx(std::abs(bp.response(f))).epsilon(2e-3));
    }
    CHECK(db(bp.response(100)) < -20.0);
    CHECK(db(bp.response(3800)) < -20.0);
    CHECK(std::abs(db(bp.response(1000))) < 0.1);
}

TEST_CASE("Biquad: DC blocker removes a constant; band-pass peaks at 0 dB; all-pass is flat") {
    Biquad dc({.sections = {bd::dc_blocker(0.99)}});
    std::vector<float> x(4000, 0.25f);
    const auto y = test::run_in_blocks(dc, x, x.size());
    CHECK(std::abs(y.back()) < 1e-6f);
    CHECK(std::abs(dc.response(0)) < 1e-12);

    Biquad bp({.sections = {bd::bandpass(1000, 5)}});
    CHECK(std::abs(bp.response(1000)) == doctest::Approx(1.0));
    CHECK(db(bp.response(500)) < -10.0);

    Biquad ap({.sections = {bd::allpass(3000, 1.0), bd::allpass(500, 0.7)}});
    for (double f = 50; f < 4000; f += 50) CHECK(std::abs(ap.response(f)) == doctest::Approx(1.0).epsilon(1e-9));
    CHECK(measured_gain(ap, 1000) == doctest::Approx(1.0).epsilon(2e-3));
    // Group delay peaks at the section frequency.
    CHECK(ap.group_delay_s(3000) > ap.group_delay_s(1700));
    CHECK(ap.group_delay_s(500) > ap.group_delay_s(1700));
    CHECK_THROWS_AS(bd::lowpass(5000, 0.7), std::invalid_argument);
    CHECK_THROWS_AS(bd::allpass(1000, 0.0), std::invalid_argument);
}

TEST_CASE("Biquad: group_delay_s matches a measured tone delay") {
    // A pure delay line z^-3 as one section (b2 z^-2 times an extra z^-1 is not expressible), so
    // use z^-2: delay 2 samples at every frequency.
    Biquad d2({.sections = {{.b0 = 0, .b1 = 0, .b2 = 1, .a1 = 0, .a2 = 0}}});
    CHECK(d2.group_delay_s(1234) == doctest::Approx(2.0 / 8000).epsilon(1e-6));
}

TEST_CASE("Biquad: output does not depend on block size") {
    const Biquad::Config cfg{.sections = bd::butterworth_bandpass(4, 300, 3400)};
    const auto x = test::white_noise(5000, 31);
    Biquad ref(cfg);
    const auto whole = test::run_in_blocks(ref, x, x.size());
    for (std::size_t block : {1u, 7u, 64u, 160u, 1023u}) {
        CAPTURE(block);
        Biquad b(cfg);
        CHECK(test::run_in_blocks(b, x, block) == whole);
    }
    ref.reset();
    CHECK(test::run_in_blocks(ref, x, 64) == whole);
}
