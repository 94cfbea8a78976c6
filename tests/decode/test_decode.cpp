// SPDX-License-Identifier: MIT
/// \file
/// Tests of the recording decoder: a synthetic V.8 call (our ANSam, V.21 FSK and V.8 codec)
/// decoded back, JSON shape, block-size invariance, the PNG, noise and bad input.
#include <png.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "audio/audio_io.hpp"
#include "modem/decode/decoder.hpp"
#include "modem/decode/picture.hpp"
#include "modem/decode/report.hpp"
#include "modem/tones/tone_gen.hpp"
#include "modem/v21/fsk_tx.hpp"
#include "modem/v8/messages.hpp"
#include "support/noise.hpp"

namespace {

namespace decode = modem::decode;
namespace v8 = modem::v8;
namespace v21 = modem::v21;
using modem::dsp::SampleTime;

constexpr SampleTime at_s(double s) { return static_cast<SampleTime>(s * 8000.0); }

/// Adds `repeats` back-to-back copies of `units` sent by a V.21 transmitter, from sample `start`.
void add_fsk(std::vector<float>& x, v21::Channel ch, const std::vector<std::uint16_t>& units, int repeats, SampleTime start) {
    v21::FskTx tx({.channel = ch, .idle = v21::FskTx::Idle::Silence});
    for (int r = 0; r < repeats; ++r)
        for (auto u : units) REQUIRE(tx.push_word(u, 10));
    std::vector<float> buf(80);
    auto pos = static_cast<std::size_t>(start);
    while (tx.busy()) {
        tx.process(buf);
        for (float v : buf) {
            if (pos < x.size()) x[pos] += v;
            ++pos;
        }
    }
}

std::vector<std::uint16_t> units_of(const v8::Units& u) { return {u.data.begin(), u.data.begin() + u.size}; }

v8::Menu cm_menu() {
    v8::Menu m;
    m.modulations = v8::ModulationSet{v8::Modulation::V34, v8::Modulation::V32bis, v8::Modulation::V22bis, v8::Modulation::V21};
    m.lapm = true;
    return m;
}
v8::Menu jm_menu() { return v8::build_jm(cm_menu(), {}); }

/// Hex as the decoder documents it, written independently: "c1 45 ...".
std::string hex_of(const v8::Octets& o) {
    std::string s;
    for (std::size_t i = 0; i < o.size; ++i) {
        char b[4];
        std::snprintf(b, sizeof b, "%02x", o.data[i]);
        s += (i ? " " : "") + std::string(b);
    }
    return s;
}

// Timeline of the synthetic call (seconds): ANSam 0.5-3.0, CM x4 from 2.0, JM x3 from 3.2, CJ at 4.1.
constexpr double kAnsamStart = 0.5, kAnsamEnd = 3.0, kCmStart = 2.0, kJmStart = 3.2, kCjStart = 4.1;

/// The call at standard levels (ANSam -11 dBm0, FSK -13 dBm0), 5 s.
std::vector<float> synthetic_call() {
    std::vector<float> x(static_cast<std::size_t>(at_s(5.0)), 0.0f);
    modem::tones::ToneSequence ansam(modem::tones::ansam({.duration_ms = (kAnsamEnd - kAnsamStart) * 1000.0}));
    std::vector<float> tone(static_cast<std::size_t>(ansam.total_samples()));
    ansam.generate(tone);
    for (std::size_t i = 0; i < tone.size(); ++i) x[static_cast<std::size_t>(at_s(kAnsamStart)) + i] += tone[i];
    add_fsk(x, v21::Channel::Ch1, units_of(v8::frame_message(v8::Sync::CmJm, v8::encode_menu(cm_menu()))), 4, at_s(kCmStart));
    add_fsk(x, v21::Channel::Ch2, units_of(v8::frame_message(v8::Sync::CmJm, v8::encode_menu(jm_menu()))), 3, at_s(kJmStart));
    add_fsk(x, v21::Channel::Ch1, units_of(v8::cj_units()), 1, at_s(kCjStart));
    return x;
}

/// -40 dBFS: the whole call 26 dB down (ANSam peak -14 dBFS -> -40 dBFS), plus white noise 30 dB
/// under the FSK level.
std::vector<float> quiet_noisy_call() {
    auto x = synthetic_call();
    const auto noise = test::white_noise(x.size(), 42, 0.00035);  // about -69 dBFS rms
    const auto g = static_cast<float>(modem::dsp::db_to_amplitude(-26.0));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = x[i] * g + noise[i];
    return x;
}

const decode::Event* find(const std::vector<decode::Event>& ev, decode::Kind k) {
    for (const auto& e : ev)
        if (e.kind == k) return &e;
    return nullptr;
}

double secs(SampleTime t) { return modem::dsp::samples_to_seconds(t); }

/// Kinds, times and exact octets of the synthetic call. Time tolerances: 60 ms for the answer
/// tone (its detector confirms over 100 ms and ends on 40 ms of silence), 30 ms (about 9 bits)
/// for V.21 messages, whose times come from the receiver's bit clock.
void check_call(const std::vector<decode::Event>& ev) {
    const auto* ansam = find(ev, decode::Kind::Ansam);
    REQUIRE(ansam != nullptr);
    CHECK(ansam->direction == decode::Direction::Answerer);
    CHECK(std::abs(secs(ansam->start) - kAnsamStart) < 0.06);
    CHECK(std::abs(secs(ansam->end) - kAnsamEnd) < 0.06);

    const auto* cm = find(ev, decode::Kind::Cm);
    REQUIRE(cm != nullptr);
    CHECK(cm->direction == decode::Direction::Caller);
    CHECK(std::abs(secs(cm->start) - kCmStart) < 0.03);
    CHECK(std::get<std::string>(*cm->field("octets")) == hex_of(v8::encode_menu(cm_menu())));
    CHECK(std::get<std::vector<std::string>>(*cm->field("modulations")) ==
          std::vector<std::string>{"V.34", "V.32bis", "V.22bis", "V.21"});
    CHECK(std::get<bool>(*cm->field("lapm")));
    CHECK(std::get<std::string>(*cm->field("call_function")) == "V-series");
    CHECK(std::get<std::int64_t>(*cm->field("count")) == 4);

    const auto* jm = find(ev, decode::Kind::Jm);
    REQUIRE(jm != nullptr);
    CHECK(jm->direction == decode::Direction::Answerer);
    CHECK(std::abs(secs(jm->start) - kJmStart) < 0.03);
    CHECK(std::get<std::string>(*jm->field("octets")) == hex_of(v8::encode_menu(jm_menu())));
    CHECK(std::get<std::vector<std::string>>(*jm->field("modulations")) == std::vector<std::string>{"V.22bis", "V.21"});
    CHECK(std::get<std::int64_t>(*jm->field("count")) == 3);

    const auto* cj = find(ev, decode::Kind::Cj);
    REQUIRE(cj != nullptr);
    CHECK(std::abs(secs(cj->start) - kCjStart) < 0.03);

    const auto* ch1 = find(ev, decode::Kind::V21Ch1);
    const auto* ch2 = find(ev, decode::Kind::V21Ch2);
    REQUIRE(ch1 != nullptr);
    REQUIRE(ch2 != nullptr);
    CHECK(std::abs(secs(ch1->start) - kCmStart) < 0.05);
    CHECK(std::abs(secs(ch2->start) - kJmStart) < 0.05);
    CHECK(ch2->direction == decode::Direction::Answerer);
    // Nothing in the call is left unexplained, and nothing else is invented.
    for (const auto& e : ev) {
        CAPTURE(decode::table_row(e));
        CHECK(e.kind != decode::Kind::Unknown);
        CHECK(e.kind != decode::Kind::Ci);
        CHECK(e.kind != decode::Kind::V92Qc);
    }
}

}  // namespace

