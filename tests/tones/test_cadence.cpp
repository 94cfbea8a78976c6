// SPDX-License-Identifier: MIT
/// \file
/// Tests of the cadence detectors: CNG, CT, dial, busy, ringback classified by frequency and
/// on/off pattern; look-alikes with the wrong cadence or frequencies are not reported.
#include <doctest/doctest.h>

#include "modem/tones/cadence.hpp"
#include "modem/tones/tone_gen.hpp"
#include "tones/helpers.hpp"

using namespace modem::tones;

namespace {
std::vector<ToneEvent> run(const CadenceDetector::Config& cfg, const std::vector<float>& x, std::size_t block = 160) {
    CadenceDetector det(cfg);
    return test::detect(det, x, block);
}

/// on/off bursts of the given tones, repeated for `seconds`.
std::vector<float> bursts(std::vector<ToneComponent> tones, double on_ms, double off_ms, int seconds) {
    ToneSequence::Config cfg;
    cfg.segments.push_back({.tones = std::move(tones), .duration = modem::dsp::ms_to_samples(on_ms)});
    cfg.segments.push_back({.tones = {}, .duration = modem::dsp::ms_to_samples(off_ms)});
    cfg.repeat = true;
    return test::render(cfg, static_cast<std::size_t>(seconds * 8000));
}
}  // namespace

TEST_CASE("CadenceDetector: each preset recognises its own tone and cadence") {
    struct Case {
        const char* tone;
        CadenceDetector::Config det;
        int seconds;
        SampleTime end;  // end of the last complete burst
        int cycles;
    };
    const Case cases[] = {
        {"cng", cng_detector(), 12, 3 * 28000 + 4000, 4},        // 0.5 on / 3 off
        {"ct", ct_detector(), 12, 4 * 20800 + 4800, 5},          // 0.6 on / 2 off
        {"busy", busy_detector(), 6, 5 * 8000 + 4000, 6},        // 0.5 on / 0.5 off
        {"ringback", ringback_detector(), 13, 48000 + 16000, 2}, // 2 on / 4 off, the third burst is cut
        {"dial", dial_detector(), 3, 24000, 1},
    };
    for (const auto& c : cases) {
        CAPTURE(c.tone);
        for (double snr : {99.0, 10.0}) {
            CAPTURE(snr);
            auto x = test::render(tone_by_name(c.tone), static_cast<std::size_t>(c.seconds * 8000));
            if (snr < 90.0) x = test::with_noise(x, test::mean_power(x, 0, 4000), snr, 5);
            const auto ev = run(c.det, x);
            REQUIRE(ev.size() == 1);
            CHECK(ev[0].kind == c.det.kind);
            CHECK(std::abs(ev[0].start) <= 200);  // within one window
            CHECK(std::abs(ev[0].end - c.end) <= 200);
            CHECK(ev[0].cycles == c.cycles);
        }
    }
}

TEST_CASE("CadenceDetector: call-progress tones are told apart by frequency and cadence") {
    const auto busy_x = test::render(tone_by_name("busy"), 6 * 8000);
    const auto ring_x = test::render(tone_by_name("ringback"), 14 * 8000);
    const auto dial_x = test::render(tone_by_name("dial"), 3 * 8000);
    for (const auto& x : {busy_x, ring_x}) CHECK(run(dial_detector(), x).empty());
    for (const auto& x : {busy_x, dial_x}) CHECK(run(ringback_detector(), x).empty());
    for (const auto& x : {ring_x, dial_x}) CHECK(run(busy_detector(), x).empty());
    // Right frequencies, wrong cadence.
    CHECK(run(busy_detector(), bursts({{480, -20}, {620, -20}}, 250, 250, 6)).empty());   // reorder
    CHECK(run(busy_detector(), bursts({{480, -20}, {620, -20}}, 3000, 100, 6)).empty());  // near-continuous
    CHECK(run(busy_detector(), bursts({{480, -20}, {620, -20}}, 500, 4000, 10)).empty()); // only single bursts
    CHECK(run(ringback_detector(), bursts({{440, -20}, {480, -20}}, 500, 500, 6)).empty());
    CHECK(run(ringback_detector(), bursts({{440, -20}, {480, -20}}, 1000, 4000, 10)).empty());
    CHECK(run(dial_detector(), bursts({{350, -20}, {440, -20}}, 400, 400, 6)).empty());
    // European 425 Hz dial tone goes to its own preset only.
    const auto eu = bursts({{425, -15}}, 3000, 100, 3);
    CHECK(run(dial_detector(), eu).empty());
    const auto ev = run(dial425_detector(), eu);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == ToneKind::Dial);
}

TEST_CASE("CadenceDetector: CNG and CT do not answer to each other or to 2100 Hz") {
    const auto cng_x = test::render(tone_by_name("cng"), 8 * 8000);
    const auto ct_x = test::render(tone_by_name("ct"), 8 * 8000);
    const auto ans_x = test::render(tone_by_name("ans"), 4 * 8000);
    CHECK(run(cng_detector(), ct_x).empty());
    CHECK(run(ct_detector(), cng_x).empty());
    CHECK(run(cng_detector(), ans_x).empty());
    CHECK(run(ct_detector(), ans_x).empty());
    // T.30 allows CNG at 1100 +/- 38 Hz.
    CHECK(run(cng_detector(), bursts({{1138, -11}}, 500, 3000, 8)).size() == 1);
    CHECK(run(cng_detector(), bursts({{1062, -11}}, 500, 3000, 8)).size() == 1);
}

TEST_CASE("CadenceDetector: events do not depend on block size") {
    auto x = test::render(tone_by_name("busy"), 5 * 8000);
    const auto r = test::render(tone_by_name("ringback"), 8 * 8000);
    x.insert(x.end(), r.begin(), r.end());
    x = test::with_noise(x, test::mean_power(x, 0, 4000), 10.0, 8);
    for (const auto& cfg : {busy_detector(), ringback_detector()}) {
        const auto whole = run(cfg, x, x.size());
        REQUIRE(whole.size() == 1);
        for (std::size_t block : {1u, 7u, 160u, 1023u}) {
            CAPTURE(block);
            CHECK(run(cfg, x, block) == whole);
        }
    }
}

TEST_CASE("CadenceDetector: bad configuration throws") {
    CHECK_THROWS_AS(CadenceDetector(CadenceDetector::Config{}), std::invalid_argument);
    CHECK_THROWS_AS(CadenceDetector(CadenceDetector::Config{.freqs_hz = {440.0}, .window = 0}), std::invalid_argument);
}
