// SPDX-License-Identifier: MIT
/// \file
/// Tests of the DTMF decoder: every digit, noise, +/-1 % and +/-1.5 % acceptance, 2 % rejection
/// of every row and column tone in both directions, duration and twist limits, block size.
#include <doctest/doctest.h>

#include <string>

#include "modem/tones/dtmf.hpp"
#include "modem/tones/tone_gen.hpp"
#include "tones/helpers.hpp"

using namespace modem::tones;

namespace {
constexpr std::size_t kLead = 37;  // odd lead-in so tones do not line up with the frame grid
const std::string kAll = "0123456789*#ABCD";

struct Signal {
    std::vector<float> x;
    double digit_power;
};

/// `digits` with row and column tones scaled by (1 + row_err) and (1 + col_err).
Signal dtmf_signal(const std::string& digits, double row_err = 0.0, double col_err = 0.0, DtmfConfig cfg = {}) {
    auto seq = dtmf(digits, cfg);
    for (auto& s : seq.segments) {
        if (s.tones.empty()) continue;
        s.tones[0].freq_hz *= 1.0 + row_err;
        s.tones[1].freq_hz *= 1.0 + col_err;
    }
    seq.segments.insert(seq.segments.begin(), ToneSegment{.tones = {}, .duration = kLead});
    const auto on = static_cast<std::size_t>(modem::dsp::ms_to_samples(cfg.on_ms));
    const auto off = static_cast<std::size_t>(modem::dsp::ms_to_samples(cfg.off_ms));
    Signal s{test::render(seq, kLead + digits.size() * (on + off) + 400), 0.0};
    s.digit_power = test::mean_power(s.x, kLead, kLead + on);
    return s;
}

std::string decoded(const std::vector<float>& x, std::size_t block = 160) {
    DtmfDetector det;
    std::string s;
    for (const auto& e : test::detect(det, x, block)) s += e.digit;
    return s;
}
}  // namespace

TEST_CASE("DtmfDetector: every digit is decoded with its start and end") {
    for (double snr : {99.0, 10.0}) {
        CAPTURE(snr);
        auto sig = dtmf_signal(kAll);
        if (snr < 90.0) sig.x = test::with_noise(sig.x, sig.digit_power, snr, 17);
        DtmfDetector det;
        const auto ev = test::detect(det, sig.x, 160);
        REQUIRE(ev.size() == kAll.size());
        for (std::size_t i = 0; i < ev.size(); ++i) {
            CAPTURE(i);
            CHECK(ev[i].kind == ToneKind::Dtmf);
            CHECK(ev[i].digit == kAll[i]);
            const auto start = static_cast<SampleTime>(kLead + i * 1120);
            CHECK(std::abs(ev[i].start - start) <= 80);  // 10 ms
            CHECK(std::abs(ev[i].end - (start + 560)) <= 80);
            const auto f = dtmf_frequencies(kAll[i]);
            CHECK(std::abs(ev[i].freq_hz - f.row_hz) < 0.005 * f.row_hz);
            CHECK(std::abs(ev[i].freq2_hz - f.col_hz) < 0.005 * f.col_hz);
        }
    }
}

TEST_CASE("DtmfDetector: every digit at 6 dB SNR") {
    auto sig = dtmf_signal(kAll + kAll);
    CHECK(decoded(test::with_noise(sig.x, sig.digit_power, 6.0, 23)) == kAll + kAll);
}

TEST_CASE("DtmfDetector: +/-1 % frequency error is accepted at 10 dB SNR") {
    for (double row : {-0.01, 0.0, 0.01}) {
        for (double col : {-0.01, 0.0, 0.01}) {
            CAPTURE(row);
            CAPTURE(col);
            auto sig = dtmf_signal(kAll, row, col);
            CHECK(decoded(test::with_noise(sig.x, sig.digit_power, 10.0, 31)) == kAll);
        }
    }
}

