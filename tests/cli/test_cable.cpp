// SPDX-License-Identifier: MIT
/// \file
/// End-to-end through the sound server: one `squeal` process plays DTMF on the virtual cable
/// modem_a while a second listens on modem_b through PortAudio (issue #2 acceptance).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace {
const std::string kSqueal = SQUEAL_BINARY;

bool cables_present() {
    const auto r = test::run({kSqueal, "devices"});
    return r.exit_code == 0 && r.out.find("modem_a") != std::string::npos &&
           r.out.find("modem_b") != std::string::npos;
}
}  // namespace

TEST_CASE("cable: DTMF digits sent by one process arrive exactly, in order, at another" *
          doctest::test_suite("portaudio")) {
    if (!cables_present()) {
        // On CI the test script starts the cables, so their absence there is a failure.
        const char* ci = std::getenv("CI");
        REQUIRE_MESSAGE(!(ci && std::string(ci) == "true"), "virtual cables modem_a/modem_b missing on CI");
        MESSAGE("virtual cables not running (scripts/virtual-audio.sh start): skipped");
        return;
    }
    const std::string digits = "0123456789*#ABCD";
    // 0.1 s latency: robust with both cores busy (virtual-audio.md).
    test::Child listener({kSqueal, "listen", "--audio", "modem_b", "--seconds", "7", "--json", "--latency", "0.1"},
                         "/dev/null");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const auto sender = test::run({kSqueal, "tone", "dtmf", digits, "--audio", "modem_a", "--latency", "0.1"});
    CHECK(sender.exit_code == 0);
    const auto heard = listener.finish();
    CAPTURE(heard.err);
    CAPTURE(heard.out);
    REQUIRE(heard.exit_code == 0);
    std::string got;
    std::istringstream lines(heard.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty()) continue;
        const auto ev = nlohmann::json::parse(line);
        if (ev.at("kind") == "dtmf") got += ev.at("digit").get<std::string>();
    }
    CHECK(got == digits);
}
