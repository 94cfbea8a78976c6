// SPDX-License-Identifier: MIT
/// \file
/// Streaming one-channel sample-rate converter over libsamplerate.
#include "audio/resampler.hpp"

#include <cmath>
#include <string>

#include <samplerate.h>

namespace modem::audio::detail {
namespace {
int src_type(ResampleQuality q) {
    switch (q) {
    case ResampleQuality::Best: return SRC_SINC_BEST_QUALITY;
    case ResampleQuality::Medium: return SRC_SINC_MEDIUM_QUALITY;
    case ResampleQuality::Fastest: return SRC_SINC_FASTEST;
    }
    return SRC_SINC_MEDIUM_QUALITY;
}
}  // namespace

Resampler::Resampler(int in_rate_hz, int out_rate_hz, ResampleQuality quality)
    : ratio_(static_cast<double>(out_rate_hz) / in_rate_hz) {
    int err = 0;
    state_ = src_new(src_type(quality), 1, &err);
    if (state_ == nullptr) throw AudioError(std::string("cannot start the resampler: ") + src_strerror(err));
}

Resampler::~Resampler() { src_delete(state_); }

void Resampler::process(std::span<const float> in, std::vector<float>& out, bool end_of_input) {
    // Room for this call's output plus the converter's internal backlog (its filter length).
    const auto cap = static_cast<std::size_t>(std::ceil(static_cast<double>(in.size()) * ratio_)) + 256;
    // libsamplerate quietly makes no output when data_in is null, even to flush: never pass null.
    static const float kNoInput = 0.0f;
    for (;;) {
        const std::size_t old = out.size();
        out.resize(old + cap);
        SRC_DATA d{};
        d.data_in = in.empty() ? &kNoInput : in.data();
        d.input_frames = static_cast<long>(in.size());
        d.data_out = out.data() + old;
        d.output_frames = static_cast<long>(cap);
        d.src_ratio = ratio_;
        d.end_of_input = end_of_input ? 1 : 0;
        if (const int err = src_process(state_, &d); err != 0)
            throw AudioError(std::string("resampler failed: ") + src_strerror(err));
        out.resize(old + static_cast<std::size_t>(d.output_frames_gen));
        if (d.input_frames_used == 0 && d.output_frames_gen == 0 && !in.empty())
            throw AudioError("resampler made no progress");  // never seen; guards against a hang
        in = in.subspan(static_cast<std::size_t>(d.input_frames_used));
        // Done when all input is used and, at the end of the stream, nothing more comes out.
        if (in.empty() && (!end_of_input || d.output_frames_gen == 0)) return;
    }
}

}  // namespace modem::audio::detail
