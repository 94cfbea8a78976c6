// SPDX-License-Identifier: MIT
/// \file
/// V8Endpoint through real blocks: our caller against our answerer over a simulated 4-wire line
/// (noise, echo), legacy peers, tolerance of CI and CT, block-size invariance of audio and trace.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

#include "modem/tones/tone_gen.hpp"
#include "modem/v8/endpoint.hpp"
#include "support/noise.hpp"

using namespace modem::v8;
using modem::dsp::ms_to_samples;
using modem::dsp::SampleTime;

namespace {

struct LineConfig {
    double snr_db = 60.0;        ///< each direction, relative to a -13 dBm0 signal, over 0..4 kHz
    double echo_db = -100.0;     ///< own signal added to own input (hybrid leak), relative gain in dB
    SampleTime delay = 1;        ///< samples each way
    double max_seconds = 15.0;
    std::uint64_t seed = 1;
};

struct PairResult {
    V8Result caller;
    V8Result answerer;
    SampleTime caller_end = 0;
    SampleTime answerer_end = 0;
};

/// Runs two endpoints against each other sample by sample until both finish.
PairResult run_pair(const V8Endpoint::Config& ccfg, const V8Endpoint::Config& acfg, const LineConfig& line = {},
                    modem::TraceSink* ctrace = nullptr, modem::TraceSink* atrace = nullptr) {
    V8Endpoint caller(ccfg, ctrace);
    V8Endpoint answerer(acfg, atrace);
    test::Gaussian noise(line.seed);
    const double sigma = std::sqrt(modem::dsp::dbm0_to_power(-13.0) / modem::dsp::db_to_power(line.snr_db));
    const auto echo = static_cast<float>(modem::dsp::db_to_amplitude(line.echo_db));
    const auto d = static_cast<std::size_t>(line.delay);
    std::vector<float> c2a(d + 1, 0.0f), a2c(d + 1, 0.0f);  // delay lines
    float yc = 0.0f, ya = 0.0f;
    const auto limit = static_cast<SampleTime>(line.max_seconds * modem::dsp::kFsHz);
    for (SampleTime n = 0; n < limit && !(caller.finished() && answerer.finished()); ++n) {
        const std::size_t i = static_cast<std::size_t>(n) % (d + 1);
        const float in_c = a2c[i] + echo * yc + static_cast<float>(sigma * noise());
        const float in_a = c2a[i] + echo * ya + static_cast<float>(sigma * noise());
        caller.process(std::span<const float>(&in_c, 1), std::span<float>(&yc, 1));
        answerer.process(std::span<const float>(&in_a, 1), std::span<float>(&ya, 1));
        c2a[i] = yc;
        a2c[i] = ya;
    }
    return {caller.result(), answerer.result(), caller.now(), answerer.now()};
}

V8Endpoint::Config caller_cfg(ModulationSet mods = {Modulation::V22bis, Modulation::V21}, bool lapm = false) {
    V8Endpoint::Config c;
    c.role = Role::Caller;
    c.call.caps = {.modulations = mods, .lapm = lapm};
    return c;
}
V8Endpoint::Config answer_cfg(ModulationSet mods = {Modulation::V22bis, Modulation::V21}, bool lapm = false,
                              bool reversals = true) {
    V8Endpoint::Config c;
    c.role = Role::Answerer;
    c.answer.caps = {.modulations = mods, .lapm = lapm};
    c.ansam_reversals = reversals;
    return c;
}

double seconds(SampleTime t) { return modem::dsp::samples_to_seconds(t); }

}  // namespace

TEST_CASE("V8Endpoint: our caller and our answerer agree on V.22bis (ANSam/ and ANSam)") {
    for (const bool reversals : {true, false}) {
        CAPTURE(reversals);
        const auto r = run_pair(caller_cfg(), answer_cfg({Modulation::V22bis, Modulation::V21}, false, reversals));
        REQUIRE(r.caller.status == V8Result::Status::Ok);
        REQUIRE(r.answerer.status == V8Result::Status::Ok);
        CHECK(r.caller.chosen == Modulation::V22bis);
        CHECK(r.answerer.chosen == Modulation::V22bis);
        CHECK(r.caller.agreed == ModulationSet{Modulation::V22bis, Modulation::V21});
        CHECK(r.answerer.agreed == r.caller.agreed);
        CHECK_FALSE(r.caller.lapm);
        CHECK(r.answerer.remote_menu.modulations == ModulationSet{Modulation::V22bis, Modulation::V21});
        // Timeline (protocols.md 8.2): ANSam at 0.2 s; CM after detection + Te (1 s); both done
        // within about 4.5 s (spandsp back to back: 4.3 s).
        CHECK(*r.answerer.steps.entered("SendAnsam") == ms_to_samples(200));
        const SampleTime te = *r.caller.steps.entered("Te");
        CHECK(seconds(te) > 0.5);
        CHECK(seconds(te) < 2.0);
        CHECK(*r.caller.steps.entered("SendCm") - te == ms_to_samples(1000));
        CHECK(seconds(r.caller.ended_at) < 4.5);
        CHECK(seconds(r.answerer.ended_at) < 4.5);
        // Both ends leave V.8 within a few ms of each other (both wait 75 ms after CJ).
        CHECK(std::abs(r.caller.ended_at - r.answerer.ended_at) < ms_to_samples(60));
    }
}

