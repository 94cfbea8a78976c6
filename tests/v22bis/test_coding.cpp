// SPDX-License-Identifier: MIT
/// \file
/// Tests of the V.22/V.22bis scrambler, dibit table and 16-point constellation against
/// protocols.md 5.1-5.3 and a naive model written from the equations.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "modem/v22bis/coding.hpp"

using namespace modem::v22bis;

namespace {
std::string bits_to_string(const std::vector<int>& b) {
    std::string s;
    for (int x : b) s += x ? '1' : '0';
    return s;
}

/// Naive model straight from protocols.md 5.1: y[n] = x[n] ^ y[n-14] ^ y[n-17], indices into a
/// growing vector, the 64-ones rule counted on y.
std::vector<int> naive_scramble(const std::vector<int>& x, int initial_line_bit) {
    std::vector<int> y(17, initial_line_bit);  // past line bits y[-17..-1]
    int ones = 0;
    for (int bit : x) {
        if (ones == 64) {
            bit ^= 1;
            ones = 0;
        }
        const std::size_t n = y.size();
        const int out = bit ^ y[n - 14] ^ y[n - 17];
        y.push_back(out);
        ones = out ? ones + 1 : 0;
    }
    return {y.begin() + 17, y.end()};
}
}  // namespace

TEST_CASE("Scrambler: all-ones input from a zero register gives the protocols.md 5.1 vector") {
    Scrambler s;
    std::vector<int> out;
    for (int i = 0; i < 64; ++i) out.push_back(s(1));
    CHECK(bits_to_string(out) == "1111111111111100011111111111000000111111110001110001111100000000");
}

TEST_CASE("Scrambler: all-ones register and input fires the 64-ones rule after 64 line ones") {
    Scrambler s((1u << 17) - 1u);
    std::vector<int> out;
    for (int i = 0; i < 80; ++i) out.push_back(s(1));
    CHECK(bits_to_string(out) == std::string(64, '1') + "0111111111111101");
}

TEST_CASE("Scrambler: matches the naive model on random and on long-run data") {
    std::mt19937_64 rng(42);
    std::vector<int> x;
    for (int i = 0; i < 5000; ++i) x.push_back(static_cast<int>(rng() & 1));
    x.insert(x.end(), 3000, 1);  // runs long enough to exercise the 64-ones rule
    for (int init : {0, 1}) {
        CAPTURE(init);
        Scrambler s(init ? (1u << 17) - 1u : 0u);
        std::vector<int> y;
        for (int b : x) y.push_back(s(static_cast<std::uint8_t>(b)));
        CHECK(y == naive_scramble(x, init));
    }
}

TEST_CASE("Descrambler: inverts the scrambler, including the 64-ones rule, from any states") {
    std::mt19937_64 rng(7);
    std::vector<int> x;
    for (int i = 0; i < 6000; ++i) x.push_back(static_cast<int>(rng() & 1));
    x.insert(x.begin(), 300, 1);  // from the all-ones register this makes 64 line ones
    x.insert(x.begin() + 3000, 2000, 1);
    x.insert(x.end(), 500, 0);
    Scrambler s((1u << 17) - 1u);
    Descrambler d(0x5A5Au);  // different state: self-synchronises within 17 bits
    std::size_t errors_after_sync = 0;
    std::size_t ones_rule_hits = 0;
    int run = 0;
    for (std::size_t n = 0; n < x.size(); ++n) {
        const std::uint8_t y = s(static_cast<std::uint8_t>(x[n]));
        run = y ? run + 1 : 0;
        if (run == 64) ++ones_rule_hits;
        const int xr = d(y);
        if (n >= 17 && xr != x[n]) ++errors_after_sync;
    }
    CHECK(ones_rule_hits > 0);  // the rule really was exercised
    CHECK(errors_after_sync == 0);
}

TEST_CASE("Dibit coding: the V.22 5.2 quadrant-change table and its inverse") {
    CHECK(dibit_to_step(0, 0) == 1);  // +90
    CHECK(dibit_to_step(0, 1) == 0);  // 0
    CHECK(dibit_to_step(1, 1) == 3);  // +270
    CHECK(dibit_to_step(1, 0) == 2);  // +180
    for (int d = 0; d < 4; ++d) CHECK(step_to_dibit(dibit_to_step(d >> 1, d & 1)) == d);
}

TEST_CASE("Constellation: the V.22bis points of protocols.md 5.3") {
    CHECK(point_of(0, 0b00) == Point{1, 1});
    CHECK(point_of(0, 0b01) == Point{3, 1});
    CHECK(point_of(0, 0b10) == Point{1, 3});
    CHECK(point_of(0, 0b11) == Point{3, 3});
    CHECK(point_of(1, 0b00) == Point{-1, 1});
    CHECK(point_of(1, 0b01) == Point{-1, 3});
    CHECK(point_of(1, 0b10) == Point{-3, 1});
    CHECK(point_of(1, 0b11) == Point{-3, 3});
    // 1200 bit/s points (V.22bis 2.5.2.2)
    CHECK(point_of(0, kPoint1200) == Point{3, 1});
    CHECK(point_of(1, kPoint1200) == Point{-1, 3});
    CHECK(point_of(2, kPoint1200) == Point{-3, -1});
    CHECK(point_of(3, kPoint1200) == Point{1, -3});
    double power = 0;
    std::vector<Point> seen;
    for (int q = 0; q < 4; ++q)
        for (int l = 0; l < 4; ++l) {
            const Point p = point_of(q, l);
            power += p.i * p.i + p.q * p.q;
            CHECK(quadrant_of(p) == q);
            CHECK(label_of(p) == l);
            for (const Point& o : seen) CHECK_FALSE(o == p);
            seen.push_back(p);
        }
    CHECK(power / 16.0 == doctest::Approx(kConstellationPower));
}

TEST_CASE("Constellation: slicers return the nearest point (exhaustive over a fine grid)") {
    for (float re = -5.0f; re <= 5.0f; re += 0.13f)
        for (float im = -5.0f; im <= 5.0f; im += 0.13f) {
            const cf32 y(re, im);
            float best = 1e9f;
            Point best_p{};
            int best_q4 = 0;
            float best4 = 1e9f;
            for (int q = 0; q < 4; ++q)
                for (int l = 0; l < 4; ++l) {
                    const Point p = point_of(q, l);
                    const float d = std::norm(y - cf32(static_cast<float>(p.i), static_cast<float>(p.q)));
                    if (d < best) {
                        best = d;
                        best_p = p;
                    }
                    if (l == kPoint1200 && d < best4) {
                        best4 = d;
                        best_q4 = q;
                    }
                }
            CAPTURE(re);
            CAPTURE(im);
            CHECK(slice16(y) == best_p);
            CHECK(slice4(y) == best_q4);
        }
}

TEST_CASE("SymbolEncoder/Decoder: quadbits survive differential coding under any quarter-turn") {
    std::mt19937_64 rng(3);
    for (int rot = 0; rot < 4; ++rot) {
        SymbolEncoder enc;
        SymbolDecoder dec;
        int errors = 0;
        for (int n = 0; n < 1000; ++n) {
            const int b = static_cast<int>(rng() & 15);
            Point p = enc.quadbit(b >> 3 & 1, b >> 2 & 1, b >> 1 & 1, b & 1);
            for (int k = 0; k < rot; ++k) p = Point{-p.q, p.i};  // receiver locked a quarter turn off
            const int step = dec.step(quadrant_of(p));
            const int got = (step_to_dibit(step) << 2) | label_of(p);
            if (n > 0 && got != b) ++errors;
        }
        CHECK(errors == 0);
    }
}
