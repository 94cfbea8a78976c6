// SPDX-License-Identifier: MIT
/// \file
/// Scripted-observation tests of the V.22bis handshake state machine (V.22bis 6.3.1.1, 6.3.1.2).
#include <doctest/doctest.h>

#include <cmath>
#include <string_view>
#include <vector>

#include "modem/v22bis/fsm.hpp"

using namespace modem::v22bis;
using modem::dsp::ms_to_samples;

namespace {
struct Script {
    std::vector<std::string_view> path;
    std::vector<SampleTime> times;
    HandshakeFsm fsm;
    SampleTime now = 0;
    explicit Script(HandshakeFsm::Config cfg)
        : fsm(cfg, [this](const Transition& t) {
              path.push_back(to_string(t.to));
              times.push_back(t.at);
          }) {}
    /// Steps once per symbol (every 40/3 samples, rounded here) for `ms`, with observations made by `obs(now)`.
    template <class F>
    void run_ms(double ms, F obs) {
        for (const SampleTime end = now + ms_to_samples(ms); now < end; now += 13) fsm.step(now, obs(now));
    }
    SampleTime at(std::string_view state) const {
        for (std::size_t i = 0; i < path.size(); ++i)
            if (path[i] == state) return times[i];
        return -1;
    }
};
Observations none(SampleTime) { return {}; }
}  // namespace

TEST_CASE("HandshakeFsm: caller path to 2400 with the V.22bis timers") {
    Script s({.role = Role::Caller});
    s.run_ms(100, none);
    const SampleTime usb1_start = s.now;
    s.run_ms(300, [&](SampleTime) { return Observations{.carrier = true, .usb1_since = usb1_start}; });
    CHECK(s.fsm.tx_signal() == TxSignal::Silence);
    CHECK(std::abs(s.at("Silence456") - (usb1_start + ms_to_samples(155))) <= 13);
    s.run_ms(500, [&](SampleTime) { return Observations{.carrier = true, .usb1_since = usb1_start}; });
    CHECK(std::abs(s.at("SendS1") - (s.at("Silence456") + ms_to_samples(456))) <= 13);
    // Answerer's S1 from 100 ms into our SB1 for 100 ms, then its SB1.
    const SampleTime s1_start = s.now;
    s.run_ms(100, [&](SampleTime t) { return Observations{.carrier = true, .s1_since = s1_start, .s1_last = t}; });
    const SampleTime s1_end = s.now - 13;
    s.run_ms(400, [&](SampleTime) { return Observations{.carrier = true, .s1_last = s1_end}; });
    CHECK(s.fsm.rate() == Rate::Bps2400);
    CHECK_FALSE(s.fsm.sixteen_point());
    s.run_ms(100, [&](SampleTime) { return Observations{.carrier = true, .s1_last = s1_end}; });
    CHECK(s.fsm.sixteen_point());
    CHECK(std::abs(s.at("Train1200Sixteen") - (s1_end + ms_to_samples(450))) <= 13);
    s.run_ms(100, [&](SampleTime) { return Observations{.carrier = true, .s1_last = s1_end}; });
    CHECK(std::abs(s.at("SendSb2400") - (s1_end + ms_to_samples(600))) <= 13);
    CHECK(s.fsm.tx_signal() == TxSignal::ScrambledOnes2400);
    // Far end's SB1 at 2400: 32 ones -> circuit 109.
    const SampleTime ones_start = s.now;
    s.run_ms(300, [&](SampleTime t) {
        return Observations{.carrier = true, .s1_last = s1_end, .ones_run = (t - ones_start) / 3, .ones_since = ones_start};
    });
    CHECK(s.fsm.rx_data());
    CHECK(s.path == std::vector<std::string_view>{"Silence456", "SendS1", "WaitReply", "S1Heard", "Train1200",
                                                  "Train1200Sixteen", "SendSb2400", "Data"});
    CHECK(s.fsm.tx_signal() == TxSignal::Data2400);
}

TEST_CASE("HandshakeFsm: answerer path to 2400 replies to S1 with its own S1") {
    Script s({.role = Role::Answerer});
    s.run_ms(200, none);
    CHECK(s.fsm.tx_signal() == TxSignal::UnscrambledOnes);
    CHECK(std::abs(s.at("SendUsb1") - ms_to_samples(75)) <= 13);
    const SampleTime s1_start = s.now;
    s.run_ms(100, [&](SampleTime t) { return Observations{.carrier = true, .s1_since = s1_start, .s1_last = t}; });
    const SampleTime s1_end = s.now - 13;
    s.run_ms(50, [&](SampleTime) { return Observations{.carrier = true, .s1_last = s1_end}; });
    CHECK(s.fsm.tx_signal() == TxSignal::S1);
    s.run_ms(700, [&](SampleTime) { return Observations{.carrier = true, .s1_last = s1_end}; });
    CHECK(std::abs(s.at("Train1200") - (s1_end + ms_to_samples(100))) <= 13);
    const SampleTime ones_start = s.now;
    s.run_ms(300, [&](SampleTime t) {
        return Observations{.carrier = true, .ones_run = (t - ones_start) / 3, .ones_since = ones_start};
    });
    CHECK(s.path == std::vector<std::string_view>{"SendUsb1", "S1Heard", "SendS1Reply", "Train1200", "Train1200Sixteen",
                                                  "SendSb2400", "Data"});
    CHECK(s.fsm.rate() == Rate::Bps2400);
}

