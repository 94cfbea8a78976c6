// SPDX-License-Identifier: MIT
/// \file
/// Tests of the answer-tone detector: ANS / ANS/ / ANSam / ANSam/ classification, AM depth,
/// reversal count and period, frequency window, live state, noise, block-size invariance.
#include <doctest/doctest.h>

#include <cmath>

#include "modem/tones/answer_tone.hpp"
#include "modem/tones/tone_gen.hpp"
#include "tones/helpers.hpp"

using namespace modem::tones;

namespace {
constexpr std::size_t kLead = 4000;  // 0.5 s of silence before the tone

/// Silence, the tone, 0.5 s of silence; optionally noise at snr_db relative to the tone's power.
std::vector<float> scene(const ToneSequence::Config& cfg, std::size_t tone_len, double snr_db = 99.0,
                         std::uint64_t seed = 1) {
    std::vector<float> x(kLead, 0.0f);
    const auto t = test::render(cfg, tone_len);
    x.insert(x.end(), t.begin(), t.end());
    x.resize(x.size() + 4000, 0.0f);
    if (snr_db < 90.0) x = test::with_noise(x, test::mean_power(x, kLead, kLead + tone_len), snr_db, seed);
    return x;
}

std::vector<ToneEvent> run(const std::vector<float>& x, std::size_t block = 160) {
    AnswerToneDetector det;
    return test::detect(det, x, block);
}
}  // namespace

TEST_CASE("AnswerToneDetector: each kind is detected once with its start, end and kind") {
    struct Case {
        ToneSequence::Config cfg;
        std::size_t len;
        ToneKind kind;
        int reversals;
    };
    const Case cases[] = {
        {ans(), 26400, ToneKind::Ans, 0},
        {ans({.reversals = true}), 26400, ToneKind::AnsPr, 7},         // reversals at 3600 k, k = 1..7
        {ansam(), 40000, ToneKind::Ansam, 0},
        {ansam({.reversals = true}), 40000, ToneKind::AnsamPr, 11},    // k = 1..11
    };
    for (double snr : {99.0, 10.0}) {
        for (const auto& c : cases) {
            CAPTURE(snr);
            CAPTURE(to_string(c.kind));
            const auto ev = run(scene(c.cfg, c.len, snr, 7));
            REQUIRE(ev.size() == 1);
            CHECK(ev[0].kind == c.kind);
            CHECK(std::abs(ev[0].start - static_cast<SampleTime>(kLead)) <= 40);  // 5 ms
            CHECK(std::abs(ev[0].end - static_cast<SampleTime>(kLead + c.len)) <= 40);
            CHECK(ev[0].reversals == c.reversals);
            CHECK(std::abs(ev[0].freq_hz - 2100.0) < 0.5);
            if (c.reversals >= 2) CHECK(ev[0].reversal_period_ms == doctest::Approx(450.0).epsilon(0.002));
        }
    }
}

TEST_CASE("AnswerToneDetector: ANSam depth is measured at 20 %, plain 2100 Hz near 0") {
    for (double snr : {99.0, 10.0}) {
        CAPTURE(snr);
        const auto am = run(scene(ansam(), 40000, snr, 3));
        REQUIRE(am.size() == 1);
        CHECK(am[0].am_depth == doctest::Approx(0.2).epsilon(0.05));  // 0.19 .. 0.21
        const auto am_rev = run(scene(ansam({.reversals = true}), 40000, snr, 4));
        REQUIRE(am_rev.size() == 1);
        CHECK(am_rev[0].am_depth == doctest::Approx(0.2).epsilon(0.05));
        const auto plain = run(scene(ans({.duration_ms = 5000}), 40000, snr, 5));
        REQUIRE(plain.size() == 1);
        CHECK(plain[0].am_depth < 0.02);
    }
}

