// SPDX-License-Identifier: MIT
/// \file
/// Tones against an independent implementation: spandsp (test-only) generates ANS, ANS/, ANSam,
/// ANSam/ and DTMF that our detectors must recognise, and spandsp's detectors must recognise
/// ours. Agreement both ways is evidence that both follow V.25, V.8 and Q.23/Q.24, not just
/// that our generator and detector agree with each other.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dsp/kernels/kernels.hpp"
#include "modem/tones/listener.hpp"
#include "modem/tones/tone_gen.hpp"

// After our headers: spandsp defines a macro ms_to_samples that clashes with dsp::ms_to_samples.
#include <spandsp.h>
#undef ms_to_samples

namespace {
using modem::tones::ToneKind;

std::vector<float> to_float(const std::vector<std::int16_t>& s) {
    std::vector<float> f(s.size());
    modem::dsp::kernels::s16_to_f32(s, f);
    return f;
}

std::vector<std::int16_t> ours(const modem::tones::ToneSequence::Config& cfg, std::size_t n) {
    modem::tones::ToneSequence seq(cfg);
    std::vector<float> f(n);
    seq.generate(f);
    std::vector<std::int16_t> s(n);
    modem::dsp::kernels::f32_to_s16(f, s);
    return s;
}

/// spandsp's answer-tone generator: 4 s of it.
std::vector<std::int16_t> spandsp_answer_tone(int type) {
    modem_connect_tones_tx_state_t* tx = modem_connect_tones_tx_init(nullptr, type);
    std::vector<std::int16_t> s(32000);
    const int n = modem_connect_tones_tx(tx, s.data(), static_cast<int>(s.size()));
    s.resize(static_cast<std::size_t>(n));
    modem_connect_tones_tx_free(tx);
    return s;
}

/// What spandsp's answer-tone detector (set up for `type`) reports on `s`.
int spandsp_detects(int type, const std::vector<std::int16_t>& s) {
    modem_connect_tones_rx_state_t* rx = modem_connect_tones_rx_init(nullptr, type, nullptr, nullptr);
    modem_connect_tones_rx(rx, s.data(), static_cast<int>(s.size()));
    const int got = modem_connect_tones_rx_get(rx);
    modem_connect_tones_rx_free(rx);
    return got;
}
}  // namespace

TEST_CASE("spandsp tones: our detector names spandsp's ANS, ANS/, ANSam and ANSam/ correctly") {
    struct Case {
        int type;
        ToneKind expect;
    };
    for (const Case c : {Case{MODEM_CONNECT_TONES_ANS, ToneKind::Ans}, Case{MODEM_CONNECT_TONES_ANS_PR, ToneKind::AnsPr},
                         Case{MODEM_CONNECT_TONES_ANSAM, ToneKind::Ansam},
                         Case{MODEM_CONNECT_TONES_ANSAM_PR, ToneKind::AnsamPr}}) {
        CAPTURE(c.type);
        const auto events = modem::tones::listen(to_float(spandsp_answer_tone(c.type)));
        std::vector<ToneKind> kinds;
        for (const auto& e : events) kinds.push_back(e.kind);
        REQUIRE(kinds.size() == 1);
        CHECK(kinds[0] == c.expect);
        if (c.expect == ToneKind::AnsPr || c.expect == ToneKind::AnsamPr) {
            CHECK(events[0].reversal_period_ms == doctest::Approx(450.0).epsilon(0.056));  // V.25: 450 +/- 25 ms
        }
        if (c.expect == ToneKind::Ansam || c.expect == ToneKind::AnsamPr) {
            CHECK(events[0].am_depth == doctest::Approx(0.2).epsilon(0.1));  // V.8: 20 % +/- 10 % of it
        }
    }
}

TEST_CASE("spandsp tones: spandsp's detector recognises our ANS/, ANSam and ANSam/") {
    namespace t = modem::tones;
    CHECK(spandsp_detects(MODEM_CONNECT_TONES_ANSAM_PR, ours(t::ansam({.reversals = true}), 32000)) ==
          MODEM_CONNECT_TONES_ANSAM_PR);
    CHECK(spandsp_detects(MODEM_CONNECT_TONES_ANSAM, ours(t::ansam({}), 32000)) == MODEM_CONNECT_TONES_ANSAM);
    CHECK(spandsp_detects(MODEM_CONNECT_TONES_ANS_PR, ours(t::ans({.reversals = true}), 32000)) ==
          MODEM_CONNECT_TONES_ANS_PR);
}

TEST_CASE("spandsp tones: our DTMF decoder reads spandsp's DTMF, and spandsp reads ours") {
    const std::string digits = "0123456789*#ABCD";
    // spandsp -> us
    dtmf_tx_state_t* tx = dtmf_tx_init(nullptr);
    dtmf_tx_put(tx, digits.c_str(), -1);
    std::vector<std::int16_t> s(8000 * 4);
    const int n = dtmf_tx(tx, s.data(), static_cast<int>(s.size()));
    s.resize(static_cast<std::size_t>(n));
    dtmf_tx_free(tx);
    std::string got;
    for (const auto& e : modem::tones::listen(to_float(s)))
        if (e.kind == ToneKind::Dtmf) got += e.digit;
    CHECK(got == digits);

    // us -> spandsp
    const auto mine = ours(modem::tones::dtmf(digits), 8000 * 3);
    dtmf_rx_state_t* rx = dtmf_rx_init(nullptr, nullptr, nullptr);
    dtmf_rx(rx, mine.data(), static_cast<int>(mine.size()));
    char buf[64] = {};
    const std::size_t m = dtmf_rx_get(rx, buf, static_cast<int>(sizeof buf - 1));
    dtmf_rx_free(rx);
    CHECK(std::string(buf, m) == digits);
}
