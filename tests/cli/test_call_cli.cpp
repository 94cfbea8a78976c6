// SPDX-License-Identifier: MIT
/// \file
/// End-to-end tests of whole calls from the command line: `squeal loopback` (V.8 or legacy,
/// 2400/1200, formats, impairments, a pulled carrier) and `squeal call` / `squeal answer` as two
/// processes joined by two FIFOs, with files carried byte-exact both ways.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "support/process.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kSqueal = SQUEAL_BINARY;

fs::path scratch_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("squeal-call-" + name + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
}

void write_random(const std::string& path, std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::ofstream f(path, std::ios::binary);
    for (std::size_t i = 0; i < n; ++i) f.put(static_cast<char>(rng() & 0xFF));
}

/// The seconds on the first timeline line that contains every one of `parts` (-1 if none).
double time_of(const std::string& out, std::initializer_list<const char*> parts) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        bool all = true;
        for (const char* p : parts) all = all && line.find(p) != std::string::npos;
        if (all) return std::stod(line);
    }
    return -1.0;
}

}  // namespace

TEST_CASE("cli call: loopback dials, answers, connects at 2400 after V.8 and moves 3000 bytes each way") {
    const auto r = test::run({kSqueal, "loopback", "--number", "5551234", "--bytes", "3000"});
    CAPTURE(r.out);
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    CHECK(count(r.out, "byte-exact") == 2);
    CHECK(count(r.out, "CONNECT 2400  V.22bis via V.8, 8N1") == 2);
    CHECK(r.out.find("our number was dialled") != std::string::npos);
    CHECK(r.out.find("tone_heard ringback") != std::string::npos);
    CHECK(count(r.out, "result   OK (local_hangup)") + count(r.out, "result   NO CARRIER (carrier_lost)") == 2);
    // The answerer heard each digit of the number in order.
    std::string digits;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        const auto p = line.find("tone_heard DTMF [");
        if (p != std::string::npos) digits += line[p + 17];
    }
    CHECK(digits == "5551234");
}

