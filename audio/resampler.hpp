// SPDX-License-Identifier: MIT
/// \file
/// Streaming one-channel sample-rate converter over libsamplerate, used by the file and
/// sound-card backends (never inside an audio callback: it may allocate).
#pragma once

#include <span>
#include <vector>

#include "audio/audio_io.hpp"

struct SRC_STATE_tag;

namespace modem::audio::detail {

class Resampler {
public:
    /// Converts in_rate_hz to out_rate_hz. Throws AudioError if libsamplerate cannot start.
    Resampler(int in_rate_hz, int out_rate_hz, ResampleQuality quality);
    ~Resampler();
    Resampler(const Resampler&) = delete;
    Resampler& operator=(const Resampler&) = delete;

    /// Converts all of `in`, appending every output sample that can be made to `out`. With
    /// `end_of_input` the converter also flushes its tail; the stream is then over.
    void process(std::span<const float> in, std::vector<float>& out, bool end_of_input);
    /// Output samples per input sample.
    [[nodiscard]] double ratio() const noexcept { return ratio_; }

private:
    SRC_STATE_tag* state_ = nullptr;
    double ratio_;
};

}  // namespace modem::audio::detail
