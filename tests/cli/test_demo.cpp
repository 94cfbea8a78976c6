// SPDX-License-Identifier: MIT
/// \file
/// End-to-end tests of `squeal demo`: the WAV it writes is judged by the recording decoder
/// (`squeal decode --json`, an independent reading of the line), every scenario ends as it should,
/// the live view under tmux shows the phases and the CONNECT line, and a machine without a sound
/// device gets one line and an error, never a hang.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cables.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kSqueal = SQUEAL_BINARY;

fs::path scratch_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("squeal-demo-" + name + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

struct Seg {
    double start;
    std::string kind, direction;
    nlohmann::json j;
};

/// The decoder's timeline of a file.
std::vector<Seg> decode(const std::string& wav) {
    const auto r = test::run({kSqueal, "decode", wav, "--json"});
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    std::vector<Seg> out;
    for (const auto& e : j.at("events"))
        out.push_back({e.at("start").get<double>(), e.at("kind").get<std::string>(),
                       e.at("direction").get<std::string>(), e});
    return out;
}

/// Start of the first segment of `kind` from `direction` ("" = any) at or after `from`; -1 if none.
double first(const std::vector<Seg>& segs, const std::string& kind, const std::string& direction = "",
             double from = 0.0) {
    for (const auto& s : segs)
        if (s.kind == kind && (direction.empty() || s.direction == direction) && s.start >= from) return s.start;
    return -1.0;
}

/// Runs one scenario fast into a WAV; returns the exit code and the decoded timeline.
std::pair<int, std::vector<Seg>> run_scenario(const std::string& scenario) {
    const fs::path dir = scratch_dir(scenario);
    const std::string wav = (dir / "demo.wav").string();
    const auto r = test::run({kSqueal, "demo", "--scenario", scenario, "--fast", "--out", wav});
    INFO(r.err);
    auto segs = decode(wav);
    fs::remove_all(dir);
    return {r.exit_code, segs};
}

/// The data segment of `direction`, or nullptr.
const Seg* data_of(const std::vector<Seg>& segs, const std::string& direction) {
    for (const auto& s : segs)
        if (s.kind == "data" && s.direction == direction) return &s;
    return nullptr;
}

}  // namespace

TEST_CASE("demo: the v8 call it writes decodes with every phase in order, both directions") {
    const auto [code, segs] = run_scenario("v8");
    CHECK(code == 0);
    // The handshake as V.8 and V.22bis order it (each phase after the one it answers).
    const double dtmf = first(segs, "dtmf", "caller");
    const double ansam = first(segs, "ansam_reversals", "answerer");
    const double cm = first(segs, "cm", "caller");
    const double jm = first(segs, "jm", "answerer");
    const double cj = first(segs, "cj", "caller");
    const double usb1 = first(segs, "v22bis_usb1", "answerer");
    const double s1_c = first(segs, "v22bis_s1", "caller");
    const double s1_a = first(segs, "v22bis_s1", "answerer");
    const double sb_c = first(segs, "v22bis_sb1_1200", "caller");
    const double sb_a = first(segs, "v22bis_sb1_1200", "answerer");
    const double sb24_c = first(segs, "v22bis_sb1_2400", "caller");
    const double sb24_a = first(segs, "v22bis_sb1_2400", "answerer");
    const Seg* data_c = data_of(segs, "caller");
    const Seg* data_a = data_of(segs, "answerer");
    CHECK(first(segs, "ringback") > dtmf);
    CHECK(dtmf >= 0);
    CHECK(ansam > dtmf);
    CHECK(cm > ansam);
    CHECK(jm > cm);
    CHECK(cj > jm);
    CHECK(usb1 > cj);
    CHECK(s1_c > usb1);
    CHECK(s1_a > s1_c);
    CHECK(sb_c > s1_c);
    CHECK(sb_a > s1_a);
    CHECK(sb24_c > sb_c);
    CHECK(sb24_a > sb_a);
    REQUIRE(data_c != nullptr);
    REQUIRE(data_a != nullptr);
    CHECK(data_c->start > sb24_c);
    CHECK(data_a->start > sb24_a);
    CHECK(data_c->j.at("rate") == 2400);
    CHECK(data_a->j.at("rate") == 2400);
    // The texts, as the decoder reads them off the line.
    CHECK(data_c->j.at("text").get<std::string>().find("calling modem, who dialled 5551234") != std::string::npos);
    CHECK(data_a->j.at("text").get<std::string>().find("answering modem") != std::string::npos);
}

