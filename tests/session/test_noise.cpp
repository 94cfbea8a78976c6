// SPDX-License-Identifier: MIT
/// \file
/// A minute of line noise alone, at levels from quiet to loud: no pump and no session ever
/// believes a modem is there (no CONNECT, no answer tone, no data), and nothing is delivered.
#include <doctest/doctest.h>

#include <array>
#include <cmath>

#include "dsp/types.hpp"
#include "modem/session/session.hpp"
#include "modem/v22bis/modem.hpp"
#include "support/noise.hpp"

using namespace modem;

namespace {

constexpr std::size_t kBlock = 160;

/// Feeds `seconds` of white noise at `dbm0` to `process(in, out)`.
template <class Process>
void feed_noise(double dbm0, double seconds, std::uint64_t seed, Process&& process) {
    test::Gaussian g(seed);
    const auto sigma = static_cast<float>(std::sqrt(dsp::dbm0_to_power(dbm0)));
    std::array<float, kBlock> in{}, out{};
    for (dsp::SampleTime t = 0; t < static_cast<dsp::SampleTime>(seconds * dsp::kFsHz); t += kBlock) {
        for (float& x : in) x = sigma * static_cast<float>(g());
        if (!process(in, out)) return;
    }
}

}  // namespace

TEST_CASE("Noise: 60 s of noise never brings either V.22bis pump to data") {
    for (const double dbm0 : {-50.0, -35.0, -20.0}) {
        for (const auto role : {v22bis::Role::Caller, v22bis::Role::Answerer}) {
            CAPTURE(dbm0);
            CAPTURE(v22bis::to_string(role));
            v22bis::Modem m({.role = role});
            std::size_t bits = 0;
            m.set_bit_sink([&](std::uint8_t) { ++bits; });
            bool ever_data = false;
            feed_noise(dbm0, 60.0, 7, [&](std::span<const float> in, std::span<float> out) {
                m.process(in, out);
                ever_data = ever_data || m.connected();
                return true;
            });
            CHECK_FALSE(ever_data);
            CHECK(bits == 0);
        }
    }
}

TEST_CASE("Noise: a session waiting for an answer tone in 60 s of noise ends in NO ANSWER, never CONNECT") {
    for (const bool v8 : {true, false}) {
        for (const double dbm0 : {-45.0, -25.0}) {
            CAPTURE(v8);
            CAPTURE(dbm0);
            session::Session s({.role = session::Role::Caller, .answer_wait_s = 60.0, .v8 = v8});
            feed_noise(dbm0, 70.0, 9, [&](std::span<const float> in, std::span<float> out) {
                s.process(in, out);
                return !s.ended();
            });
            CHECK(s.end() == session::End::NoAnswer);
            CHECK_FALSE(s.connection().has_value());
            CHECK(s.readable() == 0);
        }
    }
}
