// SPDX-License-Identifier: MIT
/// \file
/// The simulated line's G.711 codec against spandsp's (an independent implementation of the
/// ITU-T G.711 tables), for every 16-bit input and every code.
#include <doctest/doctest.h>

#include <cstdint>

#include "audio/sim_line.hpp"

#include <spandsp.h>  // after our headers: it defines macros such as ms_to_samples

namespace g711 = modem::audio::g711;

TEST_CASE("G.711: A-law and mu-law encoders equal spandsp's for all 65536 inputs, decoders for all 256 codes") {
    int alaw_enc = 0, ulaw_enc = 0, alaw_dec = 0, ulaw_dec = 0;
    for (int x = -32768; x <= 32767; ++x) {
        const auto s = static_cast<std::int16_t>(x);
        alaw_enc += g711::alaw_encode(s) != linear_to_alaw(s);
        // spandsp's mu-law takes the magnitude of a negative sample as -x, ours (like its A-law
        // and G.191) as ~x = -x - 1: the same code for x < 0 is spandsp's for x + 1, with the
        // sign bit clear (so -1 is the negative zero 0x7F).
        const int ulaw_ref = x < 0 ? (linear_to_ulaw(x + 1) & 0x7F) : linear_to_ulaw(x);
        ulaw_enc += g711::ulaw_encode(s) != ulaw_ref;
    }
    for (int c = 0; c < 256; ++c) {
        const auto code = static_cast<std::uint8_t>(c);
        alaw_dec += g711::alaw_decode(code) != alaw_to_linear(code);
        ulaw_dec += g711::ulaw_decode(code) != ulaw_to_linear(code);
    }
    CHECK(alaw_enc == 0);
    CHECK(ulaw_enc == 0);
    CHECK(alaw_dec == 0);
    CHECK(ulaw_dec == 0);
}
