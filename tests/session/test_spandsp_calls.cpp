// SPDX-License-Identifier: MIT
/// \file
/// Whole calls against spandsp (test-only independent modem): our session as caller and as
/// answerer, with V.8 in front and on the legacy V.25 path, at 2400 and 1200, with every guard
/// tone, 2 kB each way byte-exact; and our 2400 session falling back against a 1200-only spandsp.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "dsp/kernels/kernels.hpp"
#include "modem/session/session.hpp"
#include "support/spandsp_peer.hpp"

using namespace modem;

namespace {

constexpr std::size_t kBlock = 160;

std::vector<std::uint8_t> payload(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng());
    return v;
}

struct Case {
    bool we_call = true;
    bool v8 = true;
    int our_rate = 2400;
    int their_rate = 2400;
    int guard = 0;  // 0, 550, 1800
};

struct Outcome {
    std::optional<session::ConnectInfo> ours;
    int their_rate = 0;
    std::vector<std::uint8_t> we_got, they_got, we_sent, they_sent;
    session::End end = session::End::None;
    std::string timeline;  // our events, for failure messages
};

Outcome call(const Case& c, std::size_t bytes = 2048) {
    Outcome o;
    o.we_sent = payload(bytes, 1);
    o.they_sent = payload(bytes, 2);
    session::Session::Config sc;
    sc.role = c.we_call ? session::Role::Caller : session::Role::Answerer;
    sc.v8 = c.v8;
    sc.max_rate = c.our_rate == 1200 ? v22bis::Rate::Bps1200 : v22bis::Rate::Bps2400;
    if (!c.we_call)
        sc.guard = c.guard == 550 ? v22bis::GuardTone::Hz550 : c.guard == 1800 ? v22bis::GuardTone::Hz1800 : v22bis::GuardTone::None;
    TraceBuffer trace(1 << 16);
    sc.trace = &trace;
    session::Session ours(sc);
    test::SpandspPeer::Config pc;
    pc.answerer = c.we_call;
    pc.v8 = c.v8;
    pc.rate = c.their_rate;
    pc.guard = c.guard == 550 ? V22BIS_GUARD_TONE_550HZ : c.guard == 1800 ? V22BIS_GUARD_TONE_1800HZ : V22BIS_GUARD_TONE_NONE;
    pc.send = o.they_sent;
    test::SpandspPeer theirs(pc);

    std::vector<std::int16_t> to_us(kBlock, 0), to_them(kBlock, 0);
    std::vector<float> in(kBlock), out(kBlock);
    std::size_t offered = 0;
    std::array<std::uint8_t, 512> buf{};
    // Set-up (< 10 s) plus 2 kB at 1200 bit/s (~17 s) with margin.
    const auto limit = static_cast<dsp::SampleTime>(40 * dsp::kFsHz);
    for (dsp::SampleTime t = 0; t < limit; t += static_cast<dsp::SampleTime>(kBlock)) {
        dsp::kernels::s16_to_f32(to_us, in);
        ours.process(in, out);
        dsp::kernels::f32_to_s16(out, to_them);
        theirs.process(to_them.data(), to_us.data(), static_cast<int>(kBlock));
        if (offered < o.we_sent.size())
            offered += ours.write(std::span<const std::uint8_t>(o.we_sent).subspan(offered));
        for (std::size_t n; (n = ours.read(buf)) > 0;) o.we_got.insert(o.we_got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        if (ours.ended()) break;
        if (o.we_got.size() == o.they_sent.size() && theirs.received().size() == o.we_sent.size()) break;
    }
    o.ours = ours.connection();
    for (const auto& e : trace.events())
        if (!(e.kind == EventKind::Info && e.name == "quality")) o.timeline += to_json(e) + "\n";
    o.timeline += "spandsp v8 status " + std::to_string(theirs.v8_status()) + " in pump " + std::to_string(theirs.in_pump()) +
                  " trained " + std::to_string(theirs.trained()) + "\n";
    o.their_rate = theirs.bit_rate();
    o.they_got = theirs.received();
    o.end = ours.end();
    return o;
}

void check_exchange(const Outcome& o, int rate, const char* start_up) {
    CAPTURE(o.timeline);
    if (std::getenv("SQUEAL_TEST_TRACE")) std::fputs(o.timeline.c_str(), stderr);
    REQUIRE(o.ours.has_value());
    CHECK(o.ours->rate_bps == rate);
    CHECK(o.their_rate == rate);
    CHECK(o.ours->start_up == std::string_view(start_up));
    CHECK(o.end == session::End::None);
    CHECK(o.we_got == o.they_sent);  // spandsp -> us, byte-exact
    CHECK(o.they_got == o.we_sent);  // us -> spandsp, byte-exact
}

}  // namespace

TEST_CASE("spandsp calls: V.8 then V.22bis at 2400, both roles, every guard tone, 2 kB each way") {
    for (const bool we_call : {true, false}) {
        for (const int guard : {0, 550, 1800}) {
            CAPTURE(we_call);
            CAPTURE(guard);
            check_exchange(call({.we_call = we_call, .v8 = true, .guard = guard}), 2400, "V.8");
        }
    }
}

TEST_CASE("spandsp calls: legacy V.25 answer tone then V.22bis at 2400, both roles, every guard tone") {
    for (const bool we_call : {true, false}) {
        for (const int guard : {0, 550, 1800}) {
            CAPTURE(we_call);
            CAPTURE(guard);
            check_exchange(call({.we_call = we_call, .v8 = false, .guard = guard}), 2400, "V.25");
        }
    }
}

TEST_CASE("spandsp calls: 1200 bit/s with and without V.8, both roles") {
    for (const bool we_call : {true, false}) {
        for (const bool v8 : {true, false}) {
            CAPTURE(we_call);
            CAPTURE(v8);
            check_exchange(call({.we_call = we_call, .v8 = v8, .our_rate = 1200, .their_rate = 1200}), 1200,
                           v8 ? "V.8" : "V.25");
        }
    }
}

TEST_CASE("spandsp calls: our 2400 session falls back to 1200 against a 1200-only spandsp, both roles") {
    for (const bool we_call : {true, false}) {
        CAPTURE(we_call);
        check_exchange(call({.we_call = we_call, .v8 = true, .our_rate = 2400, .their_rate = 1200}, 1024), 1200, "V.8");
    }
}
