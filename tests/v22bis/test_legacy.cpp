// SPDX-License-Identifier: MIT
/// \file
/// Starting conditions of the V.22bis pump (protocols.md 8.2, 8.3): a caller started while the
/// V.25 answer tone is still on the line, and pumps started mid-stream after V.8 with no initial
/// silence, at arbitrary line times and block offsets.
#include <doctest/doctest.h>

#include <memory>

#include "call_sim.hpp"
#include "gap_check.hpp"
#include "modem/tones/tone_gen.hpp"

using namespace modem::v22bis;
using modem::EventKind;
using modem::dsp::ms_to_samples;
using test::v22::CallSim;

namespace {
bool both_connected(const CallSim& s) { return s.caller.modem->connected() && s.answerer.modem->connected(); }
}  // namespace

TEST_CASE("Legacy: a caller started during ANS (with and without reversals) waits for USB1 and connects at 2400") {
    for (bool reversals : {false, true}) {
        for (std::uint64_t seed : {1u, 2u}) {
            CAPTURE(reversals);
            CAPTURE(seed);
            // protocols.md 8.3: ANS 3.3 s, 75 ms of silence, then USB1. The answering pump starts at
            // the end of ANS with its own 75 ms initial silence; the caller starts 0.5 s into ANS.
            auto ans = std::make_shared<modem::tones::ToneSequence>(
                modem::tones::ans({.duration_ms = 3300.0, .reversals = reversals}));
            const SampleTime ans_end = ans->total_samples();
            modem::audio::SimLine::Config line = test::v22::impaired_line(20.0, 0.0, 0.0, seed);
            CallSim sim({.line = line,
                         .caller_start = ms_to_samples(500),
                         .answerer_start = ans_end,
                         .answerer_prelude = [ans](std::span<float> out) { ans->generate(out); },
                         .seed = seed});
            REQUIRE(sim.run_until([&] { return both_connected(sim); }, 3300.0 + 2500.0));
            CHECK(sim.caller.modem->rate() == Rate::Bps2400);
            CHECK(sim.answerer.modem->rate() == Rate::Bps2400);
            // The caller must not take ANS for USB1: its 155 ms qualification ends after the USB1 start.
            const modem::Event* q = sim.caller.find(EventKind::StateEntered, "Silence456");
            REQUIRE(q != nullptr);
            const SampleTime usb1_on_line = ans_end + ms_to_samples(75);
            CHECK(sim.caller_to_line(q->at) >= usb1_on_line + ms_to_samples(145));
            CHECK(sim.caller_to_line(q->at) <= usb1_on_line + ms_to_samples(260));  // + line delay, detection
            CHECK(sim.caller.count(EventKind::Failed) == 0);
            CHECK(sim.answerer.count(EventKind::Failed) == 0);
            sim.run_ms(1000);
            // Data both ways, exact (20 dB is far above the 2400 bit/s error floor).
            const auto a = test::v22::check_gap(sim.caller.sent.bits, sim.answerer.got);
            const auto b = test::v22::check_gap(sim.answerer.sent.bits, sim.caller.got);
            CHECK(a.prefix > 2000);
            CHECK(b.prefix > 2000);
            CHECK_FALSE(a.resumed);
            CHECK_FALSE(b.resumed);
        }
    }
}

TEST_CASE("Modem: pumps started mid-stream at arbitrary line times, answerer with no initial silence, connect at 2400") {
    for (std::size_t block : {160u, 37u}) {
        CAPTURE(block);
        CallSim sim({.line = test::v22::impaired_line(25.0, 3.0, 30.0, 9),
                     .answerer = {.role = Role::Answerer, .initial_silence = 0},
                     .block = block,
                     .caller_start = 12345,  // not on a block or symbol boundary
                     .answerer_start = 20001,
                     .seed = 9});
        REQUIRE(sim.run_until([&] { return both_connected(sim); }, 6000.0));
        CHECK(sim.caller.modem->rate() == Rate::Bps2400);
        // With no initial silence, USB1 starts with the answerer's first symbols.
        const modem::Event* u = sim.answerer.find(EventKind::StateEntered, "SendUsb1");
        REQUIRE(u != nullptr);
        CHECK(u->at <= ms_to_samples(20));
        // The answerer's clock starts at its first process() call.
        CHECK(sim.answerer.modem->now() == sim.now() - 20001);
        sim.run_ms(1500);
        const auto g = test::v22::check_gap(sim.caller.sent.bits, sim.answerer.got);
        const auto h = test::v22::check_gap(sim.answerer.sent.bits, sim.caller.got);
        CHECK(g.start_found);
        CHECK(h.start_found);
        CHECK(g.prefix > 2400);
        CHECK(h.prefix > 2400);
        CHECK_FALSE(g.resumed);  // one unbroken exact stream each way
        CHECK_FALSE(h.resumed);
    }
}
