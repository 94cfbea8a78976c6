// SPDX-License-Identifier: MIT
/// \file
/// Tests of the sound-file reader, writer and file line: exact round trips, rate conversion that
/// keeps tone frequency and level, channel picks, block-size invariance and one-line errors.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "audio/audio_io.hpp"
#include "audio_test_util.hpp"
#include "support/noise.hpp"

using modem::audio::AudioError;
using modem::audio::ChannelPick;
using modem::audio::LineOptions;
using modem::audio::SoundFileReader;
using modem::audio::SoundFileWriter;

namespace {

std::vector<std::int16_t> random_s16(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::int16_t> v(n);
    for (auto& s : v) s = static_cast<std::int16_t>(static_cast<std::int64_t>(rng() % 65536) - 32768);
    v[0] = -32768;  // both extremes must survive
    v[1] = 32767;
    return v;
}

std::vector<float> read_all(SoundFileReader& r, std::size_t block) {
    std::vector<float> out, buf(block);
    for (;;) {
        const std::size_t n = r.read(std::span<float>(buf));
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        if (n < block) return out;
    }
}

std::vector<float> read_all(const std::string& path, ChannelPick pick, std::size_t block = 4096) {
    SoundFileReader r(path, {.channel = pick});
    return read_all(r, block);
}

/// Drops the first and last 0.1 s (resampler edges) for tone measurements.
std::vector<float> middle(const std::vector<float>& x) {
    const std::size_t edge = 800;
    REQUIRE(x.size() > 3 * edge);
    return {x.begin() + edge, x.end() - edge};
}

/// Runs `fn`, requires an AudioError, and checks its message is one non-empty line.
template <class Fn>
std::string one_line_error(Fn&& fn) {
    std::string msg;
    try {
        fn();
    } catch (const AudioError& e) {
        msg = e.what();
    }
    CHECK_FALSE(msg.empty());
    CHECK(msg.find('\n') == std::string::npos);
    return msg;
}

}  // namespace

TEST_CASE("SoundFile: 8 kHz 16-bit WAV and FLAC round trips are exact") {
    test::TempDir dir("audio");
    const auto samples = random_s16(12345, 1);
    for (const char* name : {"rt.wav", "rt.flac", "rt.raw"}) {
        CAPTURE(name);
        const std::string path = dir.file(name);
        {
            SoundFileWriter w(path);
            w.write(std::span<const std::int16_t>(samples).first(5000));
            w.write(std::span<const std::int16_t>(samples).subspan(5000));
            w.close();
        }
        if (std::string(name) == "rt.raw") {
            // Headerless: 2 bytes per sample, little-endian.
            std::ifstream f(path, std::ios::binary);
            std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
            REQUIRE(bytes.size() == 2 * samples.size());
            for (std::size_t i = 0; i < samples.size(); ++i) {
                const auto v = static_cast<std::int16_t>(static_cast<std::uint8_t>(bytes[2 * i]) |
                                                         (static_cast<std::uint8_t>(bytes[2 * i + 1]) << 8));
                REQUIRE(v == samples[i]);
            }
            continue;
        }
        SoundFileReader r(path);
        CHECK(r.source_rate_hz() == 8000);
        CHECK(r.source_channels() == 1);
        CHECK(r.source_frames() == static_cast<std::int64_t>(samples.size()));
        CHECK(r.frames_8k() == static_cast<std::int64_t>(samples.size()));
        std::vector<std::int16_t> back(samples.size() + 10);
        CHECK(r.read(std::span<std::int16_t>(back)) == samples.size());
        back.resize(samples.size());
        CHECK(back == samples);
    }
}

