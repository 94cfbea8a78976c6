// SPDX-License-Identifier: MIT
/// \file
/// End-to-end tests of `squeal play`: the timeline it shows while a recording plays names each
/// sound at the time the decoder found it, in order, and bad input is one line.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kSqueal = SQUEAL_BINARY;

/// Seconds at the start of the first line holding `side` and `label` (-1 if none).
double shown_at(const std::string& out, const std::string& side, const std::string& label) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        if (line.size() < 14 || line.find(" s  ") != 9) continue;
        const std::string rest = line.substr(13);
        if (rest.rfind(side, 0) == 0 && rest.find(label, 10) == 10) return std::stod(line);
    }
    return -1.0;
}

}  // namespace

TEST_CASE("play: each decoded sound is shown at its start time, in the decoder's order") {
    const fs::path dir = fs::temp_directory_path() / ("squeal-play-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string wav = (dir / "call.wav").string();
    REQUIRE(test::run({kSqueal, "demo", "--fast", "--out", wav}).exit_code == 0);
    const auto dec = test::run({kSqueal, "decode", wav, "--json"});
    REQUIRE(dec.exit_code == 0);
    const auto events = nlohmann::json::parse(dec.out).at("events");

    const auto r = test::run({kSqueal, "play", wav, "--no-play", "--narrate"});
    REQUIRE(r.exit_code == 0);
    INFO(r.out);
    // Independent truth: the decoder's own start times for the same file.
    auto start_of = [&](const std::string& kind, const std::string& dir_name) {
        for (const auto& e : events)
            if (e.at("kind") == kind && e.at("direction") == dir_name) return e.at("start").get<double>();
        return -1.0;
    };
    struct Expect {
        const char* kind;
        const char* side;
        const char* label;
    };
    const Expect expect[] = {
        {"ansam_reversals", "answerer", "ANSam/"}, {"cm", "caller", "CM"},
        {"jm", "answerer", "JM"},                  {"cj", "caller", "CJ"},
        {"v22bis_usb1", "answerer", "unscrambled ones"}, {"v22bis_s1", "caller", "S1"},
        {"v22bis_sb1_2400", "answerer", "scrambled ones 2400"}, {"data", "caller", "data 2400 bit/s"},
    };
    double last = -1.0;
    for (const auto& x : expect) {
        CAPTURE(x.label);
        const double truth = start_of(x.kind, x.side);
        const double shown = shown_at(r.out, x.side, x.label);
        REQUIRE(truth >= 0);
        CHECK(std::abs(shown - truth) <= 0.0015);  // both printed to the millisecond
        CHECK(shown >= last);
        last = shown;
    }
    // The narration explains the answer tone, and the decoded texts are shown.
    CHECK(r.out.find("ANSam, 2100 Hz") != std::string::npos);
    CHECK(r.out.find("who dialled 5551234") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("play: a missing file, or no sound device without --no-play, is one line and exit 1") {
    const auto missing = test::run({kSqueal, "play", "/nonexistent/call.wav", "--no-play"});
    CHECK(missing.exit_code == 1);
    CHECK(test::count_lines(missing.err) == 1);
    const fs::path dir = fs::temp_directory_path() / ("squeal-play-dev-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const std::string wav = (dir / "call.wav").string();
    REQUIRE(test::run({kSqueal, "demo", "--fast", "--scenario", "busy", "--out", wav}).exit_code == 0);
    const auto nodev = test::run({kSqueal, "play", wav, "--device", "no-such-device-squeal-test"});
    CHECK(nodev.exit_code == 1);
    CHECK(test::count_lines(nodev.err) == 1);
    CHECK(nodev.err.find("--no-play") != std::string::npos);
    fs::remove_all(dir);
}