TEST_CASE("HandshakeFsm: a far end too noisy at 16-way decisions fails the handshake; just clean enough goes on") {
    // The answerer's path to Train1200, then 450 ms after the end of the caller's S1 the decision
    // error decides: 12 dB of decision SNR (kMinTrainSnrDb) is the least that goes on.
    for (const double snr_db : {11.9, 12.1}) {
        CAPTURE(snr_db);
        Script s({.role = Role::Answerer});
        s.run_ms(200, none);
        const SampleTime s1_start = s.now;
        s.run_ms(100, [&](SampleTime t) { return Observations{.carrier = true, .s1_since = s1_start, .s1_last = t}; });
        const SampleTime s1_end = s.now - 13;
        const auto mse = static_cast<float>(kConstellationPower / std::pow(10.0, snr_db / 10.0));
        s.run_ms(700, [&](SampleTime) { return Observations{.carrier = true, .s1_last = s1_end, .decision_mse = mse}; });
        if (snr_db < HandshakeFsm::kMinTrainSnrDb) {
            CHECK(s.fsm.state() == HandshakeState::Failed);
            CHECK(s.fsm.failure() == "handshake");
            CHECK(std::abs(s.at("Failed") - (s1_end + ms_to_samples(450))) <= 13);  // at the 16-way instant
            CHECK(s.at("Train1200Sixteen") < 0);
        } else {
            CHECK(s.fsm.state() == HandshakeState::SendSb2400);
            CHECK(s.fsm.sixteen_point());
        }
    }
}

TEST_CASE("HandshakeFsm: a V.22 peer (scrambled ones, no S1) leads to 1200 in both roles") {
    for (Role role : {Role::Caller, Role::Answerer}) {
        CAPTURE(to_string(role));
        Script s({.role = role});
        if (role == Role::Caller) {
            s.run_ms(200, [&](SampleTime) { return Observations{.carrier = true, .usb1_since = 0}; });
            s.run_ms(600, [&](SampleTime) { return Observations{.carrier = true, .usb1_since = 0}; });
        } else {
            s.run_ms(100, none);
        }
        const SampleTime ones_start = s.now;
        s.run_ms(250, [&](SampleTime t) { return Observations{.carrier = true, .ones_run = (t - ones_start) / 6, .ones_since = ones_start}; });
        CHECK_FALSE(s.fsm.rx_data());
        s.run_ms(40, [&](SampleTime t) { return Observations{.carrier = true, .ones_run = (t - ones_start) / 6, .ones_since = ones_start}; });
        CHECK(s.fsm.rx_data());
        CHECK(s.fsm.state() == HandshakeState::FallbackSb1200);
        CHECK(std::abs(s.at("FallbackSb1200") - (ones_start + ms_to_samples(270))) <= 13);
        s.run_ms(800, [&](SampleTime) { return Observations{.carrier = true}; });
        CHECK(s.fsm.state() == HandshakeState::Data);
        CHECK(std::abs(s.at("Data") - (s.at("FallbackSb1200") + ms_to_samples(765))) <= 13);
        CHECK(s.fsm.rate() == Rate::Bps1200);
        CHECK(s.fsm.tx_signal() == TxSignal::Data1200);
    }
}

TEST_CASE("HandshakeFsm: a 1200-limited caller sends no S1, and silence ends in Failed at the timeout") {
    Script s({.role = Role::Caller, .max_rate = Rate::Bps1200});
    s.run_ms(800, [&](SampleTime) { return Observations{.carrier = true, .usb1_since = 0}; });
    CHECK(s.path == std::vector<std::string_view>{"Silence456", "WaitReply"});
    CHECK(s.fsm.tx_signal() == TxSignal::ScrambledOnes1200);

    Script q({.role = Role::Answerer});
    q.run_ms(9000, none);
    CHECK(q.fsm.state() == HandshakeState::SendUsb1);
    q.run_ms(1200, none);
    CHECK(q.fsm.state() == HandshakeState::Failed);
    CHECK(std::abs(q.at("Failed") - (ms_to_samples(75) + ms_to_samples(10000))) <= 13);
}
