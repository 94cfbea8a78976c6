// SPDX-License-Identifier: MIT
/// \file
/// Two of our sessions joined back to back: call progress outcomes (busy, no answer, no dial
/// tone, a wrong number left unanswered), the answer tone paths, hang-up rules, back-pressure,
/// ringing until answer(), and the same line signal whatever the block size.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "audio/sim_line.hpp"
#include "dsp/kernels/kernels.hpp"
#include "modem/session/session.hpp"
#include "modem/tones/tone_gen.hpp"

using namespace modem;
using session::End;
using session::Phase;
using session::Role;
using session::Session;

namespace {

/// Runs a caller against an answerer (one block of delay each way, like a 4-wire line) until
/// both have ended or `seconds` pass. `step` is called after every block.
template <class Step>
void run_pair(Session& a, Session& b, double seconds, std::size_t block, Step&& step) {
    std::vector<float> a_in(block, 0.0f), a_out(block), b_in(block, 0.0f), b_out(block);
    const auto limit = static_cast<dsp::SampleTime>(seconds * dsp::kFsHz);
    for (dsp::SampleTime t = 0; t < limit; t += static_cast<dsp::SampleTime>(block)) {
        a.process(a_in, a_out);
        b.process(b_in, b_out);
        a_in = b_out;
        b_in = a_out;
        step();
        if (a.ended() && b.ended()) return;
    }
}

std::vector<std::uint8_t> bytes(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& x : v) x = static_cast<std::uint8_t>(rng());
    return v;
}

/// One end fed by a tone sequence (the "network") instead of a modem.
End caller_against(const tones::ToneSequence::Config& network, Session::Config cfg, double seconds) {
    Session s(cfg);
    tones::ToneSequence net(network);
    std::array<float, 160> in{}, out{};
    for (dsp::SampleTime t = 0; t < static_cast<dsp::SampleTime>(seconds * dsp::kFsHz) && !s.ended(); t += 160) {
        net.generate(in);
        s.process(in, out);
    }
    return s.end();
}

}  // namespace

TEST_CASE("Session: busy tone after dialling ends in BUSY, no tone at all in NO ANSWER") {
    Session::Config c{.role = Role::Caller, .number = "5551234", .answer_wait_s = 8.0};
    CHECK(caller_against(tones::busy(), c, 15.0) == End::Busy);
    tones::ToneSequence::Config silence{.segments = {tones::ToneSegment{.tones = {}, .duration = tones::kForever}}};
    CHECK(caller_against(silence, c, 15.0) == End::NoAnswer);
    c.v8 = false;  // the legacy caller's own wait
    CHECK(caller_against(silence, c, 15.0) == End::NoAnswer);
    CHECK(caller_against(tones::busy(), c, 15.0) == End::Busy);
}

TEST_CASE("Session: waiting for dial tone gives NO DIALTONE on a silent line and dials on dial tone") {
    Session::Config c{.role = Role::Caller, .number = "12", .wait_dial_tone = true, .dial_tone_wait_s = 3.0};
    tones::ToneSequence::Config silence{.segments = {tones::ToneSegment{.tones = {}, .duration = tones::kForever}}};
    CHECK(caller_against(silence, c, 5.0) == End::NoDialtone);
    Session s(c);
    tones::ToneSequence net(tones::dial());
    std::array<float, 160> in{}, out{};
    bool dialled = false;
    for (int i = 0; i < 100 && !dialled; ++i) {
        net.generate(in);
        s.process(in, out);
        dialled = s.phase() == Phase::Dialling;
    }
    CHECK(dialled);
    CHECK(dsp::samples_to_seconds(s.now()) >= 1.0);  // dial tone heard for dial_tone_min_s first
}

TEST_CASE("Session: an answerer waiting for 5551234 ignores another number and answers its own") {
    for (const char* dialled : {"5551299", "5551234"}) {
        CAPTURE(dialled);
        Session caller({.role = Role::Caller, .number = dialled, .answer_wait_s = 12.0});
        Session answerer({.role = Role::Answerer, .answer_number = "5551234"});
        run_pair(caller, answerer, 15.0, 160, [] {});
        const bool ours = std::string(dialled) == "5551234";
        CHECK((answerer.digits().find(dialled) != std::string::npos || !ours));
        CHECK((answerer.phase() == Phase::WaitCall) == !ours);
        CHECK(caller.connection().has_value() == ours);
        if (!ours) CHECK(caller.end() == End::NoAnswer);
    }
}

TEST_CASE("Session: an answerer waiting for any call answers whatever number is dialled") {
    Session caller({.role = Role::Caller, .number = "0800", .answer_wait_s = 12.0});
    Session answerer({.role = Role::Answerer, .answer_any = true});
    run_pair(caller, answerer, 15.0, 160, [&] {
        if (caller.connection() && answerer.connection()) caller.hangup();
    });
    CHECK(answerer.digits() == "0800");
    CHECK(answerer.connection().has_value());
    CHECK(caller.connection().has_value());
}

