// SPDX-License-Identifier: MIT
/// \file
/// Regression tests for what fuzz/fuzz_sound_file found: NaN samples in a float file reached the
/// float -> int16 conversion, where converting NaN is undefined behaviour (UBSan aborts on it).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "audio/audio_io.hpp"
#include "audio/convert.hpp"
#include "audio_test_util.hpp"

using modem::audio::detail::float_to_s16;

TEST_CASE("float_to_s16: NaN gives 0 and infinities clip to the int16 limits") {
    CHECK(float_to_s16(std::numeric_limits<float>::quiet_NaN()) == 0);
    CHECK(float_to_s16(-std::numeric_limits<float>::quiet_NaN()) == 0);
    CHECK(float_to_s16(std::numeric_limits<float>::infinity()) == 32767);
    CHECK(float_to_s16(-std::numeric_limits<float>::infinity()) == -32768);
    CHECK(float_to_s16(0.5f) == 16384);
}

TEST_CASE("file line: a float WAV holding NaN is read as int16 or refused with AudioError, never converted blindly") {
    // The fuzz crash input: a 8 kHz mono float WAV whose samples include a NaN.
    test::TempDir dir("regress-fuzz");
    const std::string path = dir.file("nan.wav");
    std::vector<float> x(64);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.25f * std::sin(0.3f * static_cast<float>(i));
    x[10] = std::numeric_limits<float>::quiet_NaN();
    REQUIRE(test::write_with_sndfile(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 8000, 1, x));
    modem::audio::LineOptions opts;
    opts.in_path = path;
    try {
        auto line = modem::audio::open_line(opts);
        std::vector<std::int16_t> got(x.size());
        const std::size_t n = line->read(got);
        CHECK(n == x.size());
        CHECK(got[10] == 0);  // the NaN: silence, not an arbitrary integer
        CHECK(got[5] == float_to_s16(x[5]));
    } catch (const modem::audio::AudioError& e) {
        CHECK(std::string(e.what()).find("nan.wav") != std::string::npos);  // refused, naming the file
    }
}
