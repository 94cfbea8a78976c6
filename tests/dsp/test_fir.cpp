// SPDX-License-Identifier: MIT
/// \file
/// Fir: impulse response, direct-form reference model, block-size invariance, reset.
#include <doctest/doctest.h>

#include <stdexcept>

#include "dsp/fir.hpp"
#include "naive.hpp"
#include "support/blocks.hpp"
#include "support/noise.hpp"

using namespace modem::dsp;

namespace {
std::vector<cf32> complex_noise(std::size_t n, std::uint64_t seed) {
    const auto re = test::white_noise(n, seed), im = test::white_noise(n, seed + 1);
    std::vector<cf32> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = {re[i], im[i]};
    return v;
}
constexpr std::size_t kBlocks[] = {1, 7, 64, 160, 1023};
}  // namespace

TEST_CASE("Fir: impulse response equals the taps") {
    const auto taps = test::white_noise(31, 7);
    Fir<float> fir({.taps = taps});
    std::vector<float> impulse(40, 0.0f);
    impulse[0] = 1.0f;
    std::vector<float> out(impulse.size());
    fir.process(impulse, out);
    for (std::size_t k = 0; k < taps.size(); ++k) CHECK(out[k] == taps[k]);
    for (std::size_t k = taps.size(); k < out.size(); ++k) CHECK(out[k] == 0.0f);

    Fir<cf32> cfir({.taps = taps});
    std::vector<cf32> cimp(40, cf32{});
    cimp[0] = cf32(0.0f, 1.0f);
    std::vector<cf32> cout_(cimp.size());
    cfir.process(cimp, cout_);
    for (std::size_t k = 0; k < taps.size(); ++k) CHECK(cout_[k] == cf32(0.0f, taps[k]));
}

TEST_CASE("Fir: matches a direct-form model for real and complex input") {
    for (std::size_t ntaps : {1u, 2u, 17u, 64u, 101u}) {
        CAPTURE(ntaps);
        const auto taps = test::white_noise(ntaps, 100 + ntaps);
        const auto x = test::white_noise(3000, 5);
        Fir<float> fir({.taps = taps});
        std::vector<float> y(x.size());
        fir.process(x, y);
        const auto ref = naive::fir(taps, x);
        double scale = 0;
        for (float t : taps) scale += std::abs(t);
        for (std::size_t n = 0; n < x.size(); ++n) REQUIRE(std::abs(y[n] - ref[n].real()) <= 1e-5 * scale);

        const auto cx = complex_noise(3000, 9);
        Fir<cf32> cfir({.taps = taps});
        std::vector<cf32> cy(cx.size());
        cfir.process(cx, cy);
        const auto cref = naive::fir(taps, cx);
        for (std::size_t n = 0; n < cx.size(); ++n) REQUIRE(std::abs(naive::cd(cy[n]) - cref[n]) <= 1e-5 * scale);
    }
}

TEST_CASE("Fir: output does not depend on block size") {
    const Fir<float>::Config cfg{.taps = test::white_noise(31, 7)};
    const auto input = test::white_noise(4000, 1234);
    Fir<float> reference(cfg);
    const auto whole = test::run_in_blocks(reference, input, input.size());
    const auto cinput = complex_noise(4000, 77);
    Fir<cf32> creference({.taps = cfg.taps});
    const auto cwhole = test::run_in_blocks(creference, cinput, cinput.size());
    for (std::size_t block : kBlocks) {
        CAPTURE(block);
        Fir<float> fir(cfg);
        CHECK(test::run_in_blocks(fir, input, block) == whole);
        Fir<cf32> cfir({.taps = cfg.taps});
        CHECK(test::run_in_blocks(cfir, cinput, block) == cwhole);
    }
}

TEST_CASE("Fir: reset gives the fresh state; in-place works; bad taps throw") {
    const Fir<float>::Config cfg{.taps = test::white_noise(12, 3)};
    const auto input = test::white_noise(500, 4);
    Fir<float> a(cfg);
    const auto first = test::run_in_blocks(a, input, 64);
    a.reset();
    CHECK(test::run_in_blocks(a, input, 64) == first);
    Fir<float> b(cfg);
    auto buf = input;
    b.process(buf, buf);
    CHECK(buf == first);
    CHECK(Fir<float>({.taps = test::white_noise(9, 1)}).delay() == 4);
    CHECK_THROWS_AS(Fir<float>({.taps = {}}), std::invalid_argument);
}
