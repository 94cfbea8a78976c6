// SPDX-License-Identifier: MIT
/// \file
/// V.8 robustness: seeded caller/answerer calls over an impaired SimLine (6 dB SNR, +/-10 Hz,
/// +/-200 ppm, band-pass with delay distortion, -10 dB echo) must nearly all complete, and
/// noise, speech-like signals and dial tone must never produce a V.8 event.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <span>
#include <vector>

#include "audio/sim_line.hpp"
#include "dsp/types.hpp"
#include "modem/events.hpp"
#include "modem/v8/endpoint.hpp"
#include "support/noise.hpp"

using namespace modem::v8;
using modem::audio::SimLine;
using modem::dsp::SampleTime;

namespace {

constexpr std::size_t kBlock = 160;                   // 20 ms, as the CLI
constexpr double kLineDelayMs = 20.0;                 // one block each way (lockstep cushion)
constexpr SampleTime kCallLimit = 15 * modem::dsp::kFsHz;

struct CallOutcome {
    bool ok = false;
    double caller_done_s = 0.0;
    double answerer_done_s = 0.0;
    double ansam_detect_s = 0.0;  ///< from the first ANSam sample reaching the caller to "ANSam heard"
};

/// The impairment set; the seed picks the signs of offset and skew per direction.
SimLine::Config impaired(std::uint64_t seed) {
    SimLine::Direction d;
    d.snr_db = 6.0;  // relative to the received signal (SimLine's snr_db follows its power)
    d.bandpass = true;
    d.delay_distortion = true;
    d.delay_ms = kLineDelayMs;
    d.echo = SimLine::Echo{.gain_db = -10.0, .delay_ms = 10.0};
    SimLine::Config c{.a_to_b = d, .b_to_a = d, .seed = seed};
    const double s1 = (seed & 1) ? 1.0 : -1.0, s2 = (seed & 2) ? 1.0 : -1.0;
    c.a_to_b.freq_offset_hz = 10.0 * s1;
    c.b_to_a.freq_offset_hz = -10.0 * s2;
    c.a_to_b.clock_ppm = 200.0 * s2;
    c.b_to_a.clock_ppm = -200.0 * s1;
    return c;
}

CallOutcome run_call(std::uint64_t seed) {
    SimLine line(impaired(seed));
    V8Endpoint::Config cc;
    cc.role = Role::Caller;
    V8Endpoint::Config ac;
    ac.role = Role::Answerer;
    V8Endpoint caller(cc), answerer(ac);
    std::array<std::int16_t, kBlock> s{};
    std::array<float, kBlock> in{}, out{};
    auto step = [&](V8Endpoint& ep, modem::audio::SimEndpoint& side) {
        side.read(s);
        for (std::size_t i = 0; i < kBlock; ++i) in[i] = static_cast<float>(s[i]) / modem::dsp::kInt16Scale;
        ep.process(in, out);
        for (std::size_t i = 0; i < kBlock; ++i)
            s[i] = static_cast<std::int16_t>(std::clamp(std::lround(out[i] * modem::dsp::kInt16Scale), -32768L, 32767L));
        side.write(s);
    };
    for (SampleTime t = 0; t < kCallLimit && !(caller.finished() && answerer.finished());
         t += static_cast<SampleTime>(kBlock)) {
        step(caller, line.a());
        step(answerer, line.b());
    }
    CallOutcome o;
    const V8Result &c = caller.result(), &a = answerer.result();
    o.ok = c.status == V8Result::Status::Ok && a.status == V8Result::Status::Ok && c.chosen == Modulation::V22bis &&
           a.chosen == Modulation::V22bis && c.agreed == a.agreed;
    o.caller_done_s = modem::dsp::samples_to_seconds(c.ended_at);
    o.answerer_done_s = modem::dsp::samples_to_seconds(a.ended_at);
    const auto heard = c.steps.entered("Te");
    const auto sent = a.steps.entered("SendAnsam");
    if (heard && sent) o.ansam_detect_s = modem::dsp::samples_to_seconds(*heard - *sent) - kLineDelayMs / 1000.0;
    return o;
}

void run_calls(int n, int min_ok) {
    int ok = 0;
    double sum_c = 0.0, sum_a = 0.0, sum_t = 0.0, max_t = 0.0;
    for (int i = 0; i < n; ++i) {
        const auto o = run_call(static_cast<std::uint64_t>(1000 + i));
        if (!o.ok) {
            MESSAGE("seed " << 1000 + i << " failed");
            continue;
        }
        ++ok;
        sum_c += o.caller_done_s;
        sum_a += o.answerer_done_s;
        sum_t += o.ansam_detect_s;
        max_t = std::max(max_t, o.ansam_detect_s);
    }
    std::printf("v8 robustness: %d/%d calls ok; mean V.8 done: caller %.3f s, answerer %.3f s; ANSam detect mean "
                "%.3f s, max %.3f s\n",
                ok, n, sum_c / std::max(ok, 1), sum_a / std::max(ok, 1), sum_t / std::max(ok, 1), max_t);
    CHECK(ok >= min_ok);
    if (ok > 0) {
        CHECK(sum_t / ok < 1.0);                  // issue: ANSam detected in well under a second
        CHECK(std::max(sum_c, sum_a) / ok < 4.3);  // issue: faster than spandsp back to back (4.3 s)
    }
}

// ---- False-event checks

/// Counts the events that would mean V.8 reacted to something that is not V.8.
struct FalseEventCounter final : modem::TraceSink {
    int messages = 0;  ///< CI, CM/JM or CJ: what steers a V.8 machine
    int v92 = 0;       ///< V.92 quick-connect packets: decoded, but V.8 ignores them
    int tones = 0;
    void record(const modem::Event& e) noexcept override {
        if (e.kind == modem::EventKind::MessageReceived && e.name == "V.92") {
            ++v92;
        } else if (e.kind == modem::EventKind::MessageReceived) {
            ++messages;
            if (messages <= 5)
                std::printf("false message at %.3f s: %.*s %.*s\n", modem::dsp::samples_to_seconds(e.at),
                            static_cast<int>(e.name.size()), e.name.data(), static_cast<int>(e.text.view().size()),
                            e.text.view().data());
        }
        if (e.kind == modem::EventKind::ToneHeard) ++tones;
    }
};

/// Signal generator for the no-false-event runs, in blocks.
class Distractor {
public:
    enum class Kind { Noise, Speech, DialTone };
    Distractor(Kind k, std::uint64_t seed) : kind_(k), g_(seed), rng_(seed * 2654435761u + 7) {}