TEST_CASE("AnswerToneDetector: a 2100 Hz tone without AM is never called ANSam") {
    for (double df : {-15.0, 0.0, 15.0}) {
        for (double snr : {99.0, 10.0, 3.0}) {
            for (bool rev : {false, true}) {
                CAPTURE(df);
                CAPTURE(snr);
                auto cfg = ans({.duration_ms = 4000, .reversals = rev});
                cfg.segments[0].tones[0].freq_hz += df;
                const auto x = scene(cfg, 32000, snr, 11);
                AnswerToneDetector det;
                bool ever_ansam = false;
                std::vector<ToneEvent> ev;
                for (float v : x) {
                    if (det.push(v)) ev.push_back(det.event());
                    const auto k = det.state().kind;
                    ever_ansam |= det.state().present && (k == ToneKind::Ansam || k == ToneKind::AnsamPr);
                }
                CHECK_FALSE(ever_ansam);
                REQUIRE(ev.size() == 1);
                CHECK(ev[0].kind == (rev ? ToneKind::AnsPr : ToneKind::Ans));
            }
        }
    }
}

TEST_CASE("AnswerToneDetector: accepts 2100 +/- 15 Hz, rejects +/- 25 Hz") {
    for (double df : {-25.0, -15.0, -7.0, 7.0, 15.0, 25.0}) {
        for (double snr : {99.0, 10.0}) {
            CAPTURE(df);
            CAPTURE(snr);
            auto cfg = ans();
            cfg.segments[0].tones[0].freq_hz += df;
            const auto ev = run(scene(cfg, 26400, snr, 21));
            if (std::abs(df) <= 15.0) {
                REQUIRE(ev.size() == 1);
                CHECK(ev[0].freq_hz == doctest::Approx(2100.0 + df).epsilon(1e-4));
            } else {
                CHECK(ev.empty());
            }
        }
    }
}

TEST_CASE("AnswerToneDetector: live state classifies ANSam within 1 s of its start") {
    for (bool rev : {false, true}) {
        CAPTURE(rev);
        const auto x = scene(ansam({.reversals = rev}), 40000, 10.0, 9);
        AnswerToneDetector det;
        SampleTime present_at = -1, ansam_at = -1;
        for (std::size_t n = 0; n < x.size(); ++n) {
            det.push(x[n]);
            const auto& s = det.state();
            if (s.present && present_at < 0) {
                present_at = det.now();
                CHECK(std::abs(s.since - static_cast<SampleTime>(kLead)) <= 40);
            }
            if (s.classified && ansam_at < 0) {
                ansam_at = det.now();
                CHECK((s.kind == ToneKind::Ansam || s.kind == ToneKind::AnsamPr));
            }
        }
        REQUIRE(present_at > 0);
        REQUIRE(ansam_at > 0);
        CHECK(present_at - static_cast<SampleTime>(kLead) <= 1000);  // 125 ms
        CHECK(ansam_at - static_cast<SampleTime>(kLead) <= 4000);    // 0.5 s (measured 0.415 s)
        CHECK_FALSE(det.state().present);                            // the tone is over
    }
}

TEST_CASE("AnswerToneDetector: 60 s of noise or of silence give no detection") {
    const auto noise = test::white_noise(60 * 8000, 42, 0.1);
    const std::vector<float> silence(60 * 8000, 0.0f);
    CHECK(run(noise).empty());
    CHECK(run(silence).empty());
}

TEST_CASE("AnswerToneDetector: events do not depend on block size") {
    auto x = scene(ansam({.reversals = true}), 40000, 10.0, 5);
    const auto tail = scene(ans({.reversals = true}), 26400, 10.0, 6);
    x.insert(x.end(), tail.begin(), tail.end());
    const auto whole = run(x, x.size());
    REQUIRE(whole.size() == 2);
    for (std::size_t block : {1u, 7u, 160u, 1023u}) {
        CAPTURE(block);
        CHECK(run(x, block) == whole);
    }
    AnswerToneDetector det;
    const auto first = test::detect(det, x, 160);
    det.reset();
    CHECK(test::detect(det, x, 160) == first);
}
