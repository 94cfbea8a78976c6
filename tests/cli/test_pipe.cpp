// SPDX-License-Identifier: MIT
/// \file
/// End-to-end: two `squeal` processes joined by two FIFOs with `--audio pipe` run in lockstep
/// (neither waits for the other) and the DTMF digits sent by one arrive at the other.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace fs = std::filesystem;

TEST_CASE("pipe: two processes over two FIFOs exchange DTMF without deadlock") {
    const fs::path dir = fs::temp_directory_path() / ("squeal-pipe-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string to_listener = (dir / "a").string(), to_sender = (dir / "b").string();
    REQUIRE(mkfifo(to_listener.c_str(), 0600) == 0);
    REQUIRE(mkfifo(to_sender.c_str(), 0600) == 0);
    const std::string squeal = SQUEAL_BINARY;
    const std::string digits = "159#D";
    // The listener runs 3 s of line time; the sender stops after its digits (about 0.7 s) and the
    // listener then sees end of input. `timeout` turns a deadlock into a failure, not a hang.
    const std::string script = "timeout 20 " + squeal + " listen --audio pipe --json --seconds 3 <" + to_listener +
                               " >" + to_sender + " 2>" + (dir / "events").string() + " & " + "timeout 20 " +
                               squeal + " tone dtmf '" + digits + "' --audio pipe >" + to_listener + " <" +
                               to_sender + "; s=$?; wait $!; l=$?; echo $s $l";
    const auto r = test::run({"/bin/sh", "-c", script});
    CAPTURE(r.err);
    CHECK(r.out == "0 0\n");  // both exited 0, none timed out (124)
    std::string got;
    std::istringstream lines(test::read_all((dir / "events").string()));
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] != '{') continue;
        const auto ev = nlohmann::json::parse(line);
        if (ev.at("kind") == "dtmf") got += ev.at("digit").get<std::string>();
    }
    CHECK(got == digits);
    fs::remove_all(dir);
}