    void fill(std::span<float> out) {
        for (float& x : out) x = static_cast<float>(next());
    }

private:
    double next() {
        ++n_;
        switch (kind_) {
        case Kind::Noise: return noise_sigma_ * g_();
        case Kind::DialTone: {
            // 350 + 440 Hz at -13 dBm0 each (a common precise dial tone), plus a little noise.
            const double t = static_cast<double>(n_) / modem::dsp::kFsHz;
            return tone_peak_ * (std::sin(modem::dsp::kTwoPi * 350.0 * t) + std::sin(modem::dsp::kTwoPi * 440.0 * t)) +
                   1e-4 * g_();
        }
        case Kind::Speech: return speech();
        }
        return 0.0;
    }

    /// Speech-like: a glottal pulse train (pitch 90-220 Hz, gliding) plus breath noise through
    /// three formant resonators that jump per syllable, with a syllable-rate envelope (~4/s).
    double speech() {
        static constexpr std::array<std::array<double, 3>, 6> kVowels{{{730, 1090, 2440},
                                                                        {270, 2290, 3010},
                                                                        {530, 1840, 2480},
                                                                        {570, 840, 2410},
                                                                        {300, 870, 2240},
                                                                        {660, 1720, 2410}}};
        if (n_ >= next_syllable_) {
            const auto& v = kVowels[rng_() % kVowels.size()];
            for (int i = 0; i < 3; ++i) set_formant(i, v[static_cast<std::size_t>(i)] * (0.9 + 0.2 * uniform()));
            syllable_len_ = static_cast<std::int64_t>((0.15 + 0.2 * uniform()) * modem::dsp::kFsHz);
            syllable_start_ = n_;
            next_syllable_ = n_ + syllable_len_ + static_cast<std::int64_t>(uniform() * 0.15 * modem::dsp::kFsHz);
            pitch_ = 90.0 + 130.0 * uniform();
            glide_ = (uniform() - 0.5) * 60.0 / static_cast<double>(syllable_len_);
        }
        const std::int64_t k = n_ - syllable_start_;
        double env = 0.0;
        if (k < syllable_len_) env = std::pow(std::sin(modem::dsp::kPi * static_cast<double>(k) / static_cast<double>(syllable_len_)), 2.0);
        pitch_ += glide_;
        phase_ += std::max(pitch_, 60.0) / modem::dsp::kFsHz;
        double x = 0.02 * g_();
        if (phase_ >= 1.0) {
            phase_ -= 1.0;
            x += 1.0;
        }
        double y = x;
        for (auto& f : formants_) {
            const double o = y + f.a1 * f.y1 + f.a2 * f.y2;
            f.y2 = f.y1;
            f.y1 = o;
            y = o * f.gain;
        }
        // Normalise the resonators' output to a running RMS (time constant ~0.25 s), so the level
        // does not depend on which formants were drawn.
        ms_ = 0.9995 * ms_ + 0.0005 * y * y;
        return speech_rms_ * env * y / std::sqrt(ms_ + 1e-30);
    }
    struct Formant {
        double a1 = 0, a2 = 0, gain = 1, y1 = 0, y2 = 0;
    };
    void set_formant(int i, double f_hz) {
        const double bw = 80.0 + 40.0 * i;  // formant bandwidths grow with frequency
        const double r = std::exp(-modem::dsp::kPi * bw / modem::dsp::kFsHz);
        auto& f = formants_[static_cast<std::size_t>(i)];
        f.a1 = 2.0 * r * std::cos(modem::dsp::kTwoPi * f_hz / modem::dsp::kFsHz);
        f.a2 = -r * r;
        f.gain = 1.0 - r;  // roughly unity gain at the peak
    }
    double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

