// SPDX-License-Identifier: MIT
/// \file
/// V.8 answerer and caller state machines fed with scripted observations (no audio): the
/// transition paths, their timing, and the results.
#include <doctest/doctest.h>

#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "modem/v8/answer_fsm.hpp"
#include "modem/v8/call_fsm.hpp"

using namespace modem::v8;
using modem::dsp::ms_to_samples;

namespace {

constexpr SampleTime kTick = 8;  // 1 ms, as the endpoint steps

Received message(Received::Kind kind, Octets o = {}) { return Received{.kind = kind, .octets = o}; }
Received cm_msg(const Menu& m) { return message(Received::Kind::CmJm, encode_menu(m)); }

std::vector<std::string_view> path_of(const V8Result& r) {
    std::vector<std::string_view> p;
    for (const auto& t : r.steps.view()) p.push_back(t.to);
    return p;
}

const Menu kCm{.modulations = {Modulation::V34, Modulation::V32bis, Modulation::V22bis, Modulation::V21}, .lapm = true};

/// Drives an FSM with a script: run(ms, obs) steps every kTick for `ms`; at(obs) steps once now.
template <class Fsm, class Obs>
struct Driver {
    Fsm& fsm;
    SampleTime now = 0;
    void run(double ms, const Obs& obs = {}) {
        for (const SampleTime end = now + ms_to_samples(ms); now < end; now += kTick) fsm.step(now, obs);
    }
    void at(const Obs& obs) { fsm.step(now, obs); }
};

}  // namespace

TEST_CASE("AnswerFsm: two identical CMs lead to JM, CJ to 75 ms of silence, then Done") {
    modem::TraceBuffer trace;
    AnswerFsm fsm({}, &trace);
    Driver<AnswerFsm, AnswerObs> d{fsm};
    d.run(100);
    CHECK(fsm.state() == AnswerState::InitialSilence);
    d.run(150);
    CHECK(fsm.state() == AnswerState::SendAnsam);
    CHECK(fsm.entered_at() == ms_to_samples(200));  // V.8: >= 0.2 s of silence
    const Received cm = cm_msg(kCm);
    const Received ci = message(Received::Kind::Ci, encode_ci(CallFunction::VSeries));
    const Received v92 = message(Received::Kind::V92, Octets{0x00});
    d.run(1000);
    d.at({.message = &ci});   // tolerated
    d.at({.message = &v92});  // ignored
    d.at({.message = &cm});
    d.run(200);
    d.at({.message = &v92});  // between the CMs: still ignored, the CMs stay "consecutive"
    CHECK(fsm.state() == AnswerState::SendAnsam);
    d.at({.message = &cm});
    CHECK(fsm.state() == AnswerState::SendJm);
    CHECK(fsm.jm().modulations == ModulationSet{Modulation::V22bis, Modulation::V21});
    CHECK_FALSE(fsm.jm().lapm);  // we do not implement V.42
    CHECK(fsm.jm().modulation_octets == 3);
    d.run(500);
    const Received cj = message(Received::Kind::Cj);
    d.at({.message = &cj});
    CHECK(fsm.state() == AnswerState::SilenceAfterCj);
    const SampleTime cj_at = d.now;
    d.run(74);
    CHECK(fsm.state() == AnswerState::SilenceAfterCj);
    d.run(2);
    CHECK(fsm.state() == AnswerState::Done);
    CHECK(fsm.entered_at() - cj_at == ms_to_samples(75));
    const V8Result& r = fsm.result();
    CHECK(path_of(r) == std::vector<std::string_view>{"SendAnsam", "SendJm", "SilenceAfterCj", "Done"});
    CHECK(r.status == V8Result::Status::Ok);
    CHECK(r.role == Role::Answerer);
    CHECK(r.chosen == Modulation::V22bis);
    CHECK_FALSE(r.lapm);
    CHECK(r.remote_menu.lapm);
    CHECK(r.steps.entered("SendJm").has_value());
    // The trace carries every transition and a final Connected event.
    REQUIRE(trace.events().size() == 5);
    CHECK(trace.events().back().kind == modem::EventKind::Connected);
    CHECK(trace.events().back().name == "V.22bis");
}

