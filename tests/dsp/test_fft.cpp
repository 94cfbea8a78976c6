// SPDX-License-Identifier: MIT
/// \file
/// Fft, RealFft, Spectrum and Spectrogram against a direct DFT and known tone levels.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>

#include "dsp/fft.hpp"
#include "naive.hpp"
#include "support/noise.hpp"

using namespace modem::dsp;

TEST_CASE("Fft: forward and inverse equal a direct DFT") {
    for (std::size_t n : {1u, 8u, 60u, 256u}) {
        CAPTURE(n);
        const auto re = test::white_noise(n, 61), im = test::white_noise(n, 62);
        std::vector<cf32> x(n);
        for (std::size_t i = 0; i < n; ++i) x[i] = {re[i], im[i]};
        Fft fwd({.n = n});
        std::vector<cf32> y(n);
        fwd.execute(x, y);
        const auto ref = naive::dft(x);
        const double tol = 1e-5 * std::sqrt(static_cast<double>(n)) * 2.0;
        for (std::size_t k = 0; k < n; ++k) CHECK(std::abs(naive::cd(y[k]) - ref[k]) < tol);
        Fft inv({.n = n, .inverse = true});
        inv.execute(y, y);  // in place
        for (std::size_t i = 0; i < n; ++i) CHECK(std::abs(y[i] / static_cast<float>(n) - x[i]) < 1e-5);
    }
    CHECK_THROWS_AS(Fft({.n = 0}), std::invalid_argument);
}

TEST_CASE("RealFft: equals the first n/2+1 bins of a direct DFT") {
    for (std::size_t n : {2u, 63u, 256u}) {
        CAPTURE(n);
        const auto x = test::white_noise(n, 63);
        RealFft f({.n = n});
        std::vector<cf32> y(f.bins());
        f.execute(x, y);
        const auto ref = naive::dft(x);
        for (std::size_t k = 0; k < f.bins(); ++k) CHECK(std::abs(naive::cd(y[k]) - ref[k]) < 1e-4);
    }
}

TEST_CASE("Spectrum: a tone's peak is at its bin with power A^2/2, for every window") {
    const std::size_t n = 256;
    for (Window w : {Window::Rectangular, Window::Hann, Window::Blackman}) {
        Spectrum s({.n = n, .window = w});
        const double a = 0.3;
        const std::size_t bin = 37;  // 37 * 31.25 Hz = 1156.25 Hz
        const auto x = naive::tone(n, static_cast<double>(bin) * s.bin_hz(), a, 0.7);
        std::vector<float> db(s.bins());
        s.power_db(x, db);
        const auto peak = static_cast<std::size_t>(std::max_element(db.begin(), db.end()) - db.begin());
        CHECK(peak == bin);
        CHECK(db[bin] == doctest::Approx(10.0 * std::log10(a * a / 2.0)).epsilon(1e-3));
        // Same bin from the direct DFT, with the window applied by hand for Rectangular.
        if (w == Window::Rectangular) {
            const auto ref = naive::dft(x);
            CHECK(db[bin] == doctest::Approx(10.0 * std::log10(2.0 * std::norm(ref[bin]) / (n * n))).epsilon(1e-4));
        }
    }
}

TEST_CASE("Spectrogram: columns every hop after the first n samples, equal to Spectrum, block-size free") {
    const std::size_t n = 128, hop = 48;
    const auto x = test::white_noise(2000, 64);
    auto collect = [&](std::size_t block) {
        Spectrogram sg({.n = n, .hop = hop});
        std::vector<std::pair<SampleTime, std::vector<float>>> cols;
        for (std::size_t i = 0; i < x.size(); i += block) {
            const std::size_t len = std::min(block, x.size() - i);
            sg.process(std::span<const float>(x.data() + i, len), [&](const SpectrogramColumn& c) {
                cols.emplace_back(c.end, std::vector<float>(c.db.begin(), c.db.end()));
            });
        }
        return cols;
    };
    const auto whole = collect(x.size());
    REQUIRE(whole.size() == 1 + (x.size() - n) / hop);
    Spectrum s({.n = n});
    for (std::size_t c = 0; c < whole.size(); ++c) {
        const auto end = static_cast<std::size_t>(whole[c].first);
        CHECK(end == n + c * hop);
        std::vector<float> db(s.bins());
        s.power_db(std::span<const float>(x.data() + end - n, n), db);
        CHECK(whole[c].second == db);
    }
    for (std::size_t block : {1u, 7u, 64u, 160u, 1023u}) {
        CAPTURE(block);
        CHECK(collect(block) == whole);
    }
}
