// SPDX-License-Identifier: MIT
/// \file
/// Tests of the tone generators: frequency, level, envelope, reversal timing, cadence, names.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "dsp/types.hpp"
#include "modem/tones/tone_gen.hpp"
#include "tones/helpers.hpp"

using namespace modem::tones;
using modem::dsp::dbm0_to_peak;
using modem::dsp::kFsHz;

namespace {
/// Frequency from upward zero crossings, linearly interpolated: independent of the generator.
double zero_crossing_freq(const std::vector<float>& x) {
    double first = -1.0, last = -1.0;
    long crossings = 0;
    for (std::size_t n = 1; n < x.size(); ++n) {
        if (x[n - 1] < 0.0f && x[n] >= 0.0f) {
            const double t = static_cast<double>(n - 1) + x[n - 1] / static_cast<double>(x[n - 1] - x[n]);
            if (first < 0.0) first = t;
            else ++crossings;
            last = t;
        }
    }
    return static_cast<double>(crossings) * kFsHz / (last - first);
}

/// Lengths of the on (non-zero) and off (zero) stretches; zero runs under 8 samples are a sine
/// passing exactly through 0 and count as "on".
std::vector<std::pair<bool, std::size_t>> runs(const std::vector<float>& x) {
    std::vector<std::pair<bool, std::size_t>> r;
    for (std::size_t n = 0; n < x.size();) {
        std::size_t m = n;
        while (m < x.size() && (x[m] == 0.0f) == (x[n] == 0.0f)) ++m;
        const bool on = x[n] != 0.0f || (m - n < 8 && m < x.size());
        if (!r.empty() && r.back().first == on) r.back().second += m - n;
        else r.push_back({on, m - n});
        n = m;
    }
    return r;
}
}  // namespace

TEST_CASE("ToneSequence: single tones are within 0.01 Hz of nominal") {
    for (double f : {2100.0, 1100.0, 1300.0, 697.0, 770.0, 852.0, 941.0, 1209.0, 1336.0, 1477.0, 1633.0, 2121.0}) {
        CAPTURE(f);
        ToneSequence::Config cfg;
        cfg.segments.push_back({.tones = {{f, -10.0}}, .duration = 10 * kFsHz});
        CHECK(std::abs(zero_crossing_freq(test::render(cfg, 10 * kFsHz)) - f) < 0.01);
    }
}

TEST_CASE("ToneSequence: ANS level and frequency follow the config") {
    const auto x = test::render(ans(), 26400);
    CHECK(modem::dsp::power_to_dbm0(test::mean_power(x, 0, 26400)) == doctest::Approx(-11.0).epsilon(0.001));
    CHECK(std::abs(zero_crossing_freq(x) - 2100.0) < 0.01);
}

TEST_CASE("ToneSequence: ANSam/ equals the V.8 formula sample by sample") {
    const auto x = test::render(ansam({.level_dbm0 = -12.0, .reversals = true}), 42000);
    const double a = dbm0_to_peak(-12.0);
    double max_err = 0.0;
    for (std::size_t n = 0; n < x.size(); ++n) {
        const double t = static_cast<double>(n) / kFsHz;
        const double k = n < 40000 ? static_cast<double>((n / 3600) % 2) : 0.0;
        const double ref = n < 40000 ? a * (1.0 + 0.2 * std::sin(2.0 * M_PI * 15.0 * t)) *
                                           std::sin(2.0 * M_PI * 2100.0 * t + M_PI * k)
                                     : 0.0;
        max_err = std::max(max_err, std::abs(ref - x[n]));
    }
    CHECK(max_err < 2e-6);
}

TEST_CASE("ToneSequence: reversals flip the carrier exactly every 3600 samples") {
    const auto plain = test::render(ansam(), 40000);
    const auto rev = test::render(ansam({.reversals = true}), 40000);
    const auto ans_plain = test::render(ans({.level_dbm0 = -11.0}), 26400);
    const auto ans_rev = test::render(ans({.level_dbm0 = -11.0, .reversals = true}), 26400);
    int mismatches = 0;
    for (std::size_t n = 0; n < plain.size(); ++n) {
        const float s = (n / 3600) % 2 == 1 ? -1.0f : 1.0f;
        mismatches += rev[n] != s * plain[n];
        if (n < ans_plain.size()) mismatches += ans_rev[n] != s * ans_plain[n];
    }
    CHECK(mismatches == 0);
    // The flip really happens: across each boundary the next sample continues the negated carrier.
    CHECK(rev[3600] == -plain[3600]);
    CHECK(rev[3599] == plain[3599]);
}

TEST_CASE("ToneSequence: ANSam envelope stays within 0.8..1.2 of its mean") {
    const auto x = test::render(ansam(), 40000);
    // Quadrature demodulation with a 40-sample boxcar, which nulls the 4200 Hz image exactly.
    std::vector<double> env;
    for (std::size_t n = 0; n + 40 <= x.size(); n += 5) {
        double re = 0.0, im = 0.0;
        for (std::size_t k = n; k < n + 40; ++k) {
            const double ph = 2.0 * M_PI * 2100.0 * static_cast<double>(k) / kFsHz;
            re += x[k] * std::cos(ph);
            im += x[k] * std::sin(ph);
        }
        env.push_back(2.0 * std::hypot(re, im) / 40.0);
    }
    double mean = 0.0, lo = 1e9, hi = 0.0;
    for (double e : env) {
        mean += e;
        lo = std::min(lo, e);
        hi = std::max(hi, e);
    }
    mean /= static_cast<double>(env.size());
    CHECK(mean == doctest::Approx(dbm0_to_peak(-11.0)).epsilon(0.002));
    CHECK(lo / mean >= 0.795);
    CHECK(lo / mean <= 0.805);
    CHECK(hi / mean >= 1.195);
    CHECK(hi / mean <= 1.205);
}

