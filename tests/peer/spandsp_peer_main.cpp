// SPDX-License-Identifier: MIT
/// \file
/// `squeal-test-spandsp-peer call|answer`: a spandsp-based modem program (test-only) speaking raw
/// s16le 8 kHz mono on stdin/stdout in lockstep, so `squeal call|answer --audio pipe` can be
/// tested against an independent modem through two FIFOs. V.8 (or the V.25 answer tone with
/// --no-v8), then V.22bis, then --send bytes out and received bytes to --recv. It hangs up (goes
/// silent and exits) once it has sent everything and heard nothing for --idle seconds, or when the
/// far carrier has been gone for 0.5 s, or at end of input.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/spandsp_peer.hpp"

namespace {

constexpr int kBlock = 160;
constexpr double kGoneDbm0 = -45.0;  // below spandsp's default carrier cut-off (-45.5 dBm0 region)

bool read_block(std::int16_t* x) {
    auto* p = reinterpret_cast<char*>(x);
    std::size_t want = kBlock * sizeof(std::int16_t);
    while (want > 0) {
        const ssize_t n = ::read(STDIN_FILENO, p, want);
        if (n <= 0) return false;
        p += n;
        want -= static_cast<std::size_t>(n);
    }
    return true;
}

bool write_block(const std::int16_t* x) {
    const auto* p = reinterpret_cast<const char*>(x);
    std::size_t left = kBlock * sizeof(std::int16_t);
    while (left > 0) {
        const ssize_t n = ::write(STDOUT_FILENO, p, left);
        if (n <= 0) return false;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return true;
}

int usage(const char* why) {
    std::fprintf(stderr, "squeal-test-spandsp-peer: %s\n", why);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage("usage: call|answer [--no-v8] [--rate 2400|1200] [--guard 0|550|1800] [--send F] [--recv F] [--idle S]");
    test::SpandspPeer::Config cfg;
    const std::string role = argv[1];
    if (role != "call" && role != "answer") return usage("first argument must be call or answer");
    cfg.answerer = role == "answer";
    std::string send, recv;
    double idle_s = 1.0;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has = i + 1 < argc;
        if (a == "--no-v8") cfg.v8 = false;
        else if (a == "--rate" && has) cfg.rate = std::stoi(argv[++i]);
        else if (a == "--guard" && has) {
            const std::string g = argv[++i];
            cfg.guard = g == "550" ? V22BIS_GUARD_TONE_550HZ : g == "1800" ? V22BIS_GUARD_TONE_1800HZ : V22BIS_GUARD_TONE_NONE;
        } else if (a == "--send" && has) send = argv[++i];
        else if (a == "--recv" && has) recv = argv[++i];
        else if (a == "--idle" && has) idle_s = std::stod(argv[++i]);
        else return usage(("bad argument " + a).c_str());
    }
    if (!send.empty()) {
        std::ifstream f(send, std::ios::binary);
        if (!f) return usage(("cannot read " + send).c_str());
        cfg.send.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    std::signal(SIGPIPE, SIG_IGN);  // a closed pipe ends the loops through write()'s error instead
    test::SpandspPeer peer(cfg);
    std::int16_t in[kBlock] = {}, out[kBlock] = {};
    if (!write_block(out)) return 1;  // lockstep: one block before the first read
    std::size_t last_count = 0;
    std::int64_t last_rx = 0, gone_since = -1;
    while (read_block(in)) {
        peer.process(in, out, kBlock);
        const std::int64_t now = peer.samples();
        if (peer.received().size() != last_count) {
            last_count = peer.received().size();
            last_rx = now;
        }
        if (peer.trained()) {
            if (last_rx == 0) last_rx = now;
            gone_since = test::SpandspPeer::level_dbm0(in, kBlock) < kGoneDbm0 ? (gone_since < 0 ? now : gone_since) : -1;
            const bool idle = peer.sent_all() && (now - last_rx) > static_cast<std::int64_t>(idle_s * 8000);
            const bool gone = gone_since >= 0 && now - gone_since > 4000;
            if (idle || gone) {
                std::fprintf(stderr, "spandsp peer: %s, %zu bytes received at %d bit/s\n",
                             gone ? "far carrier gone" : "hanging up", peer.received().size(), peer.bit_rate());
                break;
            }
        }
        if (!write_block(out)) break;
    }
    // What arrived is saved first: the far end may close the pipe as soon as our carrier goes.
    if (!recv.empty()) {
        std::ofstream f(recv, std::ios::binary);
        f.write(reinterpret_cast<const char*>(peer.received().data()), static_cast<std::streamsize>(peer.received().size()));
    }
    // Hang up: a little silence so the far end hears the carrier go, then close.
    std::memset(out, 0, sizeof out);
    for (int i = 0; i < 50 && read_block(in) && write_block(out); ++i) {
    }
    return peer.trained() ? 0 : 4;
}
