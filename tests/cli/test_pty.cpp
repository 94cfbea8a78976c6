// SPDX-License-Identifier: MIT
/// \file
/// End-to-end tests of `squeal pty`: the test plays the terminal on each modem's pty (raw mode,
/// 8N1 or 7E1 with the parity bit in bit 7), dials, exchanges data both ways byte-exact and uses
/// the Hayes escape, ATO and ATH; over two FIFOs (no sound server) and over the virtual cables.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/cables.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;

namespace {
const std::string kSqueal = SQUEAL_BINARY;
using test::Clock;
using test::seconds_since;
using test::sleep_s;


/// Even parity in bit 7 over the low 7 bits, as a 7E1 UART puts it on the wire.
std::uint8_t with_even_parity(std::uint8_t v) {
    v &= 0x7Fu;
    return static_cast<std::uint8_t>(v | ((__builtin_popcount(v) & 1) << 7));
}

/// A `squeal pty` child that the test stops with SIGTERM (test::Child can only kill).
class PtyProcess {
public:
    /// Runs argv with stdin/stdout/stderr redirected; `out_first` opens stdout before stdin
    /// (two processes joined by two FIFOs must open them in opposite orders).
    PtyProcess(const std::vector<std::string>& argv, const std::string& in, const std::string& out,
               const std::string& err, bool out_first = false)
        : err_path_(err), out_path_(out) {
        pid_ = fork();
        if (pid_ == 0) {
            test::die_with_parent();
            auto open_in = [&] { dup2(open(in.c_str(), O_RDONLY), 0); };
            auto open_out = [&] { dup2(open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), 1); };
            if (out_first) {
                open_out();
                open_in();
            } else {
                open_in();
                open_out();
            }
            dup2(open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), 2);
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
    }
    PtyProcess(const PtyProcess&) = delete;
    PtyProcess& operator=(const PtyProcess&) = delete;
    ~PtyProcess() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    /// SIGTERM, then the exit status (-1 if it had to be killed after 10 s).
    int stop() {
        kill(pid_, SIGTERM);
        for (const auto t0 = Clock::now(); seconds_since(t0) < 10.0; sleep_s(0.05)) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
        }
        return -1;
    }
    [[nodiscard]] std::string err() const { return test::read_all(err_path_); }
    [[nodiscard]] std::string out() const { return test::read_all(out_path_); }

private:
    pid_t pid_ = -1;
    std::string err_path_, out_path_;
};

/// The terminal side: the pty slave in raw mode, typing in 8N1 or 7E1.
class Terminal {
public:
    Terminal(const std::string& path, double wait_s) {
        for (const auto t0 = Clock::now(); !fs::exists(path) && seconds_since(t0) < wait_s;) sleep_s(0.05);
        fd_ = open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
        REQUIRE_MESSAGE(fd_ >= 0, "cannot open the pty " << path);
        termios t{};
        tcgetattr(fd_, &t);
        cfmakeraw(&t);
        tcsetattr(fd_, TCSANOW, &t);
    }
    ~Terminal() {
        if (fd_ >= 0) close(fd_);
    }
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    bool seven_e1 = false;
    std::string rx;  ///< bytes received and not yet consumed, raw

