// SPDX-License-Identifier: MIT
/// \file
/// The decoder's spectral signatures on synthetic signals built from the Recommendations' numbers:
/// V.34 line probing comb and phase 2 tones, V.32 AA and AC, V.8bis dual tones and their second
/// segment; and steady tones near the V.22 USB1 line (Bell 103's 2225 Hz mark) not taken for USB1.
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "modem/decode/decoder.hpp"
#include "support/noise.hpp"

namespace {

namespace decode = modem::decode;

constexpr double kFs = 8000.0;
constexpr double kLevel = 0.1;  // each tone about -17 dBm0 (1.0 = int16 full scale)

/// Sum of tones at `freqs` from `t0` to `t1` seconds (phases spread so the peaks do not add up),
/// with a 180-degree reversal every `reversal_s` seconds when > 0.
void add_tones(std::vector<float>& x, double t0, double t1, const std::vector<double>& freqs, double reversal_s = 0.0) {
    for (auto n = static_cast<std::size_t>(t0 * kFs); n < static_cast<std::size_t>(t1 * kFs) && n < x.size(); ++n) {
        const double t = static_cast<double>(n) / kFs;
        const double sign = reversal_s > 0.0 && static_cast<long>((t - t0) / reversal_s) % 2 == 1 ? -1.0 : 1.0;
        double v = 0.0;
        for (std::size_t i = 0; i < freqs.size(); ++i)
            v += std::cos(2.0 * std::numbers::pi * freqs[i] * t + 0.7 * static_cast<double>(i * i));
        x[n] += static_cast<float>(sign * kLevel * v);
    }
}

std::vector<float> with_noise(std::vector<float> x, double snr_db, std::uint64_t seed) {
    // Noise against the level of one tone (each tone's power kLevel^2 / 2).
    const double sigma = std::sqrt(kLevel * kLevel / 2.0 / std::pow(10.0, snr_db / 10.0));
    const auto n = test::white_noise(x.size(), seed, sigma);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += n[i];
    return x;
}

std::vector<const decode::Event*> of_kind(const std::vector<decode::Event>& ev, decode::Kind k) {
    std::vector<const decode::Event*> out;
    for (const auto& e : ev)
        if (e.kind == k) out.push_back(&e);
    return out;
}

double s(decode::SampleTime t) { return modem::dsp::samples_to_seconds(t); }

/// V.34 10.1.2.4 line probing tones: 150 Hz steps to 3750 Hz without 900, 1200, 1800, 2400.
std::vector<double> probe_comb() {
    std::vector<double> f;
    for (int m = 1; m <= 25; ++m)
        if (m != 6 && m != 8 && m != 12 && m != 16) f.push_back(150.0 * m);
    return f;
}

}  // namespace

TEST_CASE("Signatures: V.34 line probing comb and phase 2 tones, at 20 dB SNR, with times") {
    REQUIRE(probe_comb().size() == 21);
    std::vector<float> x(static_cast<std::size_t>(3.0 * kFs), 0.0f);
    // Tone B (1200 Hz, caller) and tone A (2400 Hz, answerer) with reversals, then the comb.
    add_tones(x, 0.5, 0.9, {1200.0, 2400.0}, 0.1);
    add_tones(x, 1.2, 1.8, probe_comb());
    const auto ev = decode::decode(with_noise(x, 20.0, 34));
    const auto p2 = of_kind(ev, decode::Kind::V34Phase2);
    REQUIRE(p2.size() == 1);
    CHECK(std::fabs(s(p2[0]->start) - 0.5) <= 0.05);
    CHECK(std::fabs(s(p2[0]->end) - 0.9) <= 0.05);
    const auto pr = of_kind(ev, decode::Kind::V34Probing);
    REQUIRE(pr.size() == 1);
    CHECK(std::fabs(s(pr[0]->start) - 1.2) <= 0.05);
    CHECK(std::fabs(s(pr[0]->end) - 1.8) <= 0.05);
    CHECK(std::get<std::int64_t>(*pr[0]->field("tones")) >= 19);
    CHECK(of_kind(ev, decode::Kind::Unknown).empty());
    CHECK(of_kind(ev, decode::Kind::V22bisUsb1).empty());  // 2250 and 2850 Hz are comb tones
    CHECK(of_kind(ev, decode::Kind::V21Ch2).empty());      // 1650 and 1950 Hz too
}

TEST_CASE("Signatures: a comb on another grid (100 Hz steps) is not V.34 probing") {
    std::vector<float> x(static_cast<std::size_t>(2.0 * kFs), 0.0f);
    std::vector<double> f;
    for (int m = 3; m <= 36; m += 2) f.push_back(100.0 * m);
    add_tones(x, 0.5, 1.5, f);
    const auto ev = decode::decode(x);
    CHECK(of_kind(ev, decode::Kind::V34Probing).empty());
}