TEST_CASE("demo: legacy scenario answers with ANS, no V.8 messages, then V.22bis at 2400") {
    const auto [code, segs] = run_scenario("legacy");
    CHECK(code == 0);
    CHECK(first(segs, "ans", "answerer") >= 0);
    CHECK(first(segs, "ansam_reversals") < 0);
    CHECK(first(segs, "cm") < 0);
    CHECK(first(segs, "jm") < 0);
    CHECK(first(segs, "v22bis_usb1", "answerer") > first(segs, "ans", "answerer"));
    const Seg* c = data_of(segs, "caller");
    const Seg* a = data_of(segs, "answerer");
    REQUIRE(c != nullptr);
    REQUIRE(a != nullptr);
    CHECK(c->j.at("rate") == 2400);
    CHECK(a->j.at("rate") == 2400);
}

TEST_CASE("demo: fallback scenario connects at 1200 bit/s (no S1 from the V.22 answerer)") {
    const auto [code, segs] = run_scenario("fallback");
    CHECK(code == 0);
    CHECK(first(segs, "v22bis_s1", "answerer") < 0);  // V.22 has no S1
    CHECK(first(segs, "v22bis_sb1_2400") < 0);
    const Seg* c = data_of(segs, "caller");
    const Seg* a = data_of(segs, "answerer");
    REQUIRE(c != nullptr);
    REQUIRE(a != nullptr);
    CHECK(c->j.at("rate") == 1200);
    CHECK(a->j.at("rate") == 1200);
}

TEST_CASE("demo: noisy scenario retrains during data (S1 again after CONNECT) and the texts still arrive") {
    const fs::path dir = scratch_dir("noisy");
    const std::string wav = (dir / "demo.wav").string();
    const auto r = test::run({kSqueal, "demo", "--scenario", "noisy", "--fast", "--out", wav});
    CHECK(r.exit_code == 0);  // 0 includes: both texts byte-exact (5 otherwise)
    // Quality reports and the retrain are in the view (plain lines: stdout is not a terminal).
    CHECK(r.out.find("line quality SNR") != std::string::npos);
    CHECK(r.out.find("retrain") != std::string::npos);
    const auto segs = decode(wav);
    const Seg* c = data_of(segs, "caller");
    REQUIRE(c != nullptr);
    // A retrain is S1 sent again in the middle of the data (V.22bis 6.4).
    CHECK(first(segs, "v22bis_s1", "", c->start) > c->start);
    fs::remove_all(dir);
}

TEST_CASE("demo: busy scenario ends in BUSY after the busy tone, without an answer tone") {
    const fs::path dir = scratch_dir("busy");
    const std::string wav = (dir / "demo.wav").string();
    const auto r = test::run({kSqueal, "demo", "--scenario", "busy", "--fast", "--out", wav});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("caller BUSY") != std::string::npos);
    const auto segs = decode(wav);
    CHECK(first(segs, "busy") > first(segs, "dtmf"));
    CHECK(first(segs, "ans") < 0);
    CHECK(first(segs, "ansam_reversals") < 0);
    CHECK(data_of(segs, "caller") == nullptr);
    fs::remove_all(dir);
}

TEST_CASE("demo: no-answer scenario rings, then ends in NO ANSWER without an answer tone") {
    const fs::path dir = scratch_dir("noanswer");
    const std::string wav = (dir / "demo.wav").string();
    const auto r = test::run({kSqueal, "demo", "--scenario", "no-answer", "--fast", "--out", wav});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("caller NO ANSWER") != std::string::npos);
    const auto segs = decode(wav);
    CHECK(first(segs, "ringback") > first(segs, "dtmf"));
    CHECK(first(segs, "ansam_reversals") < 0);
    CHECK(first(segs, "ans") < 0);
    CHECK(data_of(segs, "caller") == nullptr);
    fs::remove_all(dir);
}