    Kind kind_;
    modem::dsp::Gaussian g_;
    std::mt19937_64 rng_;
    std::int64_t n_ = 0;
    double noise_sigma_ = std::sqrt(modem::dsp::dbm0_to_power(-20.0));  // white noise at -20 dBm0
    double tone_peak_ = modem::dsp::dbm0_to_peak(-13.0);
    // project choice: about -10 dBm0 at a syllable's peak (-16 dBm0 on average), loud speech
    double speech_rms_ = std::sqrt(modem::dsp::dbm0_to_power(-10.5));
    double ms_ = 1e-6;
    std::array<Formant, 3> formants_{};
    std::int64_t next_syllable_ = 0, syllable_start_ = 0, syllable_len_ = 1;
    double pitch_ = 120.0, glide_ = 0.0, phase_ = 0.0;
};

/// Feeds `seconds` of the distractor to a caller and an answerer that never give up (their
/// time limits are lifted so they keep listening) and counts V.8 events.
void check_no_false_events(Distractor::Kind kind, double seconds, std::uint64_t seed, double expect_dbm0) {
    FalseEventCounter caller_events, answerer_events;
    V8Endpoint::Config cc;
    cc.role = Role::Caller;
    cc.call.tone_timeout_ms = 1e9;
    V8Endpoint::Config ac;
    ac.role = Role::Answerer;
    ac.answer.ansam_ms = 1e9;
    V8Endpoint caller(cc, &caller_events), answerer(ac, &answerer_events);
    Distractor src(kind, seed);
    std::array<float, kBlock> in{}, out{};
    const auto total = static_cast<SampleTime>(seconds * modem::dsp::kFsHz);
    double energy = 0.0;
    for (SampleTime t = 0; t < total; t += static_cast<SampleTime>(kBlock)) {
        src.fill(in);
        for (const float x : in) energy += static_cast<double>(x) * x;
        caller.process(in, out);
        answerer.process(in, out);
    }
    // The distractor really is on the line at the level intended (within 2 dB).
    const double level = modem::dsp::power_to_dbm0(energy / static_cast<double>(total));
    MESSAGE("distractor level " << level << " dBm0");
    CHECK(std::abs(level - expect_dbm0) < 2.0);
    CHECK(caller_events.messages == 0);
    CHECK(caller_events.tones == 0);
    CHECK(answerer_events.messages == 0);
    CHECK(caller.state_name() == "Listen");
    CHECK(answerer.state_name() == "SendAnsam");
    // Speech can imitate the alternating 0x55 sync of a V.92 packet; V.8 ignores those (the state
    // checks above hold), so they are counted and reported, not failed.
    std::printf("false V.92 packets: caller %d, answerer %d in %.0f s\n", caller_events.v92, answerer_events.v92,
                seconds);
    MESSAGE("framing errors: caller " << caller.framing_errors() << ", answerer " << answerer.framing_errors());
}

}  // namespace

// Both runs take a few seconds in a RelWithDebInfo build (100 calls: ~4 s; 10 minutes of
// distractors: ~2 s), so they are in the default run rather than the slow suite.
TEST_CASE("v8 robustness: at least 99 of 100 impaired calls (6 dB SNR, 10 Hz, 200 ppm, band-pass, -10 dB echo) complete") {
    run_calls(100, 99);
}

TEST_CASE("v8 robustness: no false V.8 event in 10 minutes of noise, speech-like signal and dial tone") {
    check_no_false_events(Distractor::Kind::Noise, 200.0, 21, -20.0);
    check_no_false_events(Distractor::Kind::Speech, 200.0, 22, -16.0);
    check_no_false_events(Distractor::Kind::DialTone, 200.0, 23, -10.0);
}