TEST_CASE("Signatures: V.32 AA (1800 Hz from the caller, also while ANS is on) then AC (600 + 3000 Hz)") {
    std::vector<float> x(static_cast<std::size_t>(3.0 * kFs), 0.0f);
    add_tones(x, 0.2, 1.4, {2100.0});   // ANS
    add_tones(x, 1.0, 1.9, {1800.0});   // AA, overlapping ANS by 0.4 s
    add_tones(x, 2.0, 2.2, {600.0, 3000.0});
    const auto ev = decode::decode(with_noise(x, 20.0, 32));
    const auto aa = of_kind(ev, decode::Kind::V32Aa);
    REQUIRE(aa.size() == 1);
    CHECK(aa[0]->direction == decode::Direction::Caller);
    CHECK(std::fabs(s(aa[0]->start) - 1.0) <= 0.05);
    CHECK(std::fabs(s(aa[0]->end) - 1.9) <= 0.05);
    const auto ac = of_kind(ev, decode::Kind::V32Ac);
    REQUIRE(ac.size() == 1);
    CHECK(std::fabs(s(ac[0]->start) - 2.0) <= 0.05);
    CHECK(std::fabs(s(ac[0]->end) - 2.2) <= 0.05);
}

TEST_CASE("Signatures: V.21 channel 2 space (1850 Hz) is not V.32 AA") {
    std::vector<float> x(static_cast<std::size_t>(2.0 * kFs), 0.0f);
    add_tones(x, 0.3, 1.5, {1850.0});
    CHECK(of_kind(decode::decode(x), decode::Kind::V32Aa).empty());
}

TEST_CASE("Signatures: V.8bis CRe (1375 + 2002 Hz, then 400 Hz) and CRdr (1529 + 2225 Hz, then 1900 Hz)") {
    std::vector<float> x(static_cast<std::size_t>(3.0 * kFs), 0.0f);
    add_tones(x, 0.5, 0.9, {1375.0, 2002.0});
    add_tones(x, 0.9, 1.0, {400.0});
    add_tones(x, 1.6, 2.0, {1529.0, 2225.0});
    add_tones(x, 2.0, 2.1, {1900.0});
    const auto ev = decode::decode(with_noise(x, 20.0, 8));
    const auto v = of_kind(ev, decode::Kind::V8bis);
    REQUIRE(v.size() == 2);
    CHECK(std::get<std::string>(*v[0]->field("role")) == "initiating");
    CHECK(std::get<std::string>(*v[0]->field("signal")) == "CRe");
    CHECK(std::fabs(std::get<double>(*v[0]->field("second_tone_hz")) - 400.0) <= 20.0);
    CHECK(std::fabs(s(v[0]->start) - 0.5) <= 0.05);
    CHECK(std::fabs(s(v[0]->end) - 0.9) <= 0.05);
    CHECK(std::get<std::string>(*v[1]->field("role")) == "responding");
    CHECK(std::get<std::string>(*v[1]->field("signal")) == "CRdr");
    CHECK(std::fabs(std::get<double>(*v[1]->field("second_tone_hz")) - 1900.0) <= 20.0);
    // Neither dual tone is taken for V.22 USB1 (1529 + 2225 Hz sits on the answerer's channel).
    CHECK(of_kind(ev, decode::Kind::V22bisUsb1).empty());
}

TEST_CASE("Decoder: a steady 2225 Hz tone (Bell 103 answerer mark) is not V.22 USB1") {
    // protocols.md 10.6: USB1 (2250 Hz line) and the 2225 Hz Bell tone are 25 Hz apart; USB1 has
    // its image at 2850 Hz, a steady tone none.
    std::vector<float> x(static_cast<std::size_t>(4.0 * kFs), 0.0f);
    add_tones(x, 0.5, 3.5, {2225.0});
    const auto ev = decode::decode(with_noise(x, 30.0, 103));
    CHECK(of_kind(ev, decode::Kind::V22bisUsb1).empty());
    CHECK(of_kind(ev, decode::Kind::Data).empty());
}

TEST_CASE("Decoder: V.90 ANSpcm (2099.7 Hz, reversals every 451.5 ms, no AM) is marked as such; ANS/ is not") {
    for (const bool pcm : {true, false}) {
        CAPTURE(pcm);
        std::vector<float> x(static_cast<std::size_t>(4.0 * kFs), 0.0f);
        add_tones(x, 0.5, 3.7, {pcm ? 2099.7 : 2100.0}, pcm ? 0.4515 : 0.450);
        const auto ev = decode::decode(with_noise(x, 30.0, 90));
        const auto t = of_kind(ev, decode::Kind::AnsReversals);
        REQUIRE(t.size() == 1);
        const auto* f = t[0]->field("ans_pcm");
        CHECK((f != nullptr) == pcm);
        CHECK(t[0]->direction == decode::Direction::Answerer);
    }
}
