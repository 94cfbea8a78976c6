// SPDX-License-Identifier: MIT
/// \file
/// The decoder on testvectors/decode/spandsp (whole spandsp-to-spandsp calls): answer tone, every
/// CM/JM octet for octet, CJ, the V.22bis segments per direction in order and on time, rates,
/// formats and the data bytes each way, against the truth spandsp gave the generator.
#include <cmath>
#include <fstream>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "audio/audio_io.hpp"
#include "modem/decode/decoder.hpp"
#include "support/noise.hpp"

namespace {

namespace decode = modem::decode;
using nlohmann::json;

const std::vector<std::string> kVectors{
    "v8_v22bis_2400",     "v8_v22_1200",     "ans_v22bis_2400", "v8_fallback_1200",
    "v8_v22bis_guard550", "v8_v22bis_guard1800", "v8_v22bis_snr20", "v8_v22bis_snr15",
    "v8_v22bis_offset",   "v8_v22bis_ulaw",  "ans_v22bis_alaw_snr25"};

std::string path(const std::string& name, const char* ext) {
    return std::string(SQUEAL_SOURCE_DIR) + "/testvectors/decode/spandsp/" + name + ext;
}

json load_expect(const std::string& name) {
    std::ifstream f(path(name, ".expect"));
    REQUIRE(f);
    return json::parse(f);
}

std::vector<float> read_wav(const std::string& file) {
    modem::audio::SoundFileReader r(file);
    std::vector<float> out;
    std::array<float, 4096> buf{};
    for (std::size_t n; (n = r.read(buf)) > 0;) out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    return out;
}

std::vector<decode::Event> decode_in_blocks(const std::vector<float>& x, std::size_t block) {
    decode::Decoder d;
    for (std::size_t i = 0; i < x.size(); i += block)
        d.process(std::span<const float>(x).subspan(i, std::min(block, x.size() - i)));
    d.finish();
    return d.events();
}

double start_s(const decode::Event& e) { return modem::dsp::samples_to_seconds(e.start); }
double end_s(const decode::Event& e) { return modem::dsp::samples_to_seconds(e.end); }

std::string str(const decode::Event& e, const char* name) {
    const auto* v = e.field(name);
    REQUIRE(v != nullptr);
    return std::get<std::string>(*v);
}
std::int64_t num(const decode::Event& e, const char* name) {
    const auto* v = e.field(name);
    REQUIRE(v != nullptr);
    return std::get<std::int64_t>(*v);
}

bool is_v22(decode::Kind k) { return k >= decode::Kind::V22bisUsb1 && k <= decode::Kind::Data; }

/// Everything the .expect states, checked on one decoded timeline.
/// `cut_jm_may_show`: a JM with one count whose octets are the true JM's with its last octet
/// changed (the repetition spandsp cuts mid-octet when it hears CJ, read through noise) may appear
/// in addition.
void check(const std::vector<decode::Event>& events, const json& x, bool cut_jm_may_show = false) {
    // Answer tone: kind, and its edges within 30 ms (the detectors date onsets back; project tolerance).
    {
        const auto& t = x["answer_tone"];
        const decode::Event* tone = nullptr;
        for (const auto& e : events)
            if (decode::to_string(e.kind) == t["kind"].get<std::string>()) {
                CHECK(tone == nullptr);  // exactly one
                tone = &e;
            }
        REQUIRE(tone != nullptr);
        CHECK(std::fabs(start_s(*tone) - t["start"].get<double>()) <= 0.030);
        CHECK(std::fabs(end_s(*tone) - t["end"].get<double>()) <= 0.030);
    }
    // V.8: every distinct CM/JM spandsp sent in full is one event with exactly its octets; the count
    // is the number of complete repetitions, except that a CM running straight into CJ (no
    // preamble between) is not counted (our V.8 deframer ends a message at a zero octet without
    // reporting it).
    if (!x["v8"].is_null()) {
        for (const std::string name : {"cm", "jm"}) {
            CAPTURE(name);
            std::set<std::string> want;
            std::int64_t want_count = 0;
            for (const auto& m : x["v8"][name]) {
                if (!m["complete"].get<bool>()) continue;
                want.insert(m["octets"].get<std::string>());
                if (!m["then_cj"].get<bool>()) ++want_count;
            }
            REQUIRE(!want.empty());
            std::set<std::string> got;
            std::int64_t got_count = 0;
            for (const auto& e : events) {
                if (decode::to_string(e.kind) != name) continue;
                const std::string oct = str(e, "octets");
                if (cut_jm_may_show && name == "jm" && num(e, "count") == 1 && !want.contains(oct) &&
                    oct.size() > 3 && want.begin()->size() >= oct.size() &&
                    want.begin()->compare(0, oct.size() - 2, oct, 0, oct.size() - 2) == 0) {
                    MESSAGE("cut JM read as " << oct);
                    continue;
                }
                got.insert(oct);
                got_count += num(e, "count");
                CHECK(std::get<bool>(*e.field("valid")));
                CHECK(decode::to_string(e.direction) == (name == "cm" ? "caller" : "answerer"));
                const auto mods = std::get<std::vector<std::string>>(*e.field("modulations"));
                CHECK(mods == std::vector<std::string>{"V.22bis"});  // spandsp offered V8_MOD_V22 only
            }
            CHECK(got == want);
            CHECK(got_count == want_count);
        }
        bool cj_sent = false;
        for (const auto& m : x["v8"]["cm"]) cj_sent = cj_sent || m["then_cj"].get<bool>();
        int cj = 0;
        for (const auto& e : events) cj += e.kind == decode::Kind::Cj;
        CHECK(cj == (cj_sent ? 1 : 0));
    } else {
        for (const auto& e : events) {
            CHECK(e.kind != decode::Kind::Cm);
            CHECK(e.kind != decode::Kind::Jm);
        }
    }
    // V.22bis segments per direction: the same kinds in the same order as spandsp's transmitter
    // went through them, each starting -20..+70 ms from the stage change (the line lags the state
    // by the transmit filter; our detectors need up to 16 symbols more; data at 1200 starts at the
    // first start bit, which spandsp sends just after entering normal operation).
    for (const char* dir : {"caller", "answerer"}) {
        CAPTURE(dir);
        std::vector<json> want;
        for (const auto& s : x["segments"])
            if (s["direction"] == dir) want.push_back(s);
        std::vector<const decode::Event*> got;
        for (const auto& e : events)
            if (is_v22(e.kind) && decode::to_string(e.direction) == dir) got.push_back(&e);
        REQUIRE(got.size() == want.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            CAPTURE(i);
            CHECK(decode::to_string(got[i]->kind) == want[i]["kind"].get<std::string>());
            const double dt = start_s(*got[i]) - want[i]["start"].get<double>();
            CHECK(dt >= -0.020);
            CHECK(dt <= 0.070);
        }
        const auto& data = *got.back();
        REQUIRE(data.kind == decode::Kind::Data);
        CHECK(num(data, "rate") == x["data"][dir]["rate"].get<int>());
        CHECK(str(data, "format") == x["data"][dir]["format"].get<std::string>());
        CHECK(str(data, "hex") == x["data"][dir]["hex"].get<std::string>());
        CHECK(num(data, "parity_errors") == 0);
        CHECK(num(data, "framing_errors") == 0);
    }
    // Nothing else: no unknown energy, and no V.32/V.34/V.8bis signature (the 1800 Hz guard tone
    // is not V.32 AA, S1 is not V.34 tones A and B).
    for (const auto& e : events) {
        CHECK(e.kind != decode::Kind::Unknown);
        CHECK(e.kind != decode::Kind::V32Aa);
        CHECK(e.kind != decode::Kind::V32Ac);
        CHECK(e.kind != decode::Kind::V34Phase2);
        CHECK(e.kind != decode::Kind::V34Probing);
        CHECK(e.kind != decode::Kind::V8bis);
    }
}

/// Power of x[a, b) at f_hz (naive single-bin DFT), for checking the vectors themselves.
double tone_power(const std::vector<float>& x, double a_s, double b_s, double f_hz) {
    const auto a = static_cast<std::size_t>(a_s * 8000.0), b = static_cast<std::size_t>(b_s * 8000.0);
    double re = 0.0, im = 0.0;
    for (std::size_t n = a; n < b; ++n) {
        const double ph = 2.0 * std::numbers::pi * f_hz * static_cast<double>(n) / 8000.0;
        re += static_cast<double>(x[n]) * std::cos(ph);
        im += static_cast<double>(x[n]) * std::sin(ph);
    }
    return (re * re + im * im) / static_cast<double>((b - a) * (b - a));
}

}  // namespace