    /// Types `text` (with the parity bit when 7E1).
    void type(std::string_view text) {
        std::string raw;
        for (char c : text) raw += static_cast<char>(seven_e1 ? with_even_parity(static_cast<std::uint8_t>(c)) : c);
        write_raw(raw);
    }
    void write_raw(const std::string& raw) {
        for (std::size_t done = 0; done < raw.size();) {
            const ssize_t n = write(fd_, raw.data() + done, raw.size() - done);
            if (n > 0) done += static_cast<std::size_t>(n);
            else poll_in(5);
        }
    }
    /// Writes what the pty takes now, from `data` at `sent`.
    void write_some(const std::string& data, std::size_t& sent) {
        if (sent >= data.size()) return;
        const ssize_t n = write(fd_, data.data() + sent, std::min<std::size_t>(256, data.size() - sent));
        if (n > 0) sent += static_cast<std::size_t>(n);
    }
    /// Collects what arrives within `ms`.
    void poll_in(int ms) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, ms) <= 0) return;
        char buf[4096];
        const ssize_t n = read(fd_, buf, sizeof buf);
        if (n > 0) rx.append(buf, static_cast<std::size_t>(n));
    }
    /// Waits for the result line "<text>\r\n" (compared on 7 bits) and consumes everything up to
    /// it. With 7E1 every consumed byte (echo and result) must carry even parity.
    bool expect(std::string_view text, double timeout_s) {
        const std::string want = std::string(text) + "\r\n";
        for (const auto t0 = Clock::now(); seconds_since(t0) < timeout_s; poll_in(20)) {
            std::string seven;
            for (char c : rx) seven += static_cast<char>(c & 0x7F);
            const auto at = seven.find(want);
            if (at == std::string::npos) continue;
            const std::string got = rx.substr(0, at + want.size());
            rx.erase(0, at + want.size());
            if (seven_e1) {
                for (char c : got) {
                    CAPTURE(got);
                    CHECK(with_even_parity(static_cast<std::uint8_t>(c)) == static_cast<std::uint8_t>(c));
                }
            }
            return true;
        }
        MESSAGE("waited " << timeout_s << " s for " << text << "; got: " << rx);
        return false;
    }

private:
    int fd_ = -1;
};

/// Bytes a terminal sends in data mode: any 8-bit value for 8N1; for 7E1 seven data bits with the
/// parity bit in bit 7, exactly what a 7E1 terminal's UART would put on the wire.
std::string data_block(std::size_t n, bool seven_e1, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string d(n, '\0');
    for (auto& c : d) {
        const auto v = static_cast<std::uint8_t>(rng());
        c = static_cast<char>(seven_e1 ? with_even_parity(v) : v);
    }
    return d;
}

/// Both terminals send their data at once and read until each has what the other sent.
void exchange(Terminal& a, Terminal& b, const std::string& a_sends, const std::string& b_sends, double timeout_s) {
    std::size_t sent_a = 0, sent_b = 0;
    for (const auto t0 = Clock::now(); seconds_since(t0) < timeout_s;) {
        a.write_some(a_sends, sent_a);
        b.write_some(b_sends, sent_b);
        a.poll_in(5);
        b.poll_in(5);
        if (a.rx.size() >= b_sends.size() && b.rx.size() >= a_sends.size()) break;
    }
    CHECK(sent_a == a_sends.size());
    CHECK(sent_b == b_sends.size());
    REQUIRE(b.rx.size() == a_sends.size());
    REQUIRE(a.rx.size() == b_sends.size());
    CHECK(b.rx == a_sends);  // byte-exact, parity bits included
    CHECK(a.rx == b_sends);
    a.rx.clear();
    b.rx.clear();
}

/// Escape to command mode the Hayes way: 1 s of silence (S12 = 50), "+++", 1 s of silence.
void escape(Terminal& t) {
    sleep_s(1.2);
    t.write_raw("+++");  // '+' is sent as is: the engine compares the escape on its 7 data bits
    sleep_s(1.2);
}

struct CallFigures {
    double connect_s = 0.0;
    double data_s = 0.0;
};

