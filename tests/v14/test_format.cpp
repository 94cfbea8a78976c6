// SPDX-License-Identifier: MIT
/// \file
/// Tests of the V.14 character format: parsing, names, bits per character, parity bit.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "modem/v14/v14.hpp"
#include "reference.hpp"

using modem::v14::Format;
using modem::v14::Parity;

TEST_CASE("Format: parses the usual names in either case") {
    CHECK(Format::parse("8N1") == Format{8, Parity::None, 1});
    CHECK(Format::parse("7E1") == Format{7, Parity::Even, 1});
    CHECK(Format::parse("7o1") == Format{7, Parity::Odd, 1});
    CHECK(Format::parse("8E1") == Format{8, Parity::Even, 1});
    CHECK(Format::parse("8N2") == Format{8, Parity::None, 2});
    CHECK(Format::parse("7M1") == Format{7, Parity::Mark, 1});
    CHECK(Format::parse("7s1") == Format{7, Parity::Space, 1});
    CHECK(Format::parse("5n2") == Format{5, Parity::None, 2});
}

TEST_CASE("Format: name() round-trips through parse() for every format") {
    for (const Format& f : test::v14::all_formats()) {
        CAPTURE(f.name());
        CHECK(f.name().size() == 3);
        CHECK(Format::parse(f.name()) == f);
    }
    CHECK(Format::parse("7o1").name() == "7O1");
}

TEST_CASE("Format: bits per character match V.14's examples") {
    // protocols.md 7.1: 7N1 = 9, 8N1 = 10, 7E1 = 10, 8E1 = 11, 8N2 = 11.
    CHECK(Format::parse("7N1").bits_per_char() == 9);
    CHECK(Format::parse("8N1").bits_per_char() == 10);
    CHECK(Format::parse("7E1").bits_per_char() == 10);
    CHECK(Format::parse("8E1").bits_per_char() == 11);
    CHECK(Format::parse("8N2").bits_per_char() == 11);
}

TEST_CASE("Format: bad names throw invalid_argument with the name in the message") {
    for (const char* bad : {"", "8N", "8N11", "9N1", "4N1", "8X1", "8N3", "8N0", "N81", "8 1"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(Format::parse(bad), std::invalid_argument);
    }
    try {
        (void)Format::parse("8Q1");
        FAIL("no throw");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("8Q1") != std::string::npos);
    }
    CHECK_THROWS_AS((Format{.data_bits = 9}.validate()), std::invalid_argument);
    CHECK_THROWS_AS((Format{.stop_bits = 3}.validate()), std::invalid_argument);
}

TEST_CASE("Format: parity bit agrees with a bit-by-bit count for every value") {
    for (const Format& f : test::v14::all_formats()) {
        if (f.parity == Parity::None) continue;
        for (unsigned v = 0; v < 256; ++v) {
            CAPTURE(f.name());
            CAPTURE(v);
            CHECK(f.parity_bit(static_cast<std::uint8_t>(v)) == test::v14::ref_parity(f, v));
        }
    }
    // 'T' = 0x54 has three ones: even parity sets the bit (0xD4 on a 7E1 line).
    CHECK(Format::parse("7E1").parity_bit(0x54) == 1);
    CHECK(Format::parse("7O1").parity_bit(0x54) == 0);
}