TEST_CASE("SoundFileReader: 44.1 kHz stereo FLAC keeps each tone's frequency and level at 8 kHz") {
    test::TempDir dir("audio");
    const std::string path = dir.file("tones.flac");
    // Left 1000 Hz at 0.5, right 1700 Hz at 0.25 full scale, 2 s.
    REQUIRE(test::write_with_sndfile(path, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, 2,
                                     test::stereo_tones(44100, 2.0, 1000.0, 0.5, 1700.0, 0.25)));
    {
        SoundFileReader r(path);
        CHECK(r.source_rate_hz() == 44100);
        CHECK(r.source_channels() == 2);
        CHECK(r.duration_s() == doctest::Approx(2.0));
        CHECK(r.frames_8k() == 16000);
        CHECK(r.format_name().find("FLAC") != std::string::npos);
    }
    // Tolerances: 0.05 Hz is far below what a rate error would cause (44100 vs 44000 would move
    // 1 kHz by 2.3 Hz); 0.1 dB covers libsamplerate's passband ripple and 16-bit quantisation.
    // The other channel must be at least 60 dB down (16-bit FLAC noise floor is ~-90 dB).
    struct Case {
        ChannelPick pick;
        double a1000, a1700;
    };
    for (const Case c : {Case{ChannelPick::Left, 0.5, 0.0}, Case{ChannelPick::Right, 0.0, 0.25},
                         Case{ChannelPick::Mix, 0.25, 0.125}}) {
        CAPTURE(static_cast<int>(c.pick));
        const auto all = read_all(path, c.pick);
        CHECK(static_cast<double>(all.size()) == doctest::Approx(16000).epsilon(0.001));
        const auto x = middle(all);
        for (const auto [f, a] : {std::pair{1000.0, c.a1000}, std::pair{1700.0, c.a1700}}) {
            CAPTURE(f);
            if (a > 0.0) {
                const auto fit = test::fit_tone(x, f, 8000);
                CHECK(fit.freq_hz == doctest::Approx(f).epsilon(0.05 / f));
                CHECK(std::abs(test::amplitude_db(fit.amplitude, a)) < 0.1);
            } else {
                CHECK(test::amplitude_db(test::tone_amplitude(x, f, 8000), 0.5) < -60.0);
            }
        }
    }
}

TEST_CASE("SoundFileReader: 48 kHz OGG Vorbis tone arrives at 8 kHz with frequency and level kept") {
    test::TempDir dir("audio");
    const std::string path = dir.file("tone.ogg");
    std::vector<float> mono(48000 * 2);
    for (std::size_t i = 0; i < mono.size(); ++i)
        mono[i] = static_cast<float>(0.4 * std::sin(2.0 * std::numbers::pi * 2100.0 * static_cast<double>(i) / 48000.0));
    REQUIRE(test::write_with_sndfile(path, SF_FORMAT_OGG | SF_FORMAT_VORBIS, 48000, 1, mono));
    SoundFileReader r(path, {.channel = ChannelPick::Right});  // right of a mono file = the mono channel
    CHECK(r.source_rate_hz() == 48000);
    const auto all = read_all(r, 160);
    CHECK(static_cast<double>(all.size()) == doctest::Approx(16000).epsilon(0.001));
    const auto fit = test::fit_tone(middle(all), 2100.0, 8000);
    // Vorbis is lossy: 0.3 dB level tolerance; frequency still exact to 0.05 Hz.
    CHECK(fit.freq_hz == doctest::Approx(2100.0).epsilon(0.05 / 2100.0));
    CHECK(std::abs(test::amplitude_db(fit.amplitude, 0.4)) < 0.3);
}

TEST_CASE("SoundFileReader: samples do not depend on the read block size") {
    test::TempDir dir("audio");
    const std::string path = dir.file("noise.wav");
    // Resampled path (22050 Hz stereo) and pass-through path (8000 Hz) both.
    for (const int rate : {22050, 8000}) {
        CAPTURE(rate);
        auto noise = test::white_noise(static_cast<std::size_t>(rate) * 2, 99, 0.2);  // 1 s stereo
        REQUIRE(test::write_with_sndfile(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, rate, 2, noise));
        SoundFileReader whole_reader(path);
        const auto whole = read_all(whole_reader, 1u << 16);
        REQUIRE(whole.size() > 7000);
        for (const std::size_t block : {1u, 7u, 160u, 1023u}) {
            CAPTURE(block);
            SoundFileReader r(path);
            CHECK(read_all(r, block) == whole);  // bit-exact: the file is fed in the same chunks
        }
        // int16 reads are the rounded float reads.
        SoundFileReader r16(path);
        std::vector<std::int16_t> s(whole.size() + 5);
        REQUIRE(r16.read(std::span<std::int16_t>(s)) == whole.size());
        for (std::size_t i = 0; i < whole.size(); ++i)
            REQUIRE(s[i] == static_cast<std::int16_t>(std::clamp(std::nearbyint(whole[i] * 32768.0f), -32768.0f, 32767.0f)));
    }
}