/// One call from A to B (which answers to 5551234 with S0=1), in 8N1 or 7E1, as a user would
/// make it: dial, data both ways, +++, ATO, data, +++, ATH.
CallFigures call(Terminal& a, Terminal& b, bool seven_e1, std::size_t bytes, std::uint64_t seed) {
    CallFigures f;
    a.seven_e1 = b.seven_e1 = seven_e1;
    a.rx.clear();
    b.rx.clear();
    // "AT" in the terminal's parity: both engines detect the format from it.
    b.type("ATS0=1\r");
    REQUIRE(b.expect("OK", 5.0));
    const auto t0 = Clock::now();
    a.type("ATD5551234\r");
    REQUIRE(b.expect("RING", 30.0));
    REQUIRE(a.expect("CONNECT 2400", 40.0));
    REQUIRE(b.expect("CONNECT 2400", 5.0));
    f.connect_s = seconds_since(t0);
    CHECK(a.rx.empty());
    CHECK(b.rx.empty());

    const auto t1 = Clock::now();
    exchange(a, b, data_block(bytes, seven_e1, seed), data_block(bytes, seven_e1, seed + 1), 40.0);
    f.data_s = seconds_since(t1);

    escape(a);
    REQUIRE(a.expect("OK", 3.0));
    a.type("ATO\r");
    REQUIRE(a.expect("CONNECT 2400", 3.0));
    exchange(a, b, data_block(64, seven_e1, seed + 2), data_block(64, seven_e1, seed + 3), 10.0);

    escape(a);
    REQUIRE(a.expect("OK", 3.0));
    a.type("ATH\r");
    CHECK(a.expect("OK", 3.0));
    CHECK(b.expect("NO CARRIER", 10.0));
    return f;
}


fs::path scratch_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / (name + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

void check_one_line_error(const test::ProcessResult& r) {
    CAPTURE(r.err);
    CHECK(r.signal == 0);
    CHECK(r.exit_code > 0);
    CHECK(r.exit_code != 127);
    CHECK(test::count_lines(r.err) == 1);
    CHECK(r.err.rfind("squeal: ", 0) == 0);
    CHECK(r.out.empty());
}
}  // namespace

TEST_CASE("pty: bad options are one line and a non-zero exit") {
    check_one_line_error(test::run({kSqueal, "pty", "--format", "9Z1"}));
    check_one_line_error(test::run({kSqueal, "pty", "--number", "555X"}));
    check_one_line_error(test::run({kSqueal, "pty", "--link", "/nonexistent-dir/x/modem"}));
    check_one_line_error(test::run({kSqueal, "pty", "--fast", "--audio", "some_device"}));
    check_one_line_error(test::run({kSqueal, "pty", "--audio", "no_such_device_xyz"}));
    check_one_line_error(test::run({kSqueal, "pty", "--events", "/nonexistent-dir/x/e.json"}));
    check_one_line_error(test::run({kSqueal, "pty", "--latency", "9"}));
}

TEST_CASE("pty: AT commands on a silent line give Hayes results, and SIGTERM exits cleanly") {
    const fs::path dir = scratch_dir("squeal-pty-at");
    const std::string link = (dir / "modem").string();
    // No --audio and no --in: the line is silence (no dial tone, nobody answers).
    PtyProcess modem({"/usr/bin/timeout", "60", kSqueal, "pty", "--link", link, "-q"}, "/dev/null",
                     (dir / "out").string(), (dir / "err").string());
    Terminal t(link, 10.0);
    t.type("ATI3\r");
    CHECK(t.expect("squeal 0.1.0", 3.0));
    CHECK(t.expect("OK", 1.0));
    // X4 (default): dial tone required; S6 = 2 s without one.
    t.type("ATD5551234\r");
    CHECK(t.expect("NO DIALTONE", 6.0));
    // X3 dials blind; nobody answers within S7 = 1 s after the digits.
    t.type("ATX3S7=1D5551234\r");
    CHECK(t.expect("NO ANSWER", 8.0));
    // A keypress while the call is set up abandons it (Hayes).
    t.type("ATS7=30D5551234\r");
    sleep_s(0.5);
    t.type("x");
    CHECK(t.expect("NO CARRIER", 3.0));
    // ATO with no connection is an error.
    t.type("ATO\r");
    CHECK(t.expect("ERROR", 2.0));
    CHECK(modem.stop() == 0);
    CHECK(modem.out().rfind("squeal pty: /dev/pts/", 0) == 0);
    CHECK(!fs::exists(fs::symlink_status(link)));
    fs::remove_all(dir);
}

