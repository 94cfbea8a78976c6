// SPDX-License-Identifier: MIT
/// \file
/// Tests of AT\N (V.42 error control) and of the CONNECT text when LAPM is in use.
#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "harness.hpp"

using namespace modem::at;
using test::at::Harness;
using test::at::v1;

TEST_CASE("AT\\N: 0/1 no error control, 3 auto, 2/4 required, others ERROR; ATZ restores \\N0") {
    Harness h;
    h.quiet_echo();
    CHECK(h.e.settings().ec_mode == 0);
    struct Case {
        const char* cmd;
        int mode;
    };
    for (const Case c : {Case{"AT\\N3\r", 3}, Case{"AT\\N0\r", 0}, Case{"AT\\N4\r", 4}, Case{"AT\\N1\r", 0},
                         Case{"AT\\N2\r", 4}, Case{"at\\n3\r", 3}}) {
        CAPTURE(c.cmd);
        CHECK(h.type(c.cmd) == v1("OK"));
        CHECK(h.e.settings().ec_mode == c.mode);
    }
    CHECK(h.type("AT\\N5\r") == v1("ERROR"));
    CHECK(h.type("AT\\X\r") == v1("ERROR"));
    CHECK(h.e.settings().ec_mode == 3);  // unchanged by the errors
    CHECK(h.type("ATZ\r") == v1("OK"));
    CHECK(h.e.settings().ec_mode == 0);
}

TEST_CASE("AT\\N: the setting goes with the dial and answer requests") {
    Harness h;
    h.quiet_echo();
    h.type("AT\\N4\r");
    h.type("ATD123\r");
    const auto acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    CHECK(std::get<Dial>(acts[0]).params.ec_mode == 4);
}

TEST_CASE("Result codes: CONNECT says /LAPM when V.42 is in use, from X1; the numeric code stays") {
    CHECK(result_text(Result::Connect, 2400, 4, true).text == "CONNECT 2400/LAPM");
    CHECK(result_text(Result::Connect, 2400, 4, true).code == 10);
    CHECK(result_text(Result::Connect, 1200, 1, true).text == "CONNECT 1200/LAPM");
    CHECK(result_text(Result::Connect, 2400, 4, false).text == "CONNECT 2400");
    CHECK(result_text(Result::Connect, 2400, 0, true).text == "CONNECT");
    Harness h;
    h.quiet_echo();
    h.type("ATD123\r");
    (void)h.e.take_actions();
    h.e.on_connect(2400, h.e.detected_format(), true);
    CHECK(h.e.take_output() == v1("CONNECT 2400/LAPM"));
}