TEST_CASE("Decoder: spandsp calls give the answer tone, every CM/JM exactly, segments on time and the data byte-exact") {
    for (const auto& name : kVectors) {
        CAPTURE(name);
        const auto x = load_expect(name);
        const auto samples = read_wav(path(name, ".wav"));
        REQUIRE(samples.size() < 10 * 8000);  // style.md 7: at most 10 s
        const auto events = decode_in_blocks(samples, 160);
        check(events, x);
        // style.md 7: the same in blocks of 1.
        CHECK(decode_in_blocks(samples, 1) == events);
    }
}

/// The clean V.8 + V.22bis vector with noise added at `snr_db` (SNR as in the vectors' README).
std::vector<float> with_noise(double snr_db, std::uint64_t seed) {
    auto s = read_wav(path("v8_v22bis_2400", ".wav"));
    double pw = 0.0;
    for (std::size_t i = s.size() - 8000; i < s.size(); ++i) pw += static_cast<double>(s[i]) * s[i];
    pw /= 8000.0;
    const double sigma = std::sqrt(0.5 * pw / std::pow(10.0, snr_db / 10.0));
    const auto n = test::white_noise(s.size(), seed, sigma);
    for (std::size_t i = 0; i < s.size(); ++i) s[i] += n[i];
    return s;
}