TEST_CASE("pty: two modems over two FIFOs call, carry 8N1 and 7E1 data byte-exact, and obey +++, ATO, ATH") {
    const fs::path dir = scratch_dir("squeal-pty-pipe");
    const std::string ab = (dir / "ab").string(), ba = (dir / "ba").string();
    REQUIRE(mkfifo(ab.c_str(), 0600) == 0);
    REQUIRE(mkfifo(ba.c_str(), 0600) == 0);
    const std::string link_a = (dir / "A").string(), link_b = (dir / "B").string();
    const std::string events_b = (dir / "b.json").string();
    // --fast: the lockstep pipe line runs as fast as the CPU allows (no sound server, no real time).
    PtyProcess a({"/usr/bin/timeout", "120", kSqueal, "pty", "--audio", "pipe", "--fast", "--link", link_a}, ba, ab,
                 (dir / "a.err").string());
    PtyProcess b({"/usr/bin/timeout", "120", kSqueal, "pty", "--audio", "pipe", "--fast", "--number", "5551234",
                  "--link", link_b, "--events", events_b},
                 ab, ba, (dir / "b.err").string(), /*out_first=*/true);
    {
        Terminal ta(link_a, 10.0), tb(link_b, 10.0);
        // 8N1 then 7E1 on the same pair: B listens again after the first call.
        const auto f1 = call(ta, tb, false, 2048, 101);
        const auto f2 = call(ta, tb, true, 2048, 201);
        MESSAGE("pipe: connect " << f1.connect_s << " s / " << f2.connect_s << " s wall time");
    }
    CHECK(a.stop() == 0);
    CHECK(b.stop() == 0);
    CAPTURE(b.err().substr(0, 3000));
    CHECK(a.err().find("squeal pty: /dev/pts/") != std::string::npos);  // stdout carries the audio
    CHECK(!fs::exists(fs::symlink_status(link_a)));
    CHECK(!fs::exists(fs::symlink_status(link_b)));
    // DCD and RI cannot be set on a Linux pty: they are in the events.
    const std::string ev = test::read_all(events_b);
    CHECK(ev.find(R"("event":"info","source":"pty","name":"RI")") != std::string::npos);
    CHECK(ev.find(R"("event":"carrier_on","source":"pty","name":"DCD")") != std::string::npos);
    CHECK(ev.find(R"("event":"carrier_off","source":"pty","name":"DCD")") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("pty: two modems over the virtual cables carry 7E1 and 8N1 data byte-exact and obey +++, ATO, ATH" *
          doctest::test_suite("portaudio")) {
    if (!test::cables_or_skip(kSqueal)) return;
    const fs::path dir = scratch_dir("squeal-pty-cable");
    const std::string link_a = (dir / "A").string(), link_b = (dir / "B").string();
    const auto t0 = Clock::now();
    PtyProcess a({"/usr/bin/timeout", "150", kSqueal, "pty", "--audio", "modem_a", "--latency", "0.1", "--link", link_a},
                 "/dev/null", (dir / "a.out").string(), (dir / "a.err").string());
    PtyProcess b({"/usr/bin/timeout", "150", kSqueal, "pty", "--audio", "modem_b", "--latency", "0.1", "--number",
                  "5551234", "--link", link_b},
                 "/dev/null", (dir / "b.out").string(), (dir / "b.err").string());
    {
        Terminal ta(link_a, 10.0), tb(link_b, 10.0);
        const auto f1 = call(ta, tb, true, 2048, 301);
        const auto f2 = call(ta, tb, false, 2048, 401);
        MESSAGE("cables: connect " << f1.connect_s << " s (7E1) / " << f2.connect_s << " s (8N1), 2 kB each way in "
                                   << f1.data_s << " s / " << f2.data_s << " s");
    }
    CHECK(a.stop() == 0);
    CHECK(b.stop() == 0);
    CAPTURE(a.err().substr(0, 3000));
    CAPTURE(b.err().substr(0, 3000));
    CHECK(a.out().rfind("squeal pty: /dev/pts/", 0) == 0);
    CHECK(b.out().rfind("squeal pty: /dev/pts/", 0) == 0);
    MESSAGE("cable test: " << seconds_since(t0) << " s");
    fs::remove_all(dir);
}
