// SPDX-License-Identifier: MIT
/// \file
/// For tests that use the virtual sound cables (scripts/virtual-audio.sh): are modem_a and
/// modem_b there, and if not, skip (or, on CI, where the test script starts them, fail).
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "support/process.hpp"

namespace test {

/// True when `squeal devices` lists both cable ends.
inline bool cables_present(const std::string& squeal) {
    const auto r = run({squeal, "devices"});
    return r.exit_code == 0 && r.out.find("modem_a") != std::string::npos && r.out.find("modem_b") != std::string::npos;
}

/// Use as `if (!test::cables_or_skip(kSqueal)) return;` at the top of a cable test.
inline bool cables_or_skip(const std::string& squeal) {
    if (cables_present(squeal)) return true;
    const char* ci = std::getenv("CI");
    REQUIRE_MESSAGE(!(ci && std::string(ci) == "true"), "virtual cables modem_a/modem_b missing on CI");
    MESSAGE("virtual cables not running (scripts/virtual-audio.sh start): skipped");
    return false;
}

}  // namespace test
