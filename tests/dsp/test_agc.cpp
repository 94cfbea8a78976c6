// SPDX-License-Identifier: MIT
/// \file
/// Agc: settles to the target from any level within the gain range, respects limits, invariance.
#include <doctest/doctest.h>

#include <stdexcept>

#include "dsp/agc.hpp"
#include "naive.hpp"
#include "support/blocks.hpp"
#include "support/noise.hpp"

using namespace modem::dsp;

TEST_CASE("Agc: a real tone settles to the target power from -30 to +6 dB input levels") {
    const double target = 0.02;
    for (double level_db : {-30.0, -20.0, -6.0, 0.0, 6.0}) {
        CAPTURE(level_db);
        Agc<float> agc({.target_power = target});
        const auto x = naive::tone(4000, 1000, 0.1 * db_to_amplitude(level_db));
        const auto y = test::run_in_blocks(agc, x, x.size());
        // After 250 ms (many decay time constants) the output is at the target within 0.2 dB.
        const double p = naive::power(y, 2000, 4000);
        CHECK(std::abs(power_to_db(p / target)) < 0.2);
    }
}

TEST_CASE("Agc: a complex tone settles to the target; attack is faster than decay") {
    Agc<cf32> agc({.target_power = 0.5, .attack_ms = 2, .decay_ms = 50});
    std::vector<cf32> x(8000);
    for (std::size_t n = 0; n < x.size(); ++n) {
        const double a = n < 4000 ? 0.05 : 0.5;  // +20 dB step at 0.5 s
        x[n] = std::polar(static_cast<float>(a), static_cast<float>(naive::kTwoPi * 700.0 / 8000.0 * static_cast<double>(n)));
    }
    const auto y = test::run_in_blocks(agc, x, x.size());
    CHECK(std::abs(power_to_db(naive::power(y, 3000, 4000) / 0.5)) < 0.1);
    CHECK(std::abs(power_to_db(naive::power(y, 7000, 8000) / 0.5)) < 0.1);
    // 20 ms after a +20 dB step the loud overshoot is gone (attack 2 ms + averaging 5 ms).
    CHECK(std::abs(power_to_db(naive::power(y, 4160, 4240) / 0.5)) < 1.0);
}

TEST_CASE("Agc: the gain stays within its limits") {
    Agc<float> agc({.target_power = 0.1, .min_gain_db = -6, .max_gain_db = 10});
    const auto quiet = naive::tone(8000, 1000, 1e-3);
    auto y = test::run_in_blocks(agc, quiet, quiet.size());
    CHECK(agc.gain_db() == doctest::Approx(10.0).epsilon(1e-3));
    agc.reset();
    const auto loud = naive::tone(8000, 1000, 1.0);
    y = test::run_in_blocks(agc, loud, loud.size());
    CHECK(agc.gain_db() == doctest::Approx(-6.0).epsilon(1e-3));
    CHECK_THROWS_AS(Agc<float>({.target_power = 0}), std::invalid_argument);
    CHECK_THROWS_AS(Agc<float>({.min_gain_db = 10, .max_gain_db = 0}), std::invalid_argument);
}

TEST_CASE("Agc: output does not depend on block size") {
    auto x = test::white_noise(6000, 41, 0.01);
    for (std::size_t n = 2000; n < 4000; ++n) x[n] *= 30.0f;
    const Agc<float>::Config cfg{};
    Agc<float> ref(cfg);
    const auto whole = test::run_in_blocks(ref, x, x.size());
    for (std::size_t block : {1u, 7u, 64u, 160u, 1023u}) {
        CAPTURE(block);
        Agc<float> agc(cfg);
        CHECK(test::run_in_blocks(agc, x, block) == whole);
    }
    ref.reset();
    CHECK(test::run_in_blocks(ref, x, 7) == whole);
}