TEST_CASE("ToneSequence: cadences have the specified on and off lengths") {
    struct Case {
        const char* name;
        std::size_t on, off;
    };
    for (const Case& c : {Case{"cng", 4000, 24000}, Case{"ct", 4800, 16000}, Case{"busy", 4000, 4000},
                          Case{"ringback", 16000, 32000}}) {
        CAPTURE(c.name);
        const auto r = runs(test::render(tone_by_name(c.name), 3 * (c.on + c.off)));
        REQUIRE(r.size() >= 5);
        // Every burst starts at phase 0, so its first sample is an exact 0 and joins the silence.
        CHECK(r[0] == std::pair<bool, std::size_t>{true, c.on});
        CHECK(r[1] == std::pair<bool, std::size_t>{false, c.off + 1});
        CHECK(r[2] == std::pair<bool, std::size_t>{true, c.on - 1});
        CHECK(r[3] == std::pair<bool, std::size_t>{false, c.off + 1});
    }
    const auto dial_runs = runs(test::render(tone_by_name("dial"), 80000));
    CHECK(dial_runs.size() == 1);  // continuous
}

TEST_CASE("ToneSequence: DTMF keypad, durations and levels") {
    // Q.23 keypad written out independently of the library's table.
    const char* rows[4] = {"123A", "456B", "789C", "*0#D"};
    const double row_hz[4] = {697, 770, 852, 941};
    const double col_hz[4] = {1209, 1336, 1477, 1633};
    for (int r = 0; r < 4; ++r) {
        for (int c = 0; c < 4; ++c) {
            const auto f = dtmf_frequencies(rows[r][c]);
            CHECK(f.row_hz == row_hz[r]);
            CHECK(f.col_hz == col_hz[c]);
        }
    }
    CHECK(dtmf_frequencies('a').col_hz == 1633.0);
    const auto x = test::render(dtmf("19"), 2240);
    const auto r = runs(x);
    REQUIRE(r.size() == 4);
    CHECK(r[0] == std::pair<bool, std::size_t>{true, 560});
    CHECK(r[1] == std::pair<bool, std::size_t>{false, 561});  // the second digit starts with sin(0) = 0
    CHECK(r[2] == std::pair<bool, std::size_t>{true, 559});
    // Power of one digit = sum of the two tone powers.
    const double expect = modem::dsp::dbm0_to_power(-8.0) + modem::dsp::dbm0_to_power(-6.0);
    CHECK(test::mean_power(x, 0, 560) == doctest::Approx(expect).epsilon(0.01));
    CHECK(test::mean_power(x, 560, 1120) == 0.0);
}

TEST_CASE("ToneSequence: output does not depend on block size") {
    for (auto name : tone_names()) {
        CAPTURE(std::string(name));
        const auto cfg = tone_by_name(name, "159#D");
        const auto whole = test::render(cfg, 30000);
        for (std::size_t block : {1u, 7u, 160u, 1023u}) {
            ToneSequence gen(cfg);
            std::vector<float> out(whole.size());
            for (std::size_t i = 0; i < out.size(); i += block)
                gen.generate(std::span<float>(out.data() + i, std::min(block, out.size() - i)));
            CHECK(out == whole);
        }
    }
}

TEST_CASE("ToneSequence: reset restarts the sequence and finite sequences end") {
    ToneSequence gen(ans({.duration_ms = 100.0}));
    CHECK(gen.total_samples() == 800);
    std::vector<float> a(1000), b(1000);
    gen.generate(a);
    CHECK(gen.done());
    CHECK(a[900] == 0.0f);
    gen.reset();
    gen.generate(b);
    CHECK(a == b);
    CHECK(ToneSequence(tone_by_name("busy")).total_samples() == kForever);
}

TEST_CASE("ToneSequence: bad names, digits and segments throw") {
    CHECK_THROWS_AS(tone_by_name("bell"), std::invalid_argument);
    CHECK_THROWS_AS(tone_by_name("dtmf"), std::invalid_argument);
    CHECK_THROWS_AS(tone_by_name("dtmf", "12x"), std::invalid_argument);
    CHECK_THROWS_AS(dtmf_frequencies('E'), std::invalid_argument);
    ToneSequence::Config bad;
    bad.segments.push_back({.tones = {{5000.0, -10.0}}, .duration = 10});
    CHECK_THROWS_AS(ToneSequence{bad}, std::invalid_argument);
    bad.segments[0] = {.tones = {}, .duration = 0};
    CHECK_THROWS_AS(ToneSequence{bad}, std::invalid_argument);
    for (auto name : {"ans", "ans/", "ans-reversals", "ansam", "ansam/", "ansam-reversals", "cng", "ct", "dial", "busy",
                      "ringback"})
        CHECK_NOTHROW(tone_by_name(name));
}