TEST_CASE("SoundFileWriter: out_rate_hz resamples 8 kHz to the file rate, keeping the tone") {
    test::TempDir dir("audio");
    const std::string path = dir.file("up.wav");
    std::vector<std::int16_t> tone(8000);
    for (std::size_t i = 0; i < tone.size(); ++i)
        tone[i] = static_cast<std::int16_t>(std::lround(16000.0 * std::sin(2.0 * std::numbers::pi * 1200.0 * static_cast<double>(i) / 8000.0)));
    auto line = modem::audio::open_line(LineOptions{.backend = "file", .out_path = path, .out_rate_hz = 44100});
    for (std::size_t i = 0; i < tone.size(); i += 160) line->write(std::span<const std::int16_t>(tone).subspan(i, 160));
    line->close();
    line->close();  // idempotent

    SF_INFO info{};
    SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
    REQUIRE(f != nullptr);
    CHECK(info.samplerate == 44100);
    CHECK(info.channels == 1);
    CHECK(static_cast<double>(info.frames) == doctest::Approx(44100).epsilon(0.001));
    std::vector<float> x(static_cast<std::size_t>(info.frames));
    sf_readf_float(f, x.data(), info.frames);
    sf_close(f);
    const std::vector<float> mid(x.begin() + 4410, x.end() - 4410);
    const auto fit = test::fit_tone(mid, 1200.0, 44100);
    CHECK(fit.freq_hz == doctest::Approx(1200.0).epsilon(0.05 / 1200.0));
    CHECK(std::abs(test::amplitude_db(fit.amplitude, 16000.0 / 32768.0)) < 0.1);
}

TEST_CASE("FileLine: reads the file then fewer samples at the end; no input file gives silence") {
    test::TempDir dir("audio");
    const std::string in = dir.file("in.wav");
    const std::string out = dir.file("out.flac");
    const auto samples = random_s16(1000, 5);
    {
        SoundFileWriter w(in);
        w.write(samples);
    }
    auto line = modem::audio::open_line(LineOptions{.backend = "file", .in_path = in, .out_path = out});
    CHECK(line->describe().find("in.wav") != std::string::npos);
    std::vector<std::int16_t> got, block(300);
    std::size_t n = 0;
    while ((n = line->read(block)) == block.size()) {
        got.insert(got.end(), block.begin(), block.end());
        line->write(block);
    }
    CHECK(n == 100);
    got.insert(got.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n));
    line->write(std::span<const std::int16_t>(block).first(n));
    CHECK(got == samples);
    CHECK(line->read(block) == 0);
    CHECK(line->stats().samples_read == 1000);
    CHECK(line->stats().samples_written == 1000);
    line->close();
    SoundFileReader back(out);
    std::vector<std::int16_t> echoed(2000);
    echoed.resize(back.read(std::span<std::int16_t>(echoed)));
    CHECK(echoed == samples);

    auto gen = modem::audio::open_line(LineOptions{.backend = "file"});
    std::vector<std::int16_t> sil(160, 123);
    for (int i = 0; i < 3; ++i) {
        CHECK(gen->read(sil) == 160);
        CHECK(std::all_of(sil.begin(), sil.end(), [](std::int16_t s) { return s == 0; }));
    }
    gen->close();
}