TEST_CASE("DtmfDetector: +/-1.5 % frequency error is accepted") {
    for (double err : {-0.015, 0.015}) {
        CAPTURE(err);
        CHECK(decoded(dtmf_signal(kAll, err, 0.0).x) == kAll);
        CHECK(decoded(dtmf_signal(kAll, 0.0, err).x) == kAll);
        auto sig = dtmf_signal(kAll, err, err);
        CHECK(decoded(sig.x) == kAll);
        CHECK(decoded(test::with_noise(sig.x, sig.digit_power, 20.0, 37)) == kAll);
    }
}

TEST_CASE("DtmfDetector: 2 % off-frequency is rejected for every row and column tone") {
    // Each row tone with every column, each column tone with every row: 16 digits per direction.
    for (double err : {-0.02, 0.02}) {
        CAPTURE(err);
        const auto row_off = dtmf_signal(kAll + kAll, err, 0.0);
        const auto col_off = dtmf_signal(kAll + kAll, 0.0, err);
        CHECK(decoded(row_off.x) == "");
        CHECK(decoded(col_off.x) == "");
        CHECK(decoded(test::with_noise(row_off.x, row_off.digit_power, 20.0, 41)) == "");
        CHECK(decoded(test::with_noise(col_off.x, col_off.digit_power, 20.0, 43)) == "");
    }
}

TEST_CASE("DtmfDetector: 40 ms digits are accepted, 20 ms bursts are not") {
    CHECK(decoded(dtmf_signal(kAll, 0.0, 0.0, {.on_ms = 40.0, .off_ms = 40.0}).x) == kAll);
    CHECK(decoded(dtmf_signal(kAll, 0.0, 0.0, {.on_ms = 20.0, .off_ms = 60.0}).x) == "");
    // A repeated digit with a 40 ms pause is two digits.
    CHECK(decoded(dtmf_signal("55", 0.0, 0.0, {.on_ms = 50.0, .off_ms = 40.0}).x) == "55");
}

TEST_CASE("DtmfDetector: twist outside the limits is rejected") {
    // Generator default: high group 2 dB above low. Limits: high <= low + 8 dB, low <= high + 4 dB.
    CHECK(decoded(dtmf_signal(kAll, 0, 0, {.low_level_dbm0 = -14.0, .high_level_dbm0 = -7.0}).x) == kAll);
    CHECK(decoded(dtmf_signal(kAll, 0, 0, {.low_level_dbm0 = -17.0, .high_level_dbm0 = -7.0}).x) == "");
    CHECK(decoded(dtmf_signal(kAll, 0, 0, {.low_level_dbm0 = -7.0, .high_level_dbm0 = -10.0}).x) == kAll);
    CHECK(decoded(dtmf_signal(kAll, 0, 0, {.low_level_dbm0 = -7.0, .high_level_dbm0 = -13.0}).x) == "");
}

TEST_CASE("DtmfDetector: a single tone or a tone pair from one group is no digit") {
    ToneSequence::Config single;
    single.segments.push_back({.tones = {{770.0, -6.0}}, .duration = 800});
    CHECK(decoded(test::render(single, 2000)) == "");
    ToneSequence::Config two_rows;
    two_rows.segments.push_back({.tones = {{697.0, -6.0}, {852.0, -6.0}}, .duration = 800});
    CHECK(decoded(test::render(two_rows, 2000)) == "");
}

TEST_CASE("DtmfDetector: 60 s of noise or of silence decode nothing") {
    CHECK(decoded(test::white_noise(60 * 8000, 99, 0.1)) == "");
    CHECK(decoded(std::vector<float>(60 * 8000, 0.0f)) == "");
}

TEST_CASE("DtmfDetector: events do not depend on block size") {
    auto sig = dtmf_signal(kAll, 0.01, -0.01);
    const auto x = test::with_noise(sig.x, sig.digit_power, 10.0, 3);
    DtmfDetector ref;
    const auto whole = test::detect(ref, x, x.size());
    REQUIRE(whole.size() == kAll.size());
    for (std::size_t block : {1u, 7u, 160u, 1023u}) {
        CAPTURE(block);
        DtmfDetector det;
        CHECK(test::detect(det, x, block) == whole);
    }
    ref.reset();
    CHECK(test::detect(ref, x, 160) == whole);
}