TEST_CASE("AnswerFsm: differing CMs do not count; a changed CM restarts the count") {
    AnswerFsm fsm({});
    Driver<AnswerFsm, AnswerObs> d{fsm};
    d.run(300);
    const Received a = cm_msg(kCm);
    const Received b = cm_msg(Menu{.modulations = {Modulation::V22bis}});
    for (const Received* m : {&a, &b, &a, &b}) {
        d.at({.message = m});
        d.run(200);
    }
    CHECK(fsm.state() == AnswerState::SendAnsam);
    d.at({.message = &b});
    CHECK(fsm.state() == AnswerState::SendJm);
    CHECK(fsm.jm().modulations == ModulationSet{Modulation::V22bis});
    CHECK(fsm.jm().modulation_octets == 2);  // as many as that CM had
}

TEST_CASE("AnswerFsm: no CM while ANSam lasts gives the legacy path after 75 ms") {
    AnswerFsm fsm({});
    Driver<AnswerFsm, AnswerObs> d{fsm};
    const Received cm = cm_msg(kCm);
    d.run(1000);
    d.at({.message = &cm});  // a single CM is not enough
    d.run(9000);
    CHECK(fsm.state() == AnswerState::Legacy);
    CHECK(path_of(fsm.result()) == std::vector<std::string_view>{"SendAnsam", "LegacySilence", "Legacy"});
    CHECK(*fsm.result().steps.entered("LegacySilence") == ms_to_samples(200 + 5000));
    CHECK(*fsm.result().steps.entered("Legacy") == ms_to_samples(200 + 5000 + 75));
    CHECK(fsm.result().status == V8Result::Status::Legacy);
}

TEST_CASE("AnswerFsm: next_deadline() is the first time a step without a message leaves the state") {
    // Steps one sample apart: a step before the deadline keeps the state, the step at it leaves.
    AnswerFsm fsm({});
    const std::vector<std::pair<AnswerState, modem::dsp::SampleTime>> want = {
        {AnswerState::InitialSilence, ms_to_samples(200)},                     // V.8 8.2: 0.2 s
        {AnswerState::SendAnsam, ms_to_samples(200 + 5000)},                   // ANSam at most 5 s
        {AnswerState::LegacySilence, ms_to_samples(200 + 5000 + 75)},          // 75 ms
    };
    modem::dsp::SampleTime t = 0;
    for (const auto& [state, due] : want) {
        REQUIRE(fsm.state() == state);
        CHECK(fsm.next_deadline() == due);
        for (; t < due; ++t) fsm.step(t, {});
        CHECK(fsm.state() == state);
        fsm.step(t, {});
        CHECK(fsm.state() != state);
    }
    CHECK(fsm.state() == AnswerState::Legacy);
    CHECK(fsm.next_deadline() == std::numeric_limits<modem::dsp::SampleTime>::max());
}

TEST_CASE("AnswerFsm: no common modulation ends Failed after CJ; no CJ ends Failed at the deadline") {
    {
        AnswerFsm fsm({});
        Driver<AnswerFsm, AnswerObs> d{fsm};
        const Received cm = cm_msg(Menu{.modulations = {Modulation::V34}});
        d.run(300);
        d.at({.message = &cm});
        d.at({.message = &cm});
        REQUIRE(fsm.state() == AnswerState::SendJm);
        CHECK(fsm.jm().modulations.empty());
        const Received cj = message(Received::Kind::Cj);
        d.at({.message = &cj});
        d.run(100);
        CHECK(fsm.state() == AnswerState::Failed);
        CHECK(fsm.result().reason == "no common modulation");
    }
    {
        AnswerFsm fsm({});
        Driver<AnswerFsm, AnswerObs> d{fsm};
        const Received cm = cm_msg(kCm);
        d.run(300);
        d.at({.message = &cm});
        d.at({.message = &cm});
        const SampleTime jm_at = d.now;
        d.run(6000);
        CHECK(fsm.state() == AnswerState::Failed);
        CHECK(fsm.result().reason == "no CJ after JM");
        CHECK(fsm.result().ended_at - jm_at == ms_to_samples(5000));
    }
}