TEST_CASE("Decoder: spandsp call at 12 dB SNR: data exact, CM/JM exact but for the cut JM") {
    // The 15 dB vector passes everything (above). At 12 dB (three seeds) all data bytes, every CM
    // and the JM repetitions are exact, but with seed 614 the last JM, which spandsp stops inside
    // its third octet when it hears CJ, is read as "c1 05 92" (the noise after the carrier stops
    // completes the octet with good-looking bits; seed 613's such octet is caught by the tail
    // check and the repetition is counted as cut short).
    const auto x = load_expect("v8_v22bis_2400");
    for (std::uint64_t seed : {612u, 613u}) {
        CAPTURE(seed);
        check(decode_in_blocks(with_noise(12.0, seed), 160), x);
    }
    check(decode_in_blocks(with_noise(12.0, 614), 160), x, true);
}

TEST_CASE("Decoder: spandsp call at 8 dB SNR: V.8 still exact, V.22bis data no longer") {
    // What the decoder does below: the V.21 messages survive (CM/JM octets exact, CJ found), the
    // answer tone and both directions' USB1/S1 are still found, but bit errors in SB1 start data
    // early or make a 2400 direction read as 1200, so the bytes are not asserted.
    const auto x = load_expect("v8_v22bis_2400");
    const auto events = decode_in_blocks(with_noise(8.0, 812), 160);
    int cm = 0, jm = 0, cj = 0, s1 = 0, usb1 = 0, data = 0;
    for (const auto& e : events) {
        if (e.kind == decode::Kind::Cm) cm += str(e, "octets") == x["v8"]["cm"][0]["octets"].get<std::string>();
        if (e.kind == decode::Kind::Jm) jm += str(e, "octets") == x["v8"]["jm"][0]["octets"].get<std::string>();
        cj += e.kind == decode::Kind::Cj;
        s1 += e.kind == decode::Kind::V22bisS1;
        usb1 += e.kind == decode::Kind::V22bisUsb1;
        data += e.kind == decode::Kind::Data;
    }
    CHECK(cm == 1);
    CHECK(jm == 1);
    CHECK(cj == 1);
    CHECK(usb1 == 1);
    CHECK(s1 == 2);
    CHECK(data == 2);
}

TEST_CASE("spandsp vectors: the guard tone is on the line where the vector says (550 Hz, 1800 Hz, none)") {
    // Independent check of the vectors themselves: power at 550 and 1800 Hz in the last 0.5 s of
    // data, relative to the vector without a guard tone (V.22bis 6.1: guard 550 Hz at -3 dB, 1800 Hz
    // at -6 dB relative to the data signal: far above the data spectrum's density at one bin).
    const auto none = read_wav(path("v8_v22bis_2400", ".wav"));
    const auto g550 = read_wav(path("v8_v22bis_guard550", ".wav"));
    const auto g1800 = read_wav(path("v8_v22bis_guard1800", ".wav"));
    const double t1 = static_cast<double>(none.size()) / 8000.0 - 0.35, t0 = t1 - 0.5;
    const auto db = [&](const std::vector<float>& v, double f) { return 10.0 * std::log10(tone_power(v, t0, t1, f) + 1e-30); };
    CHECK(db(g550, 550.0) - db(none, 550.0) >= 20.0);
    CHECK(db(g1800, 1800.0) - db(none, 1800.0) >= 20.0);
    CHECK(db(g550, 1800.0) - db(none, 1800.0) <= 3.0);
    CHECK(db(g1800, 550.0) - db(none, 550.0) <= 3.0);
}
