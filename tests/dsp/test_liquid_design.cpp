// SPDX-License-Identifier: MIT
/// \file
/// Tap designs: responses measured with a direct evaluation of H(f), against the stated specs.
#include <doctest/doctest.h>

#include <stdexcept>

#include "dsp/liquid_design.hpp"
#include "naive.hpp"

using namespace modem::dsp;

namespace {
double gain_db(const std::vector<float>& h, double f) { return 20.0 * std::log10(std::abs(naive::response(h, f))); }
}  // namespace

TEST_CASE("design::lowpass: unit DC gain, -6 dB at cutoff, stop band as requested") {
    const auto h = design::lowpass({.cutoff_hz = 1000, .transition_hz = 400, .stopband_db = 60});
    REQUIRE(h.size() % 2 == 1);
    for (std::size_t k = 0; k < h.size(); ++k) CHECK(h[k] == doctest::Approx(h[h.size() - 1 - k]));
    CHECK(gain_db(h, 0) == doctest::Approx(0.0).epsilon(1e-6));
    CHECK(gain_db(h, 1000) == doctest::Approx(-6.02).epsilon(0.05));
    for (double f = 0; f <= 790; f += 10) CHECK(std::abs(gain_db(h, f)) < 0.05);
    // Kaiser's length estimate is approximate: allow 3 dB less than asked.
    for (double f = 1210; f <= 4000; f += 10) CHECK(gain_db(h, f) < -57.0);
}

TEST_CASE("design::bandpass: 300-3400 Hz telephone band") {
    const auto h = design::bandpass({.low_hz = 300, .high_hz = 3400, .transition_hz = 200, .stopband_db = 60});
    CHECK(gain_db(h, 1850) == doctest::Approx(0.0).epsilon(1e-6));
    for (double f = 420; f <= 3280; f += 20) CHECK(std::abs(gain_db(h, f)) < 0.05);
    CHECK(gain_db(h, 300) == doctest::Approx(-6.02).epsilon(0.05));
    CHECK(gain_db(h, 3400) == doctest::Approx(-6.02).epsilon(0.05));
    for (double f : {0.0, 100.0, 190.0, 3510.0, 3800.0, 4000.0}) CHECK(gain_db(h, f) < -57.0);
    CHECK_THROWS_AS(design::bandpass({.low_hz = 3400, .high_hz = 300}), std::invalid_argument);
}

TEST_CASE("design::hilbert: antisymmetric, 4k+3 taps, unit gain and -90 degrees in band") {
    const auto h = design::hilbert({.transition_hz = 250, .stopband_db = 60});
    REQUIRE(h.size() % 4 == 3);
    const std::size_t c = (h.size() - 1) / 2;
    for (std::size_t k = 0; k < h.size(); ++k) {
        CHECK(h[k] == -h[h.size() - 1 - k]);
        if ((k + c) % 2 == 0) CHECK(h[k] == 0.0f);  // even offsets from the centre
    }
    // Ideal taps are 2 / (pi m) for odd m: the window barely changes the ones next to the centre.
    CHECK(h[c + 1] == doctest::Approx(2.0 / std::numbers::pi).epsilon(0.01));
    for (double f = 250; f <= 3750; f += 25) {
        CAPTURE(f);
        // Remove the linear phase of the delay: what is left is -j |H|.
        const auto r = naive::response(h, f) * std::polar(1.0, naive::kTwoPi * f / 8000.0 * static_cast<double>(c));
        CHECK(std::abs(r - naive::cd(0, -1)) < 3e-3);  // two prototype ripples of 1e-3 (60 dB)
    }
}

TEST_CASE("design::rrc: symmetric, unit energy, matched pair free of intersymbol interference") {
    const unsigned sps = 8, span = 6;
    const auto h = design::rrc({.samples_per_symbol = sps, .span_symbols = span, .beta = 0.5f});
    REQUIRE(h.size() == 2 * sps * span + 1);
    double e = 0;
    for (float v : h) e += static_cast<double>(v) * v;
    CHECK(e == doctest::Approx(1.0).epsilon(1e-6));
    const auto rc = naive::fir(h, std::vector<float>(h.begin(), h.end()));  // first half of h * h
    std::vector<double> full(2 * h.size() - 1, 0.0);
    for (std::size_t i = 0; i < h.size(); ++i)
        for (std::size_t j = 0; j < h.size(); ++j) full[i + j] += static_cast<double>(h[i]) * h[j];
    const std::size_t mid = h.size() - 1;
    CHECK(full[mid] == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(rc[mid].real() == doctest::Approx(full[mid]).epsilon(1e-5));
    for (std::size_t k = 1; k < 2 * span; ++k) {
        CAPTURE(k);
        CHECK(std::abs(full[mid + k * sps]) < 0.01);  // truncation leaves ISI 40 dB down
        CHECK(std::abs(full[mid - k * sps]) < 0.01);
    }
    CHECK_THROWS_AS(design::rrc({.samples_per_symbol = 1}), std::invalid_argument);
}