TEST_CASE("AnswerFsm: reset() returns to the fresh state; bad config throws") {
    AnswerFsm fsm({});
    Driver<AnswerFsm, AnswerObs> d{fsm};
    d.run(6000);
    CHECK(fsm.finished());
    fsm.reset();
    CHECK(fsm.state() == AnswerState::InitialSilence);
    CHECK(fsm.result().steps.size == 0);
    CHECK_THROWS_AS(AnswerFsm({.ansam_ms = -1}), std::invalid_argument);
    CHECK_THROWS_AS(AnswerFsm({.identical_cms = 0}), std::invalid_argument);
}

TEST_CASE("CallFsm: ANSam, Te, CM, two identical JMs, CJ, 75 ms, Done") {
    CallFsm fsm({});
    Driver<CallFsm, CallObs> d{fsm};
    d.run(1500, {.tone = AnswerTone::None});
    d.run(10, {.tone = AnswerTone::AnsamPr});
    REQUIRE(fsm.state() == CallState::Te);
    const SampleTime te_at = fsm.entered_at();
    d.run(989, {.tone = AnswerTone::AnsamPr});  // Te entered at the first of the 10 ms of steps
    CHECK(fsm.state() == CallState::Te);
    d.run(2, {.tone = AnswerTone::AnsamPr});
    CHECK(fsm.state() == CallState::SendCm);
    CHECK(fsm.entered_at() - te_at == ms_to_samples(1000));
    CHECK(fsm.cm().modulations == ModulationSet{Modulation::V22bis, Modulation::V21});
    const Received jm = cm_msg(Menu{.modulations = {Modulation::V22bis, Modulation::V21}, .modulation_octets = 3});
    const Received other = cm_msg(Menu{.modulations = {Modulation::V21}});
    const Received v92 = message(Received::Kind::V92, Octets{0x00});
    d.run(500);
    d.at({.message = &jm});
    d.at({.message = &other});
    d.at({.message = &v92});
    d.at({.message = &jm});
    CHECK(fsm.state() == CallState::SendCm);
    d.run(200);
    d.at({.message = &jm});
    REQUIRE(fsm.state() == CallState::SendCj);
    d.run(50, {.tx_idle = false});  // CJ still on the line
    CHECK(fsm.state() == CallState::SendCj);
    d.at({.tx_idle = true});
    CHECK(fsm.state() == CallState::SilenceAfterCj);
    d.run(80);
    CHECK(fsm.state() == CallState::Done);
    const V8Result& r = fsm.result();
    CHECK(path_of(r) == std::vector<std::string_view>{"Te", "SendCm", "SendCj", "SilenceAfterCj", "Done"});
    CHECK(r.status == V8Result::Status::Ok);
    CHECK(r.chosen == Modulation::V22bis);
    CHECK(r.agreed == ModulationSet{Modulation::V22bis, Modulation::V21});
    CHECK(fsm.tone_heard() == AnswerTone::AnsamPr);
}

TEST_CASE("CallFsm: plain ANS means a legacy answerer: no CM, Legacy result") {
    for (const AnswerTone t : {AnswerTone::Ans, AnswerTone::AnsPr}) {
        CallFsm fsm({});
        Driver<CallFsm, CallObs> d{fsm};
        d.run(2000);
        d.run(10, {.tone = t});
        CHECK(fsm.state() == CallState::Legacy);
        CHECK(fsm.result().status == V8Result::Status::Legacy);
        CHECK(path_of(fsm.result()) == std::vector<std::string_view>{"Legacy"});
    }
}

