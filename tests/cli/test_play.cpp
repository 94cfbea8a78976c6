// SPDX-License-Identifier: MIT
/// \file
/// End-to-end tests of `squeal play`: the timeline it shows while a recording plays names each
/// sound at the time the decoder found it, in order, and bad input is one line.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
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

namespace {

/// The line of `pane` that starts with `prefix`, as Unicode code points.
std::u32string pane_line(const std::string& pane, const std::string& prefix) {
    std::istringstream in(pane);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(prefix, 0) != 0) continue;
        std::u32string out;
        for (std::size_t i = 0; i < line.size();) {
            const auto c = static_cast<unsigned char>(line[i]);
            const int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            char32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
            for (int k = 1; k < n && i + static_cast<std::size_t>(k) < line.size(); ++k)
                cp = (cp << 6) | (static_cast<unsigned char>(line[i + static_cast<std::size_t>(k)]) & 0x3F);
            out += cp;
            i += static_cast<std::size_t>(n);
        }
        return out;
    }
    return {};
}

}  // namespace

TEST_CASE("play: the spectrum strip puts a 2100 Hz answer tone at 2100/4000 of its width") {
    if (test::run({"/bin/sh", "-c", "command -v tmux"}).exit_code != 0) {
        MESSAGE("tmux is not installed (scripts/setup.sh installs it): spectrum strip test skipped");
        return;
    }
    const fs::path dir = fs::temp_directory_path() / ("squeal-play-strip-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string wav = (dir / "ans.wav").string();
    REQUIRE(test::run({kSqueal, "tone", "ans", "--seconds", "2", "--out", wav}).exit_code == 0);
    const std::string sock = "squeal-strip-" + std::to_string(getpid());
    const std::string done = (dir / "done").string();
    constexpr int kWidth = 90;
    const auto start = test::run({"/usr/bin/env", "tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-x",
                                  std::to_string(kWidth), "-y", "40",
                                  kSqueal + " play " + wav + " --fast; echo $? > " + done + "; sleep 60"});
    REQUIRE(start.exit_code == 0);
    for (int i = 0; i < 200 && !fs::exists(done); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto pane = test::run({"/usr/bin/env", "tmux", "-L", sock, "capture-pane", "-p"});
    test::run({"/usr/bin/env", "tmux", "-L", sock, "kill-server"});
    REQUIRE(fs::exists(done));
    INFO(pane.out);
    // The newest strip row: 10 label columns, then width - 11 bands over 0..4000 Hz.
    const std::u32string row = pane_line(pane.out, "now");
    const double bands = kWidth - 11;
    const double expect = 10.0 + 2100.0 / 4000.0 * bands;
    int full = 0;
    for (std::size_t i = 0; i < row.size(); ++i) {
        if (row[i] != U'\u2588') continue;
        ++full;
        CHECK(std::abs(static_cast<double>(i) - expect) <= 2.0);
    }
    CHECK(full >= 1);
    fs::remove_all(dir);
}
