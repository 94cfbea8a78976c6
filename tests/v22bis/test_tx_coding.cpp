// SPDX-License-Identifier: MIT
/// \file
/// Tests of the transmitter's block coding helpers: Scrambler::block against bit-by-bit scrambling
/// (including the 64-ones rule) and SymbolEncoder::turn against dibit()/quadbit().
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "modem/v22bis/coding.hpp"

using namespace modem::v22bis;

TEST_CASE("Scrambler: block() of 1..4 bits equals as many single-bit calls, 64-ones rule included") {
    std::mt19937_64 rng(11);
    std::vector<std::uint8_t> x;
    // From the all-ones register, ones in make ones out: 64 line ones and the rule fires once.
    x.insert(x.begin(), 100, std::uint8_t{1});
    for (int i = 0; i < 3000; ++i) x.push_back(static_cast<std::uint8_t>(rng() & 1u));
    int all_ones_trials = 0, fired = 0;
    for (int trial = 0; trial < 14; ++trial) {
        // Mostly the all-ones register, so that the rule fires at every offset within a block.
        const std::uint32_t init = trial == 0 ? 0u : (trial == 1 ? 0x1234Bu : (1u << 17) - 1u);
        if (init == (1u << 17) - 1u) ++all_ones_trials;
        CAPTURE(trial);
        Scrambler bitwise(init), blockwise(init);
        std::vector<std::uint8_t> want, got;
        int run = 0;
        for (std::uint8_t b : x) {
            const std::uint8_t y = bitwise(b);
            want.push_back(y);
            run = y ? run + 1 : 0;
            if (run == 64) ++fired;
        }
        std::size_t pos = 0;
        while (pos < x.size()) {
            const int n = std::min<int>(1 + static_cast<int>(rng() % 4), static_cast<int>(x.size() - pos));
            std::uint32_t data = 0;
            for (int t = 0; t < n; ++t) data = (data << 1) | x[pos + static_cast<std::size_t>(t)];
            const std::uint32_t y = blockwise.block(data | 0xF0u, n);  // bits above n are ignored
            CHECK(y < (1u << n));
            for (int t = n - 1; t >= 0; --t) got.push_back(static_cast<std::uint8_t>((y >> t) & 1u));
            pos += static_cast<std::size_t>(n);
        }
        CHECK(got == want);
    }
    CHECK(fired >= all_ones_trials);  // the rule was exercised
}

TEST_CASE("SymbolEncoder: turn() is the quadrant step of dibit() and quadbit()") {
    SymbolEncoder a, b;
    std::mt19937_64 rng(3);
    for (int k = 0; k < 200; ++k) {
        const int d0 = static_cast<int>(rng() & 1u), d1 = static_cast<int>(rng() & 1u);
        const int q = b.turn(d0, d1);
        const Point p = k % 2 ? a.dibit(d0, d1) : a.quadbit(d0, d1, 0, 1);
        CHECK(q == a.quadrant());
        CHECK(quadrant_of(p) == q);
    }
}