TEST_CASE("CallFsm: CI bursts with gaps until ANSam; CI stops at once and Te starts") {
    CallFsm fsm({.send_ci = true});
    Driver<CallFsm, CallObs> d{fsm};
    d.run(999);
    CHECK(fsm.state() == CallState::Listen);
    d.run(2);
    REQUIRE(fsm.state() == CallState::SendCi);
    d.run(400);                 // the burst is on the line
    d.at({.tx_idle = true});    // and has left it
    CHECK(fsm.state() == CallState::CiGap);
    d.run(501);
    CHECK(fsm.state() == CallState::SendCi);
    d.run(100, {.tone = AnswerTone::Ansam});
    CHECK(fsm.state() == CallState::Te);
    CHECK(fsm.ci_bursts_sent() == 1);
    CHECK(path_of(fsm.result()) == std::vector<std::string_view>{"SendCi", "CiGap", "SendCi", "Te"});
}

TEST_CASE("CallFsm: CI gives up after the last burst but keeps listening") {
    CallFsm fsm({.send_ci = true, .ci_bursts = 2, .tone_timeout_ms = 60000});
    Driver<CallFsm, CallObs> d{fsm};
    for (int i = 0; i < 5; ++i) {
        d.run(1000);
        d.at({.tx_idle = true});
    }
    CHECK(fsm.state() == CallState::Listen);
    CHECK(fsm.ci_bursts_sent() == 2);
    d.run(10, {.tone = AnswerTone::Ansam});
    CHECK(fsm.state() == CallState::Te);
}

TEST_CASE("CallFsm: time-outs: no answer tone, no JM; no common modulation fails after CJ") {
    {
        CallFsm fsm({});
        Driver<CallFsm, CallObs> d{fsm};
        d.run(11000);
        CHECK(fsm.state() == CallState::Failed);
        CHECK(fsm.result().reason == "no answer tone");
        CHECK(fsm.result().ended_at == ms_to_samples(10000));
    }
    {
        CallFsm fsm({});
        Driver<CallFsm, CallObs> d{fsm};
        d.run(10, {.tone = AnswerTone::Ansam});
        d.run(7000);
        CHECK(fsm.state() == CallState::Failed);
        CHECK(fsm.result().reason == "no JM");
        CHECK(path_of(fsm.result()) == std::vector<std::string_view>{"Te", "SendCm", "Failed"});
    }
    {
        CallFsm fsm({});
        Driver<CallFsm, CallObs> d{fsm};
        d.run(10, {.tone = AnswerTone::Ansam});
        d.run(1100);
        const Received jm = cm_msg(Menu{.modulations = {}, .modulation_octets = 3});
        d.at({.message = &jm});
        d.at({.message = &jm});
        REQUIRE(fsm.state() == CallState::SendCj);  // CJ is still sent
        d.at({.tx_idle = true});
        d.run(100);
        CHECK(fsm.state() == CallState::Failed);
        CHECK(fsm.result().reason == "no common modulation");
        CHECK(fsm.result().agreed.empty());
    }
}

TEST_CASE("CallFsm: a JM naming modes we never offered is intersected with ours") {
    CallFsm fsm({.caps = {.modulations = {Modulation::V22bis}}});
    Driver<CallFsm, CallObs> d{fsm};
    d.run(10, {.tone = AnswerTone::Ansam});
    d.run(1100);
    const Received jm = cm_msg(Menu{.modulations = {Modulation::V34, Modulation::V22bis}, .lapm = true});
    d.at({.message = &jm});
    d.at({.message = &jm});
    CHECK(fsm.result().agreed == ModulationSet{Modulation::V22bis});
    CHECK(fsm.result().chosen == Modulation::V22bis);
    CHECK_FALSE(fsm.result().lapm);  // we did not offer LAPM
}
