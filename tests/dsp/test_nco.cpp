// SPDX-License-Identifier: MIT
/// \file
/// Nco: frequency accuracy over 10 s measured from the phase, phase continuity, reset.
#include <doctest/doctest.h>

#include "dsp/nco.hpp"
#include "naive.hpp"

using namespace modem::dsp;

TEST_CASE("Nco: frequency within 0.01 Hz over 10 s, measured via phase") {
    for (double f : {1000.0, 2100.0, 1234.567, 390.0, -1800.0}) {
        CAPTURE(f);
        Nco nco({.freq_hz = f});
        std::vector<cf32> z(80000);
        nco.phasors(z);
        // Unwrapped phase at the end over 10 s: f = phase / (2 pi t). Sample-by-sample unwrap.
        double total = 0.0;
        for (std::size_t n = 1; n < z.size(); ++n) total += std::arg(naive::cd(z[n]) * std::conj(naive::cd(z[n - 1])));
        const double measured = total / naive::kTwoPi / (static_cast<double>(z.size() - 1) / kFsHz);
        CHECK(std::abs(measured - f) < 0.01);
        CHECK(std::abs(nco.freq_hz() - f) < 0.001);
    }
    // The real tone too, by the block-phase estimator.
    Nco nco({.freq_hz = 1800.0});
    std::vector<float> s(80000);
    nco.sin(s, 0.5f);
    CHECK(std::abs(naive::measure_freq(s, 1800.0, 0) - 1800.0) < 0.01);
}

TEST_CASE("Nco: retuning keeps the phase continuous; reset restores the start") {
    Nco nco({.freq_hz = 1000.0, .phase_rad = 0.5});
    std::vector<cf32> a(100);
    nco.phasors(a);
    const double before = nco.phase_rad();
    nco.set_freq(1200.0);
    CHECK(nco.phase_rad() == doctest::Approx(before));
    nco.reset();
    CHECK(nco.phase_rad() == doctest::Approx(0.5).epsilon(1e-6));
    CHECK(nco.freq_hz() == doctest::Approx(1000.0).epsilon(1e-6));
    std::vector<cf32> b(100);
    nco.phasors(b);
    CHECK(a == b);
}
