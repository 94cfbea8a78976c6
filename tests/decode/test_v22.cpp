// SPDX-License-Identifier: MIT
/// \file
/// Tests of the decoder's V.22/V.22bis part: character format detection against our V.14
/// transmitter, text/hex forms, and the testvectors/decode calls (segments per direction in order
/// and on time against the session's own events, rates, formats, data byte-exact, also at 20 dB SNR).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "audio/audio_io.hpp"
#include "modem/decode/decoder.hpp"
#include "modem/decode/report.hpp"
#include "modem/decode/v22.hpp"
#include "modem/v14/v14.hpp"
#include "support/noise.hpp"

namespace {

namespace decode = modem::decode;
namespace v14 = modem::v14;

/// Bits of `bytes` framed by our V.14 transmitter in `fmt`, with `idle` mark bits before.
std::vector<std::uint8_t> framed(const std::vector<std::uint8_t>& bytes, const v14::Format& fmt, int idle) {
    v14::AsyncTx tx({.format = fmt, .queue_capacity = bytes.size() + 1});
    REQUIRE(tx.push(bytes) == bytes.size());
    std::vector<std::uint8_t> bits(static_cast<std::size_t>(idle), 1);
    while (!tx.idle()) bits.push_back(tx.next_bit());
    for (int i = 0; i < 20; ++i) bits.push_back(tx.next_bit());
    return bits;
}

std::vector<std::uint8_t> random_bytes(std::size_t n, int data_bits, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng() & ((1u << data_bits) - 1u));
    return v;
}

std::vector<std::uint8_t> ascii_text(int data_bits) {
    const std::string s = "Printable text, as a terminal session would carry it: ATDT 5551234\r\nCONNECT 2400\r\n";
    std::vector<std::uint8_t> v(s.begin(), s.end());
    for (auto& b : v) b = static_cast<std::uint8_t>(b & ((1u << data_bits) - 1u));
    return v;
}

std::vector<float> read_wav(const std::string& path) {
    modem::audio::SoundFileReader r(path);
    std::vector<float> out;
    std::array<float, 4096> buf{};
    for (std::size_t n; (n = r.read(buf)) > 0;) out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    return out;
}

bool is_v22(decode::Kind k) { return k >= decode::Kind::V22bisUsb1 && k <= decode::Kind::Data; }

std::string str_field(const decode::Event& e, const char* name) {
    const auto* v = e.field(name);
    REQUIRE(v != nullptr);
    return std::get<std::string>(*v);
}

std::vector<decode::Event> decode_in_blocks(const std::vector<float>& x, std::size_t block) {
    decode::Decoder d;
    for (std::size_t i = 0; i < x.size(); i += block)
        d.process(std::span<const float>(x).subspan(i, std::min(block, x.size() - i)));
    d.finish();
    return d.events();
}

const std::vector<std::string> kVectors{"v22bis_2400_8n1", "v22_1200_7e1", "v22bis_2400_7o1"};

std::string vector_path(const std::string& name, const char* ext) {
    return std::string(SQUEAL_SOURCE_DIR) + "/testvectors/decode/" + name + ext;
}

/// Segments (kinds in order, starts within the tolerance) and data (rate, format, bytes) of one
/// decoded vector against its .expect. `times`: also check the segment starts.
void check_against_expect(const std::vector<decode::Event>& events, const nlohmann::json& expect, bool times) {
    // The line signal lags the transmitter's state change by its filter (about 27 ms); detectors
    // need 16 symbols (27 ms) more at most. Window chosen from that, with margin: -20..+70 ms.
    constexpr double kEarlyS = 0.020, kLateS = 0.070;
    for (const char* dir : {"caller", "answerer"}) {
        CAPTURE(dir);
        std::vector<nlohmann::json> want;
        for (const auto& s : expect["segments"])
            if (s["direction"] == dir) want.push_back(s);
        std::vector<const decode::Event*> got;
        for (const auto& e : events)
            if (is_v22(e.kind) && decode::to_string(e.direction) == dir) got.push_back(&e);
        REQUIRE(got.size() == want.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            CAPTURE(i);
            CHECK(decode::to_string(got[i]->kind) == want[i]["kind"].get<std::string>());
            if (times) {
                const double dt = modem::dsp::samples_to_seconds(got[i]->start) - want[i]["start"].get<double>();
                CHECK(dt >= -kEarlyS);
                CHECK(dt <= kLateS);
            }
        }
        const auto& data = *got.back();
        REQUIRE(data.kind == decode::Kind::Data);
        CHECK(std::get<std::int64_t>(*data.field("rate")) == expect["data"][dir]["rate"].get<int>());
        CHECK(str_field(data, "format") == expect["data"][dir]["format"].get<std::string>());
        CHECK(str_field(data, "hex") == expect["data"][dir]["hex"].get<std::string>());
        CHECK(std::get<std::int64_t>(*data.field("parity_errors")) == 0);
        CHECK(std::get<std::int64_t>(*data.field("framing_errors")) == 0);
    }
}

}  // namespace