TEST_CASE("Session: ringing until answer() counts rings, and the call connects only after it") {
    Session caller({.role = Role::Caller, .number = "42", .answer_wait_s = 30.0});
    Session answerer({.role = Role::Answerer, .answer_number = "42", .auto_answer = false, .ring_cycle_s = 2.0});
    double answered_at = -1;
    run_pair(caller, answerer, 20.0, 160, [&] {
        if (answerer.rings() >= 3 && answered_at < 0) {
            answered_at = dsp::samples_to_seconds(answerer.now());
            answerer.answer();
        }
        if (caller.connection() && answerer.connection()) caller.hangup();
    });
    CHECK(answerer.rings() == 3);
    REQUIRE(answerer.connection().has_value());
    CHECK(dsp::samples_to_seconds(answerer.connection()->at) > answered_at);
    CHECK(answered_at >= 4.0);  // the third ring starts 2 cycles after the first
}

TEST_CASE("Session: bytes written before CONNECT wait for it, and back-pressure holds the rest") {
    Session caller({.role = Role::Caller, .tx_queue = 64});
    Session answerer({.role = Role::Answerer});
    const auto data = bytes(3000, 5);
    std::size_t offered = 0;
    std::vector<std::uint8_t> got;
    std::array<std::uint8_t, 256> buf{};
    std::size_t max_taken = 0;
    offered += caller.write(data);
    CHECK(offered == 64);  // the queue size, nothing more
    CHECK(caller.writable() == 0);
    run_pair(caller, answerer, 40.0, 160, [&] {
        const std::size_t took = caller.write(std::span<const std::uint8_t>(data).subspan(offered));
        max_taken = std::max(max_taken, took);
        offered += took;
        for (std::size_t n; (n = answerer.read(buf)) > 0;) got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        if (offered == data.size() && caller.tx_drained() && caller.phase() == Phase::Data) caller.hangup();
    });
    CHECK(max_taken <= 64);
    CHECK(caller.end() == End::LocalHangup);
    CHECK(answerer.end() == End::CarrierLost);
    CHECK(got == data);  // everything accepted arrived before the hang-up was reported
    CHECK(caller.stats().bytes_sent == data.size());
    CHECK(answerer.stats().bytes_received == data.size());
}

TEST_CASE("Session: hanging up before CONNECT ends at once, and write() refuses bytes after hangup()") {
    Session caller({.role = Role::Caller, .number = "1"});
    std::array<float, 160> in{}, out{};
    caller.process(in, out);
    caller.hangup();
    CHECK(caller.ended());
    CHECK(caller.end() == End::LocalHangup);
    const std::uint8_t b[1] = {1};
    CHECK(caller.write(b) == 0);
    caller.process(in, out);
    for (float x : out) CHECK(x == 0.0f);
}

TEST_CASE("Session: the caller's line signal and events do not depend on the block size") {
    auto run = [](std::size_t block) {
        TraceBuffer trace(1 << 14);
        Session caller({.role = Role::Caller, .number = "5551234", .trace = &trace});
        Session answerer({.role = Role::Answerer, .answer_number = "5551234"});
        std::vector<float> line;
        std::vector<float> a_in(block, 0.0f), a_out(block), b_in(block, 0.0f), b_out(block);
        // Same one-160-sample delay each way for every block size: a delay line of 160.
        std::vector<float> ab(160, 0.0f), ba(160, 0.0f);
        for (dsp::SampleTime t = 0; t < 10 * dsp::kFsHz; t += static_cast<dsp::SampleTime>(block)) {
            for (std::size_t i = 0; i < block; ++i) {
                a_in[i] = ba[static_cast<std::size_t>(t + static_cast<dsp::SampleTime>(i)) % 160];
                b_in[i] = ab[static_cast<std::size_t>(t + static_cast<dsp::SampleTime>(i)) % 160];
            }
            caller.process(a_in, a_out);
            answerer.process(b_in, b_out);
            for (std::size_t i = 0; i < block; ++i) {
                ab[static_cast<std::size_t>(t + static_cast<dsp::SampleTime>(i)) % 160] = a_out[i];
                ba[static_cast<std::size_t>(t + static_cast<dsp::SampleTime>(i)) % 160] = b_out[i];
            }
            line.insert(line.end(), a_out.begin(), a_out.end());
        }
        std::vector<std::pair<dsp::SampleTime, std::string>> ev;
        for (const auto& e : trace.events()) ev.emplace_back(e.at, std::string(e.source) + ":" + std::string(e.name));
        return std::make_pair(line, ev);
    };
    const auto ref = run(160);
    const auto odd = run(32);  // divides 160, so the loop delay stays exactly 160 samples
    CHECK(ref.second == odd.second);
    CHECK(ref.first == odd.first);
    bool connected = false;
    for (const auto& e : ref.second) connected = connected || e.second == "session:2400";
    CHECK(connected);
}

TEST_CASE("Session: bad configurations throw one line") {
    CHECK_THROWS_AS(Session({.role = Role::Caller, .number = "12x"}), std::invalid_argument);
    CHECK_THROWS_AS(Session({.role = Role::Caller, .guard = v22bis::GuardTone::Hz1800}), std::invalid_argument);
    CHECK_THROWS_AS(Session({.role = Role::Answerer, .answer_number = "5#5?"}), std::invalid_argument);
}
