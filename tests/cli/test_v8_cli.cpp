// SPDX-License-Identifier: MIT
/// \file
/// End-to-end tests of `squeal call|answer|loopback --v8-only`: results, exit codes, the
/// two-process pipe negotiation and the --events JSON lines.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kSqueal = SQUEAL_BINARY;

fs::path scratch_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("squeal-v8cli-" + name + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

/// The value printed after `key` on the line that starts with `prefix key` ("" if absent).
std::string field(const std::string& out, const std::string& prefix, const std::string& key) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(prefix + key + " ", 0) != 0) continue;
        std::string v = line.substr(prefix.size() + key.size());
        const auto b = v.find_first_not_of(' ');
        return b == std::string::npos ? std::string() : v.substr(b);
    }
    return {};
}

}  // namespace

TEST_CASE("cli v8: loopback negotiates V.22bis on both sides and exits 0") {
    const auto r = test::run({kSqueal, "loopback", "--v8-only"});
    CAPTURE(r.out);
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    for (const std::string side : {"caller: ", "answerer: "}) {
        CHECK(field(r.out, side, "status") == "ok");
        CHECK(field(r.out, side, "chosen") == "V.22bis");
        CHECK(field(r.out, side, "agreed") == "V.22bis,V.21");
        CHECK(field(r.out, side, "lapm") == "no");
    }
    CHECK(field(r.out, "caller: ", "role") == "caller");
    CHECK(field(r.out, "answerer: ", "role") == "answerer");
}

TEST_CASE("cli v8: loopback with LAPM on both sides reports LAPM and the best common mode") {
    const auto r = test::run({kSqueal, "loopback", "--v8-only", "--offer", "V34,v32bis,V22BIS,v21", "--answer-offer",
                              "v32bis,v22bis", "--lapm"});
    CAPTURE(r.out);
    CHECK(r.exit_code == 0);
    for (const std::string side : {"caller: ", "answerer: "}) {
        CHECK(field(r.out, side, "chosen") == "V.32bis");
        CHECK(field(r.out, side, "lapm") == "yes");
    }
}

TEST_CASE("cli v8: no common modulation exits 4 with both sides failed") {
    const auto r = test::run({kSqueal, "loopback", "--v8-only", "--offer", "v22bis", "--answer-offer", "v21"});
    CAPTURE(r.out);
    CHECK(r.exit_code == 4);
    CHECK(field(r.out, "caller: ", "status") == "failed");
    CHECK(field(r.out, "answerer: ", "status") == "failed");
}

TEST_CASE("cli v8: an answerer alone on a silent line ends legacy with exit 3") {
    // Nobody sends CM while ANSam lasts (V.8 8.2.2): the legacy path.
    const auto r = test::run({kSqueal, "answer", "--v8-only", "--timeout", "10"});
    CAPTURE(r.out);
    CHECK(r.exit_code == 3);
    CHECK(field(r.out, "", "status") == "legacy");
}

TEST_CASE("cli v8: a caller and an answerer in two processes over two FIFOs negotiate") {
    const fs::path dir = scratch_dir("pipe");
    const std::string to_answer = (dir / "a").string(), to_call = (dir / "b").string();
    REQUIRE(mkfifo(to_answer.c_str(), 0600) == 0);
    REQUIRE(mkfifo(to_call.c_str(), 0600) == 0);
    const std::string ans_log = (dir / "answer.txt").string(), call_log = (dir / "call.txt").string();
    // The reports go to stderr (stdout carries the audio). `timeout` turns a hang into a failure.
    const std::string script = "timeout 30 " + kSqueal + " answer --v8-only --audio pipe --ansam plain <" +
                               to_answer + " >" + to_call + " 2>" + ans_log + " & timeout 30 " + kSqueal +
                               " call --v8-only --audio pipe --offer v34,v22bis,v21 >" + to_answer + " <" + to_call +
                               " 2>" + call_log + "; c=$?; wait $!; a=$?; echo $c $a";
    const auto r = test::run({"/bin/sh", "-c", script});
    const std::string ans = test::read_all(ans_log), call = test::read_all(call_log);
    CAPTURE(ans);
    CAPTURE(call);
    CHECK(r.out == "0 0\n");
    CHECK(field(call, "", "status") == "ok");
    CHECK(field(ans, "", "status") == "ok");
    CHECK(field(call, "", "chosen") == "V.22bis");
    CHECK(field(ans, "", "chosen") == "V.22bis");
    CHECK(field(call, "", "tone") == "ANSam");
    fs::remove_all(dir);
}

TEST_CASE("cli v8: --events writes one parseable JSON object per line with non-decreasing sample times") {
    const fs::path dir = scratch_dir("events");
    const std::string events = (dir / "ev.jsonl").string();
    const auto r = test::run({kSqueal, "loopback", "--v8-only", "--events", events});
    REQUIRE(r.exit_code == 0);
    std::istringstream in(test::read_all(events));
    long long last_call = -1, last_answer = -1;
    int lines = 0, received = 0, connected = 0;
    for (std::string line; std::getline(in, line);) {
        ++lines;
        const auto j = nlohmann::json::parse(line);  // throws (fails the test) on a bad line
        REQUIRE(j.contains("sample"));
        REQUIRE(j.contains("event"));
        const long long at = j.at("sample").get<long long>();
        CHECK(j.at("t_ms").get<double>() == doctest::Approx(static_cast<double>(at) / 8.0).epsilon(1e-9));
        // Each endpoint's events come in time order (the two endpoints interleave per block).
        const std::string src = j.value("source", "");
        long long& last = src.rfind("v8.call", 0) == 0 || src.rfind("v21.rx.ch2", 0) == 0 ? last_call : last_answer;
        if (src.rfind("v8.", 0) == 0) {
            CHECK(at >= last);
            last = at;
        }
        if (j.at("event") == "message_received") ++received;
        if (j.at("event") == "state" && j.value("name", "") == "Done") ++connected;
    }
    CHECK(lines > 10);
    CHECK(received >= 4);   // at least two CMs and two JMs
    CHECK(connected == 2);  // both machines reached Done
    fs::remove_all(dir);
}

TEST_CASE("cli v8: a bad --offer name is one line and a non-zero exit") {
    for (const char* cmd : {"call", "answer", "loopback"}) {
        const auto r = test::run({kSqueal, cmd, "--v8-only", "--offer", "v22bis,v99"});
        CAPTURE(cmd);
        CAPTURE(r.err);
        CHECK(r.exit_code != 0);
        CHECK(r.signal == 0);
        CHECK(test::count_lines(r.err) == 1);
        CHECK(r.err.find("v99") != std::string::npos);
    }
}