TEST_CASE("demo: without a sound device it says so in one line and exits 1, or writes --out only") {
    const fs::path dir = scratch_dir("nodevice");
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = test::run({kSqueal, "demo", "--device", "no-such-device-squeal-test"});
    CHECK(r.exit_code == 1);
    CHECK(test::count_lines(r.err) == 1);
    CHECK(r.err.find("--out") != std::string::npos);  // the hint
    const std::string wav = (dir / "demo.wav").string();
    const auto w = test::run({kSqueal, "demo", "--device", "no-such-device-squeal-test", "--out", wav});
    CHECK(w.exit_code == 0);
    CHECK(test::count_lines(w.err) == 1);
    CHECK(fs::file_size(wav) > 100000);  // about 11 s at 16 kB/s
    // Not a terminal: no real-time pacing, so both runs are quick (the call is 11 s of line time).
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(8));
    fs::remove_all(dir);
}

TEST_CASE("demo: bad options are one line and exit 1 or 2") {
    const auto bad = test::run({kSqueal, "demo", "--scenario", "carrier-pigeon", "--fast"});
    CHECK(bad.exit_code == 1);
    CHECK(test::count_lines(bad.err) == 1);
    const auto num = test::run({kSqueal, "demo", "--number", "55x", "--fast"});
    CHECK(num.exit_code == 1);
    CHECK(test::count_lines(num.err) == 1);
}

TEST_CASE("demo: the live view under tmux shows the phases and the CONNECT line") {
    if (test::run({"/bin/sh", "-c", "command -v tmux"}).exit_code != 0) {
        MESSAGE("tmux is not installed (scripts/setup.sh installs it): live view test skipped");
        return;
    }
    const fs::path dir = scratch_dir("tmux");
    const std::string sock = "squeal-test-" + std::to_string(getpid());
    const std::string done = (dir / "done").string();
    const std::string cmd = kSqueal + " demo --fast --narrate --out " + (dir / "demo.wav").string() + "; echo $? > " +
                            done + "; sleep 60";
    const auto start = test::run({"/usr/bin/env", "tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-x",
                                  "110", "-y", "60", cmd});
    REQUIRE(start.exit_code == 0);
    for (int i = 0; i < 300 && !fs::exists(done); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto pane = test::run({"/usr/bin/env", "tmux", "-L", sock, "capture-pane", "-p"});
    test::run({"/usr/bin/env", "tmux", "-L", sock, "kill-server"});
    REQUIRE(fs::exists(done));
    INFO(pane.out);
    CHECK(test::read_all(done).substr(0, 1) == "0");
    // Both sides' phases (the trail keeps them), the menus, the agreement, the texts.
    for (const char* phase : {"dialling (DTMF)", "ANSam/", "CM ", "JM ", "CJ ", "unscrambled ones", "S1 ",
                              "scrambled ones 1200", "scrambled ones 2400", "CONNECT 2400"})
        CHECK_MESSAGE(pane.out.find(phase) != std::string::npos, phase);
    CHECK(pane.out.find("V.22bis 2400 bit/s via V.8") != std::string::npos);
    CHECK(pane.out.find("CM (caller): V-series; V.22bis") != std::string::npos);
    CHECK(pane.out.find("Hello from the answering modem") != std::string::npos);
    CHECK(pane.out.find("spectrum") != std::string::npos);
    // Drawn in place: the title appears once, not once per redraw.
    std::size_t titles = 0;
    for (auto p = pane.out.find("squeal demo: v8"); p != std::string::npos; p = pane.out.find("squeal demo: v8", p + 1))
        ++titles;
    CHECK(titles == 1);
    fs::remove_all(dir);
}

TEST_CASE("demo: --via-cables runs the call as two processes over the sound cables and records the line") {
    if (!test::cables_or_skip(kSqueal)) return;
    const fs::path dir = scratch_dir("cables");
    const std::string wav = (dir / "demo.wav").string();
    const auto r = test::run({kSqueal, "demo", "--via-cables", "--no-play", "--out", wav});
    INFO(r.out);
    INFO(r.err);
    CHECK(r.exit_code == 0);  // both ends connected and both texts arrived byte-exact
    // The recording is the two cables tapped and summed: the decoder finds both sides in it.
    const auto segs = decode(wav);
    CHECK(first(segs, "cm", "caller") > first(segs, "ansam_reversals", "answerer"));
    CHECK(first(segs, "jm", "answerer") > first(segs, "cm", "caller"));
    CHECK(data_of(segs, "caller") != nullptr);
    CHECK(data_of(segs, "answerer") != nullptr);
    fs::remove_all(dir);
}
