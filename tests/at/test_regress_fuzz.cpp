// SPDX-License-Identifier: MIT
/// \file
/// Regression tests for what fuzz/fuzz_at_engine found: ATDL<digits> appended to the last number
/// every time, so repeating it grew the dial string past any command line without limit.
#include <doctest/doctest.h>

#include <string>

#include "harness.hpp"

using namespace modem::at;

TEST_CASE("ATDL with digits: the dial string never grows beyond the command-line limit") {
    test::at::Harness h({.max_line_chars = 40});
    h.quiet_echo();
    CHECK(h.type("ATD5551234\r").empty());
    (void)h.e.take_actions();
    h.e.on_no_carrier();
    (void)h.e.take_output();
    std::size_t longest = 0;
    int errors = 0;
    for (int i = 0; i < 60; ++i) {
        const std::string out = h.type("ATDL9\r");
        for (const Action& a : h.e.take_actions()) {
            if (const auto* d = std::get_if<Dial>(&a)) longest = std::max(longest, d->number.size());
        }
        if (out == test::at::v1("ERROR")) ++errors;
        h.e.on_no_carrier();
        (void)h.e.take_output();
    }
    CHECK(longest == 40);                  // 7 digits + 33 appended nines, then no more
    CHECK(errors == 60 - 33);              // every ATDL9 after that is refused
    CHECK(h.e.last_number().size() == 40);
}
