// SPDX-License-Identifier: MIT
/// \file
/// `squeal loopback --ec`: V.42 (LAPM) reported and used when both ends have it, plain V.14 when
/// the answerer has it off, NO CARRIER when the caller requires it and the answerer has it off.
#include <doctest/doctest.h>

#include <string>

#include "support/process.hpp"

namespace {
const std::string kSqueal = SQUEAL_BINARY;
}  // namespace

TEST_CASE("cli ec: loopback --ec on uses LAPM both ways and moves the bytes exactly") {
    const auto r = test::run({kSqueal, "loopback", "--ec", "on", "--bytes", "3000", "--snr", "14"});
    CAPTURE(r.out);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("caller:   protocol CONNECT 2400/LAPM: V.42 LAPM, N401 128, k 15, SREJ, FCS-16") != std::string::npos);
    CHECK(r.out.find("answerer: protocol CONNECT 2400/LAPM") != std::string::npos);
    CHECK(r.out.find("caller -> answerer: 3000 of 3000 bytes, byte-exact") != std::string::npos);
    CHECK(r.out.find("answerer -> caller: 3000 of 3000 bytes, byte-exact") != std::string::npos);
}

TEST_CASE("cli ec: the answerer with --answer-ec off gives plain characters; require then hangs up") {
    const auto r = test::run({kSqueal, "loopback", "--answer-ec", "off", "--bytes", "500"});
    CAPTURE(r.out);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("caller:   protocol CONNECT 2400: none (V.14 characters)") != std::string::npos);
    CHECK(r.out.find("caller -> answerer: 500 of 500 bytes, byte-exact") != std::string::npos);
    const auto q = test::run({kSqueal, "loopback", "--ec", "require", "--answer-ec", "off", "--bytes", "500"});
    CAPTURE(q.out);
    CHECK(q.exit_code == 4);
    CHECK(q.out.find("caller:   result   NO CARRIER") != std::string::npos);
}

TEST_CASE("cli ec: --ec takes only off, on or require") {
    const auto r = test::run({kSqueal, "loopback", "--ec", "maybe"});
    CHECK(r.exit_code == 2);
    CHECK(test::count_lines(r.err) >= 1);
}