TEST_CASE("Decoder: a synthetic V.8 call at -40 dBFS with noise is decoded with its kinds, times and octets") {
    check_call(decode::decode(quiet_noisy_call()));
}

TEST_CASE("Decoder: a DC offset and clipping leave the decoded call unchanged") {
    auto x = synthetic_call();
    // ANSam's envelope peaks reach +2 dBFS and are clipped (harder clipping flattens the 15 Hz AM
    // itself, and ANSam then truly reads as ANS); DC offset of 5 % of full scale.
    const auto g = static_cast<float>(modem::dsp::db_to_amplitude(14.0));
    int clipped = 0;
    for (auto& v : x) {
        const float y = v * g + 0.05f;
        clipped += std::abs(y) > 1.0f;
        v = std::clamp(y, -1.0f, 1.0f);
    }
    REQUIRE(clipped > 1000);
    check_call(decode::decode(x));
}

TEST_CASE("Decoder: output does not depend on block size") {
    const auto x = quiet_noisy_call();
    const auto whole = decode::decode(x);
    REQUIRE(whole.size() >= 6);
    for (std::size_t block : {1u, 7u, 64u, 160u, 1023u}) {
        CAPTURE(block);
        decode::Decoder d;
        for (std::size_t i = 0; i < x.size(); i += block)
            d.process(std::span<const float>(x).subspan(i, std::min(block, x.size() - i)));
        d.finish();
        CHECK(d.events() == whole);
    }
}

