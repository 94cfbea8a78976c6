// SPDX-License-Identifier: MIT
/// \file
/// libFuzzer target for the audio-file input path: the input is written to a file and opened
/// the way the CLI opens recordings (SoundFileReader for decode/listen, open_line for call/tx):
/// only AudioError may come out, and what is read is bounded and finite.
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "audio/audio_io.hpp"

namespace audio = modem::audio;

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_sound_file: property failed: %s\n", what);
        std::abort();
    }
}

/// Most 8 kHz samples read per input (project choice: 2 s keeps the rate high; a lying header
/// that promises hours is still opened and its first blocks read).
constexpr std::size_t kMaxSamples = 16000;

/// The file the input is written to, one per process (libFuzzer -jobs runs several processes).
const std::string& scratch_path() {
    static const std::string path = [] {
        const char* dir = std::getenv("TMPDIR");
        return std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/squeal-fuzz-sound-" +
               std::to_string(::getpid());
    }();
    return path;
}

void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    require(f != nullptr, "the scratch file can be created");
    if (size > 0) require(std::fwrite(data, 1, size, f) == size, "the scratch file can be written");
    std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = scratch_path();
    write_file(path, data, size);
    // Which of the two open paths and which channel pick: from the size, so seeds stay plain files.
    const auto pick = static_cast<audio::ChannelPick>(size % 3);
    if ((size / 3) % 2 == 0) {
        // `squeal decode` / `squeal listen FILE`: float samples at 8 kHz.
        try {
            audio::SoundFileReader r(path, {.channel = pick, .quality = audio::ResampleQuality::Fastest});
            require(r.source_channels() >= 1 && r.source_rate_hz() > 0, "an opened file has channels and a rate");
            std::array<float, 1000> buf{};
            std::size_t total = 0;
            for (std::size_t n; total < kMaxSamples && (n = r.read(buf)) > 0;) {
                require(n <= buf.size(), "read() stays within its span");
                total += n;
            }
        } catch (const audio::AudioError& e) {
            require(e.what()[0] != '\0', "an error says what went wrong");
        }
    } else {
        // `squeal call/answer/tx --in FILE`: int16 blocks through the file-backed line.
        try {
            audio::LineOptions opts;
            opts.backend = "file";
            opts.in_path = path;
            opts.channel = pick;
            auto line = audio::open_line(opts);
            std::array<std::int16_t, 160> block{};
            std::size_t total = 0;
            for (std::size_t n; total < kMaxSamples && (n = line->read(block)) > 0;) {
                require(n <= block.size(), "read() stays within its block");
                line->write(block);
                total += n;
            }
            line->close();
        } catch (const audio::AudioError& e) {
            require(e.what()[0] != '\0', "an error says what went wrong");
        }
    }
    return 0;
}