TEST_CASE("FormatDetector: picks the format our V.14 transmitter used, bytes exact") {
    for (const auto& fmt : decode::FormatDetector::candidates()) {
        for (const bool text : {false, true}) {
            CAPTURE(fmt.name());
            CAPTURE(text);
            const auto bytes = text ? ascii_text(fmt.data_bits) : random_bytes(200, fmt.data_bits, 77);
            decode::FormatDetector det(4096);
            for (auto b : framed(bytes, fmt, 37)) det.push_bit(b);
            const auto r = det.result();
            CHECK(r.format == fmt);
            CHECK(r.bytes == bytes);
            CHECK(r.chars == bytes.size());
            CHECK(r.parity_errors + r.framing_errors == 0);
        }
    }
}

TEST_CASE("FormatDetector: keeps the first max_bytes characters and counts them all") {
    const auto bytes = random_bytes(100, 8, 5);
    decode::FormatDetector det(16);
    for (auto b : framed(bytes, v14::Format{}, 10)) det.push_bit(b);
    const auto r = det.result();
    CHECK(r.chars == 100);
    CHECK(r.bytes == std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 16));
}

TEST_CASE("escape_text and hex_bytes: documented forms") {
    const std::vector<std::uint8_t> b{'A', ' ', '~', '\\', '\r', '\n', '\t', 0x00, 0x1f, 0x7f, 0xff};
    CHECK(decode::escape_text(b) == "A ~\\\\\\r\\n\\t\\x00\\x1f\\x7f\\xff");
    CHECK(decode::hex_bytes(b) == "41 20 7e 5c 0d 0a 09 00 1f 7f ff");
    CHECK(decode::hex_bytes({}).empty());
}

TEST_CASE("Decoder: V.22/V.22bis vectors give every segment per direction, on time, with rate, format and data") {
    for (const auto& name : kVectors) {
        CAPTURE(name);
        std::ifstream f(vector_path(name, ".expect"));
        REQUIRE(f);
        const auto expect = nlohmann::json::parse(f);
        const auto x = read_wav(vector_path(name, ".wav"));
        REQUIRE(x.size() < 10 * 8000);  // style.md 7: at most 10 s
        const auto events = decode_in_blocks(x, 160);
        check_against_expect(events, expect, true);
        // Nothing is taken for V.21 FSK or unknown energy inside the V.22 call.
        for (const auto& e : events) {
            CHECK(e.kind != decode::Kind::V21Ch1);
            CHECK(e.kind != decode::Kind::V21Ch2);
            CHECK(e.kind != decode::Kind::Unknown);
        }
        // style.md 7: the same in blocks of 1.
        CHECK(decode_in_blocks(x, 1) == events);
    }
}

TEST_CASE("Decoder: V.22/V.22bis data byte-exact at 20 dB SNR") {
    for (const auto& name : kVectors) {
        CAPTURE(name);
        std::ifstream f(vector_path(name, ".expect"));
        const auto expect = nlohmann::json::parse(f);
        auto x = read_wav(vector_path(name, ".wav"));
        // Each direction carries about half the power of the 2-wire sum: noise 20 dB under that.
        double p = 0.0;
        for (float v : x) p += static_cast<double>(v) * static_cast<double>(v);
        p /= static_cast<double>(x.size());
        const double sigma = std::sqrt(0.5 * p / 100.0);
        const auto n = test::white_noise(x.size(), 20260 + name.size(), sigma);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += n[i];
        check_against_expect(decode_in_blocks(x, 160), expect, true);
    }
}

TEST_CASE("Decoder: JSON of a data event has rate, format, text and hex") {
    const auto x = read_wav(vector_path("v22bis_2400_8n1", ".wav"));
    const auto events = decode_in_blocks(x, 4096);
    const auto j = decode::to_json("x.wav", 1.0, events);
    int data = 0;
    for (const auto& e : j["events"]) {
        if (e["kind"] != "data") continue;
        ++data;
        CHECK(e["rate"] == 2400);
        CHECK(e["format"] == "8N1");
        CHECK(e["text"].is_string());
        CHECK(e["hex"].is_string());
        CHECK((e["direction"] == "caller" || e["direction"] == "answerer"));
    }
    CHECK(data == 2);
}