TEST_CASE("cli call: loopback without V.8, at 1200 and with 7E1 stays byte-exact") {
    struct Case {
        std::vector<std::string> args;
        const char* connect;
    };
    const Case cases[] = {
        {{"--no-v8"}, "CONNECT 2400  V.22bis via V.25, 8N1"},
        {{"--rate", "1200"}, "CONNECT 1200  V.22 via V.8, 8N1"},
        {{"--format", "7E1", "--guard", "1800"}, "CONNECT 2400  V.22bis via V.8, 7E1"},
        {{"--no-v8", "--rate", "1200", "--format", "8N2", "--guard", "550"}, "CONNECT 1200  V.22 via V.25, 8N2"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> argv{kSqueal, "loopback", "--bytes", "1500"};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        const auto r = test::run(argv);
        CAPTURE(c.connect);
        CAPTURE(r.out);
        CHECK(r.exit_code == 0);
        CHECK(count(r.out, c.connect) == 2);
        CHECK(count(r.out, "byte-exact") == 2);
    }
}

TEST_CASE("cli call: 1 MB each way arrives byte-exact under 20 dB SNR, 100 ppm and 5 Hz") {
    const auto r = test::run({kSqueal, "loopback", "--bytes", "1000000", "--snr", "20", "--clock-ppm", "100",
                              "--freq-offset", "5"});
    CAPTURE(r.out.substr(r.out.size() > 4000 ? r.out.size() - 4000 : 0));
    CHECK(r.exit_code == 0);
    CHECK(count(r.out, "1000000 of 1000000 bytes, byte-exact") == 2);
    CHECK(count(r.out, "info retrain") == 0);
}

TEST_CASE("cli call: pulling the carrier mid-transfer ends both sides within 2 s with an exact prefix") {
    struct Case {
        std::vector<std::string> args;
    };
    const Case cases[] = {
        {{}},                                                                            // clean line
        {{"--snr", "20", "--clock-ppm", "100", "--freq-offset", "5"}},                   // noise stays on
        {{"--snr", "20", "--clock-ppm", "100", "--freq-offset", "5", "--rate", "1200"}}, // no retrain at 1200
    };
    for (const auto& c : cases) {
        std::vector<std::string> argv{kSqueal, "loopback", "--bytes", "4000", "--cut-at", "3"};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        const auto r = test::run(argv);
        CAPTURE(r.out);
        CHECK(r.exit_code == 0);
        CHECK(count(r.out, "an exact prefix") == 2);
        CHECK(count(r.out, "result   NO CARRIER (carrier_lost)") == 2);
        const auto cut = r.out.find("(carrier pulled at ");
        REQUIRE(cut != std::string::npos);
        const double cut_s = std::stod(r.out.substr(cut + 19));
        const double end_c = time_of(r.out, {"caller", "session", "state ended"});
        const double end_a = time_of(r.out, {"answerer", "session", "state ended"});
        CHECK(end_c > cut_s);
        CHECK(end_a > cut_s);
        CHECK(end_c - cut_s < 2.0);
        CHECK(end_a - cut_s < 2.0);
    }
}

TEST_CASE("cli call: two processes over two FIFOs connect and carry files both ways byte-exact") {
    const fs::path dir = scratch_dir("pipe");
    const std::string to_answer = (dir / "a").string(), to_call = (dir / "b").string();
    REQUIRE(mkfifo(to_answer.c_str(), 0600) == 0);
    REQUIRE(mkfifo(to_call.c_str(), 0600) == 0);
    const std::string up = (dir / "up.bin").string(), down = (dir / "down.bin").string();
    write_random(up, 2500, 1);
    write_random(down, 2000, 2);
    const std::string got_up = (dir / "got_up.bin").string(), got_down = (dir / "got_down.bin").string();
    const std::string ans_log = (dir / "answer.txt").string(), call_log = (dir / "call.txt").string();
    const std::string script = "timeout 60 " + kSqueal + " answer --audio pipe --send " + down + " --recv " +
                               got_up + " <" + to_answer + " >" + to_call + " 2>" + ans_log + " & timeout 60 " +
                               kSqueal + " call --audio pipe --send " + up + " --recv " + got_down + " >" +
                               to_answer + " <" + to_call + " 2>" + call_log + "; c=$?; wait $!; a=$?; echo $c $a";
    const auto r = test::run({"/bin/sh", "-c", script});
    const std::string ans = test::read_all(ans_log), call = test::read_all(call_log);
    CAPTURE(ans);
    CAPTURE(call);
    CHECK(r.out == "0 0\n");
    CHECK(call.find("CONNECT 2400") != std::string::npos);
    CHECK(ans.find("CONNECT 2400") != std::string::npos);
    CHECK(test::read_all(got_up) == test::read_all(up));
    CHECK(test::read_all(got_down) == test::read_all(down));
    fs::remove_all(dir);
}

TEST_CASE("cli call: bad call options are one line and a non-zero exit") {
    const std::vector<std::vector<std::string>> bad = {
        {kSqueal, "loopback", "--format", "9Q3"},
        {kSqueal, "answer", "--guard", "700", "--in", "/dev/null"},
        {kSqueal, "call", "12x4"},
        {kSqueal, "call", "--audio", "pipe", "--send", "-"},
        {kSqueal, "call", "--send", "/nonexistent/file", "--in", "/dev/null"},
        {kSqueal, "loopback", "--rate", "9600"},
    };
    for (const auto& argv : bad) {
        const auto r = test::run(argv);
        CAPTURE(argv[1]);
        CAPTURE(argv[2]);
        CAPTURE(r.err);
        CHECK(r.exit_code != 0);
        CHECK(r.signal == 0);
        CHECK(test::count_lines(r.err) == 1);
        CHECK(r.out.empty());
    }
}

TEST_CASE("cli call: squeal call and squeal answer over FIFOs against a spandsp modem program, V.8 then V.22bis") {
    const std::string peer = SQUEAL_SPANDSP_PEER;
    for (const bool we_call : {true, false}) {
        for (const bool v8 : {true, false}) {
            CAPTURE(we_call);
            CAPTURE(v8);
            const fs::path dir = scratch_dir(std::string("spandsp") + (we_call ? "c" : "a") + (v8 ? "8" : "l"));
            const std::string to_us = (dir / "a").string(), to_peer = (dir / "b").string();
            REQUIRE(mkfifo(to_us.c_str(), 0600) == 0);
            REQUIRE(mkfifo(to_peer.c_str(), 0600) == 0);
            const std::string ours = (dir / "ours.bin").string(), theirs = (dir / "theirs.bin").string();
            write_random(ours, 2200, 3);
            write_random(theirs, 2100, 4);
            const std::string got_ours = (dir / "got_ours.bin").string(), got_theirs = (dir / "got_theirs.bin").string();
            const std::string log = (dir / "squeal.txt").string(), peer_log = (dir / "peer.txt").string();
            const std::string legacy = v8 ? "" : " --no-v8";
            // Without V.8 our calling side would send V.42's ODP (DC1 characters) first, which a
            // plain V.22bis modem hands to its user: error correction off for that case.
            const std::string ec = !v8 && we_call ? " --ec off" : "";
            const std::string script =
                "timeout 60 " + kSqueal + (we_call ? " call" : " answer") + legacy + ec + " --audio pipe --send " + ours +
                " --recv " + got_theirs + " <" + to_us + " >" + to_peer + " 2>" + log + " & timeout 60 " + peer +
                (we_call ? " answer" : " call") + legacy + " --send " + theirs + " --recv " + got_ours + " >" + to_us +
                " <" + to_peer + " 2>" + peer_log + "; p=$?; wait $!; s=$?; echo $s $p";
            const auto r = test::run({"/bin/sh", "-c", script});
            const std::string out = test::read_all(log), pout = test::read_all(peer_log);
            CAPTURE(out);
            CAPTURE(pout);
            CHECK(r.out == "0 0\n");
            CHECK(out.find("CONNECT 2400") != std::string::npos);
            CHECK(out.find(v8 ? "via V.8" : "via V.25") != std::string::npos);
            CHECK(test::read_all(got_ours) == test::read_all(ours));      // us -> spandsp
            CHECK(test::read_all(got_theirs) == test::read_all(theirs));  // spandsp -> us
            fs::remove_all(dir);
        }
    }
}