TEST_CASE("SoundFile: bad input throws AudioError with one clear line") {
    test::TempDir dir("audio");
    const std::string text = dir.file("notes.wav");
    std::ofstream(text) << "this is not audio, just some words\nand a second line\n";
    const std::string empty = dir.file("empty.wav");
    std::ofstream(empty).close();
    const std::string missing = dir.file("missing.wav");

    CHECK(one_line_error([&] { SoundFileReader r(missing); }).find("missing.wav") != std::string::npos);
    CHECK(one_line_error([&] { SoundFileReader r(text); }).find("notes.wav") != std::string::npos);
    CHECK(one_line_error([&] { SoundFileReader r(empty); }).find("empty") != std::string::npos);
    CHECK(one_line_error([&] { SoundFileReader r(dir.file("")); }).find("directory") != std::string::npos);
    // Output problems are found when opening, before any audio is produced.
    CHECK(one_line_error([&] { SoundFileWriter w(dir.file("no/such/dir/out.wav")); }).find("out.wav") != std::string::npos);
    CHECK(one_line_error([&] { SoundFileWriter w(dir.file("")); }).find("cannot write") != std::string::npos);
    CHECK(one_line_error([&] { SoundFileWriter w(dir.file("out.xyz")); }).find(".wav") != std::string::npos);
    CHECK(one_line_error([&] { SoundFileWriter w(dir.file("out.wav"), 10); }).find("rate") != std::string::npos);
    CHECK(one_line_error([&] { (void)modem::audio::parse_channel_pick("centre"); }).find("left, right or mix") !=
          std::string::npos);
    CHECK(modem::audio::parse_channel_pick("RIGHT") == ChannelPick::Right);
    CHECK(modem::audio::parse_channel_pick("l") == ChannelPick::Left);
    CHECK(modem::audio::parse_channel_pick("mix") == ChannelPick::Mix);

    // The same through open_line, and the output check happens at open even with a good input.
    const std::string good = dir.file("good.wav");
    {
        SoundFileWriter w(good);
        w.write(random_s16(10, 2));
    }
    one_line_error([&] { (void)modem::audio::open_line(LineOptions{.backend = "file", .in_path = text}); });
    one_line_error([&] {
        (void)modem::audio::open_line(LineOptions{.backend = "file", .in_path = good, .out_path = "/proc/nope/out.wav"});
    });
}

TEST_CASE("SoundFileReader: a long 44.1 kHz file streams in constant memory" * doctest::test_suite("slow")) {
    test::TempDir dir("audio");
    const std::string path = dir.file("long.wav");
    constexpr int kRate = 44100;
    constexpr int kSeconds = 1200;  // 20 minutes: 106 MB of 16-bit samples, 212 MB as floats
    {
        SF_INFO info{};
        info.samplerate = kRate;
        info.channels = 1;
        info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
        SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
        REQUIRE(f != nullptr);
        std::vector<short> sec(kRate);
        for (int i = 0; i < kRate; ++i)
            sec[static_cast<std::size_t>(i)] = static_cast<short>(std::lround(8000.0 * std::sin(2.0 * std::numbers::pi * 441.0 * i / kRate)));
        for (int s = 0; s < kSeconds; ++s) REQUIRE(sf_writef_short(f, sec.data(), kRate) == kRate);
        sf_close(f);
    }
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    const auto t0 = std::chrono::steady_clock::now();
    SoundFileReader r(path);
    std::vector<std::int16_t> block(160);
    std::uint64_t total = 0;
    while (const std::size_t n = r.read(std::span<std::int16_t>(block))) total += n;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    MESSAGE("read " << kSeconds << " s of 44.1 kHz audio in " << secs << " s (" << kSeconds / secs
                    << "x real time); peak RSS grew by " << (after.ru_maxrss - before.ru_maxrss) << " kB");
    CHECK(static_cast<double>(total) == doctest::Approx(8000.0 * kSeconds).epsilon(1e-5));
    CHECK(after.ru_maxrss - before.ru_maxrss < 8 * 1024);  // kB; loading the file would add >100 MB
}