TEST_CASE("V8Endpoint: LAPM is agreed only when both offer it; richer offers pick the best common mode") {
    {
        const auto r = run_pair(caller_cfg({Modulation::V22bis}, true), answer_cfg({Modulation::V22bis}, true));
        REQUIRE(r.caller.status == V8Result::Status::Ok);
        CHECK(r.caller.lapm);
        CHECK(r.answerer.lapm);
    }
    {
        const auto r = run_pair(caller_cfg({Modulation::V22bis}, true), answer_cfg({Modulation::V22bis}, false));
        REQUIRE(r.caller.status == V8Result::Status::Ok);
        CHECK_FALSE(r.caller.lapm);
        CHECK_FALSE(r.answerer.lapm);
    }
    {
        const ModulationSet rich{Modulation::V34, Modulation::V32bis, Modulation::V22bis, Modulation::V21};
        const auto r = run_pair(caller_cfg(rich), answer_cfg({Modulation::V32bis, Modulation::V22bis}));
        REQUIRE(r.caller.status == V8Result::Status::Ok);
        CHECK(r.caller.chosen == Modulation::V32bis);
        CHECK(r.answerer.chosen == Modulation::V32bis);
        CHECK(r.caller.agreed == ModulationSet{Modulation::V32bis, Modulation::V22bis});
    }
}

TEST_CASE("V8Endpoint: no common modulation: both sides fail cleanly after CJ") {
    const auto r = run_pair(caller_cfg({Modulation::V34}), answer_cfg({Modulation::V22bis}));
    CHECK(r.caller.status == V8Result::Status::Failed);
    CHECK(r.answerer.status == V8Result::Status::Failed);
    CHECK(r.caller.reason == "no common modulation");
    CHECK(r.answerer.reason == "no common modulation");
    CHECK(r.caller.steps.entered("SendCj").has_value());
}

TEST_CASE("V8Endpoint: negotiation survives noise (12 dB SNR) and a hybrid echo 10 dB down") {
    const auto r = run_pair(caller_cfg(), answer_cfg(), {.snr_db = 12.0, .echo_db = -10.0, .delay = 40, .seed = 7});
    CHECK(r.caller.status == V8Result::Status::Ok);
    CHECK(r.answerer.status == V8Result::Status::Ok);
    CHECK(r.caller.chosen == Modulation::V22bis);
}

TEST_CASE("V8Endpoint: a caller hearing plain ANS takes the legacy path and never sends CM") {
    for (const bool reversals : {false, true}) {
        V8Endpoint caller(caller_cfg());
        modem::tones::ToneSequence ans(modem::tones::ans({.reversals = reversals}));
        std::vector<float> line(8000 * 6), out(line.size());
        ans.generate(std::span<float>(line).subspan(1600));  // 0.2 s of silence first
        caller.process(line, out);
        CHECK(caller.result().status == V8Result::Status::Legacy);
        // ANS and ANS/ both mean a legacy answerer; the first reversal may come after the decision.
        CHECK((caller.tone_heard() == AnswerTone::Ans || caller.tone_heard() == AnswerTone::AnsPr));
        CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 0.0f; }));  // silent throughout
    }
}