TEST_CASE("Decoder: JSON report has the documented shape") {
    const auto ev = decode::decode(quiet_noisy_call());
    const auto j = decode::to_json("call.wav", 5.0, ev);
    REQUIRE(j.is_object());
    CHECK(j.size() == 3);
    CHECK(j["file"] == "call.wav");
    CHECK(j["duration"] == 5.0);
    REQUIRE(j["events"].is_array());
    CHECK(j["events"].size() == ev.size());
    bool saw_cm = false;
    for (const auto& e : j["events"]) {
        const std::vector<std::string> first{e.begin().key(), std::next(e.begin()).key(), std::next(e.begin(), 2).key(),
                                             std::next(e.begin(), 3).key()};
        CHECK(first == std::vector<std::string>{"start", "end", "kind", "direction"});
        CHECK(e["start"].is_number());
        CHECK(e["end"].get<double>() >= e["start"].get<double>());
        const auto dir = e["direction"].get<std::string>();
        CHECK((dir == "caller" || dir == "answerer" || dir == "unknown"));
        if (e["kind"] == "cm") {
            saw_cm = true;
            CHECK(e["octets"] == hex_of(v8::encode_menu(cm_menu())));
            CHECK(e["modulations"] == nlohmann::ordered_json::array({"V.34", "V.32bis", "V.22bis", "V.21"}));
        }
    }
    CHECK(saw_cm);
}

TEST_CASE("Decoder: 60 s of noise gives no event but unknown") {
    // White noise at -30 dBFS rms keeps both V.21 carriers on all along: framing and FSK checks
    // must reject it.
    const auto x = test::white_noise(static_cast<std::size_t>(at_s(60.0)), 7, 0.0316);
    const auto ev = decode::decode(x);
    for (const auto& e : ev) {
        CAPTURE(decode::table_row(e));
        CHECK(e.kind == decode::Kind::Unknown);
    }
}

TEST_CASE("Decoder: silence gives no event at all") {
    const std::vector<float> x(static_cast<std::size_t>(at_s(20.0)), 0.0f);
    CHECK(decode::decode(x).empty());
}

TEST_CASE("Picture: the PNG has the documented size and reads back") {
    const auto x = quiet_noisy_call();
    decode::Picture pic;
    decode::Decoder::Config cfg;
    cfg.on_column = [&](SampleTime end, std::span<const float> db) { pic.add_column(end, db); };
    decode::Decoder d(cfg);
    d.process(x);
    d.finish();
    // One spectrogram column per 128 samples after the first 256 (dsp::Spectrogram).
    const int columns = static_cast<int>((x.size() - 256) / 128 + 1);
    CHECK(pic.columns() == columns);
    const int scale = std::max(1, decode::Picture::kMinPlot / columns);
    const auto path = std::filesystem::temp_directory_path() / "squeal_test_decode.png";
    const auto size = pic.write_png(path.string(), d.events(), d.now());
    CHECK(size.width == decode::Picture::kLeft + columns * scale + decode::Picture::kRight);
    CHECK(size.height == decode::Picture::kTop + decode::Picture::kSpecHeight + decode::Picture::kAxis + decode::Picture::kLanes);

    std::FILE* f = std::fopen(path.string().c_str(), "rb");
    REQUIRE(f != nullptr);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    png_init_io(png, f);
    png_read_info(png, info);
    CHECK(static_cast<int>(png_get_image_width(png, info)) == size.width);
    CHECK(static_cast<int>(png_get_image_height(png, info)) == size.height);
    CHECK(png_get_color_type(png, info) == PNG_COLOR_TYPE_RGB);
    png_destroy_read_struct(&png, &info, nullptr);
    std::fclose(f);
    std::filesystem::remove(path);
}

TEST_CASE("Picture: a long input stays within kMaxColumns image columns") {
    decode::Picture pic;
    const std::vector<float> db(decode::Picture::kBins, -50.0f);
    for (int i = 0; i < 10 * decode::Picture::kMaxColumns + 3; ++i) pic.add_column(0, db);
    CHECK(pic.columns() <= decode::Picture::kMaxColumns);
    CHECK(pic.columns() * pic.columns_per_pixel() <= 10 * decode::Picture::kMaxColumns + 3);
    CHECK(pic.columns() * pic.columns_per_pixel() > 10 * decode::Picture::kMaxColumns + 3 - pic.columns_per_pixel());
}

TEST_CASE("decode input: a missing file, a text file and an unwritable PNG fail with one line") {
    auto one_line = [](const std::exception& e) { return std::string(e.what()).find('\n') == std::string::npos; };
    try {
        modem::audio::SoundFileReader r("/nonexistent/squeal.wav");
        FAIL("no exception");
    } catch (const modem::audio::AudioError& e) {
        CHECK(one_line(e));
    }
    const auto text = std::filesystem::temp_directory_path() / "squeal_test_decode.txt";
    std::ofstream(text) << "this is not audio\n";
    try {
        modem::audio::SoundFileReader r(text.string());
        FAIL("no exception");
    } catch (const modem::audio::AudioError& e) {
        CHECK(one_line(e));
    }
    std::filesystem::remove(text);
    decode::Picture pic;
    try {
        pic.write_png("/nonexistent/dir/x.png", {}, 0);
        FAIL("no exception");
    } catch (const std::runtime_error& e) {
        CHECK(one_line(e));
    }
}
