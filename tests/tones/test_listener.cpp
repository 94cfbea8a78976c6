// SPDX-License-Identifier: MIT
/// \file
/// Tests of the tone listener: a call-progress-to-answer scene comes out as ordered events,
/// noise and silence give none, and the events do not depend on block size.
#include <doctest/doctest.h>

#include "modem/tones/listener.hpp"
#include "modem/tones/tone_gen.hpp"
#include "tones/helpers.hpp"

using namespace modem::tones;

namespace {
void append(std::vector<float>& x, const std::vector<float>& y) { x.insert(x.end(), y.begin(), y.end()); }

/// Dial tone 1.5 s, "59#", 1 s silence, one ring, 1 s silence, CT, 2 s, ANSam/ 5 s, 0.5 s silence.
std::vector<float> call_scene() {
    std::vector<float> x;
    append(x, test::render(dial({.level_dbm0 = -13.0, .on_ms = 1500.0}), 12000));
    append(x, test::render(dtmf("59#"), 3 * 1120));
    append(x, std::vector<float>(8000, 0.0f));
    append(x, test::render(ringback(), 16000 + 8000));
    append(x, test::render(ct(), 4800 + 16000));
    append(x, test::render(ansam({.reversals = true}), 40000 + 4000));
    return x;
}
}  // namespace

TEST_CASE("ToneListener: a call scene gives its tones in time order") {
    for (double snr : {99.0, 10.0}) {
        CAPTURE(snr);
        auto x = call_scene();
        if (snr < 90.0) x = test::with_noise(x, modem::dsp::dbm0_to_power(-19.0), snr, 77);  // SNR of the weakest tone
        const auto ev = listen(x);
        std::vector<ToneKind> kinds;
        std::string digits;
        for (const auto& e : ev) {
            kinds.push_back(e.kind);
            if (e.kind == ToneKind::Dtmf) digits += e.digit;
        }
        CHECK(kinds == std::vector<ToneKind>{ToneKind::Dial, ToneKind::Dtmf, ToneKind::Dtmf, ToneKind::Dtmf,
                                             ToneKind::Ringback, ToneKind::Ct, ToneKind::AnsamPr});
        CHECK(digits == "59#");
        for (std::size_t i = 1; i < ev.size(); ++i) CHECK(ev[i - 1].start <= ev[i].start);
        REQUIRE(ev.size() == 7);
        CHECK(std::abs(ev.back().start - 15360 - 8000 - 24000 - 20800) <= 40);
        CHECK(ev.back().reversals == 11);
    }
}

TEST_CASE("ToneListener: 60 s of noise or of silence give no event") {
    CHECK(listen(test::white_noise(60 * 8000, 2024, 0.1)).empty());
    CHECK(listen(test::white_noise(60 * 8000, 7, 0.01)).empty());
    CHECK(listen(std::vector<float>(60 * 8000, 0.0f)).empty());
}

TEST_CASE("ToneListener: events do not depend on block size") {
    auto x = call_scene();
    x = test::with_noise(x, modem::dsp::dbm0_to_power(-19.0), 10.0, 78);
    std::vector<ToneEvent> whole;
    {
        ToneListener l;
        whole = test::detect(l, x, x.size());
    }
    REQUIRE(whole.size() == 7);
    for (std::size_t block : {1u, 7u, 160u, 1023u}) {
        CAPTURE(block);
        ToneListener l;
        CHECK(test::detect(l, x, block) == whole);
    }
}