TEST_CASE("V8Endpoint: an answerer with a silent (legacy) caller ends Legacy after ANSam and 75 ms") {
    V8Endpoint answerer(answer_cfg());
    std::vector<float> line(8000 * 6, 0.0f), out(line.size());
    answerer.process(line, out);
    CHECK(answerer.result().status == V8Result::Status::Legacy);
    CHECK(answerer.result().ended_at == ms_to_samples(200 + 5000 + 75));
    // ANSam for exactly 5 s from 0.2 s, then silence.
    CHECK(out[ms_to_samples(100)] == 0.0f);
    double p = 0.0;
    for (SampleTime n = ms_to_samples(1000); n < ms_to_samples(2000); ++n) p += out[static_cast<std::size_t>(n)] * out[static_cast<std::size_t>(n)];
    CHECK(modem::dsp::power_to_dbm0(p / 8000.0) == doctest::Approx(-12.0).epsilon(0.05));
    CHECK(std::all_of(out.begin() + ms_to_samples(5200), out.end(), [](float v) { return v == 0.0f; }));
}

TEST_CASE("V8Endpoint: CI bursts and CT from the caller are tolerated by the answerer") {
    modem::TraceBuffer atrace(8192);
    auto ccfg = caller_cfg();
    ccfg.call.send_ci = true;
    ccfg.call.ci_first_delay_ms = 0.0;  // CI from the start, while the answerer is still silent
    const auto r = run_pair(ccfg, answer_cfg(), {}, nullptr, &atrace);
    CHECK(r.caller.status == V8Result::Status::Ok);
    CHECK(r.answerer.status == V8Result::Status::Ok);
    int cis = 0;
    for (const auto& e : atrace.events()) cis += e.kind == modem::EventKind::MessageReceived && e.name == "CI" ? 1 : 0;
    CHECK(cis >= 1);

    // CT (1300 Hz, V.25) on the line before the caller's CMs: junk bits on channel 1, no harm.
    V8Endpoint answerer(answer_cfg());
    V8Endpoint caller(caller_cfg());
    modem::tones::ToneSequence ct(modem::tones::ct());
    float yc = 0.0f, ya = 0.0f;
    for (SampleTime n = 0; n < 8000 * 8 && !answerer.finished(); ++n) {
        float ct_sample = 0.0f;
        if (n < 8000 * 2) ct.generate(std::span<float>(&ct_sample, 1));
        const float in_a = yc + ct_sample;
        const float in_c = ya;
        caller.process(std::span<const float>(&in_c, 1), std::span<float>(&yc, 1));
        answerer.process(std::span<const float>(&in_a, 1), std::span<float>(&ya, 1));
    }
    CHECK(answerer.result().status == V8Result::Status::Ok);
}

TEST_CASE("V8Endpoint: audio out and trace do not depend on the block size") {
    // Record what a caller hears from our answerer in a clean exchange, then replay it to fresh
    // callers (and the caller's output to fresh answerers) in different block sizes.
    std::vector<float> to_caller, to_answerer;
    {
        V8Endpoint caller(caller_cfg());
        V8Endpoint answerer(answer_cfg());
        float yc = 0.0f, ya = 0.0f;
        test::Gaussian g(3);
        for (SampleTime n = 0; n < 8000 * 5; ++n) {
            const float in_c = ya + static_cast<float>(0.001 * g());
            const float in_a = yc + static_cast<float>(0.001 * g());
            to_caller.push_back(in_c);
            to_answerer.push_back(in_a);
            caller.process(std::span<const float>(&in_c, 1), std::span<float>(&yc, 1));
            answerer.process(std::span<const float>(&in_a, 1), std::span<float>(&ya, 1));
        }
        REQUIRE(caller.result().status == V8Result::Status::Ok);
    }
    for (const Role role : {Role::Caller, Role::Answerer}) {
        CAPTURE(to_string(role));
        const auto& input = role == Role::Caller ? to_caller : to_answerer;
        const auto cfg = role == Role::Caller ? caller_cfg() : answer_cfg();
        auto run = [&](std::size_t block) {
            modem::TraceBuffer trace(8192);
            V8Endpoint ep(cfg, &trace);
            std::vector<float> out(input.size());
            for (std::size_t i = 0; i < input.size(); i += block) {
                const std::size_t n = std::min(block, input.size() - i);
                ep.process(std::span<const float>(input).subspan(i, n), std::span<float>(out).subspan(i, n));
            }
            REQUIRE(ep.result().status == V8Result::Status::Ok);
            return std::make_pair(out, std::vector<modem::Event>(trace.events().begin(), trace.events().end()));
        };
        const auto whole = run(input.size());
        for (std::size_t block : {1u, 7u, 64u, 160u, 1023u}) {
            CAPTURE(block);
            const auto got = run(block);
            CHECK(got.first == whole.first);
            CHECK(got.second == whole.second);
        }
    }
}
