// SPDX-License-Identifier: MIT
/// \file
/// libFuzzer target for the recording decoder: arbitrary int16 sample streams (little-endian
/// pairs of input bytes) fed in blocks whose sizes come from the input, then finish(); events
/// must lie inside the input, be sorted, and not depend on the block sizes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "modem/decode/decoder.hpp"

namespace decode = modem::decode;

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_decoder: property failed: %s\n", what);
        std::abort();
    }
}

}  // namespace

/// Layout: byte 0 picks the block size (1..256 samples, or everything at once for 0), byte 1 a
/// gain shift (0..7: the int16 values are multiplied by 2^shift and clipped, so quiet and
/// clipped signals both occur), the rest is int16 little-endian samples.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::size_t block = data[0] == 0 ? SIZE_MAX : data[0];
    const int shift = data[1] & 7;
    std::vector<float> samples((size - 2) / 2);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const auto v = static_cast<std::int16_t>(data[2 + 2 * i] | (data[3 + 2 * i] << 8));
        samples[i] = std::clamp(static_cast<float>(v) * static_cast<float>(1 << shift), -32768.0f, 32767.0f);
    }
    decode::Decoder d;
    for (std::size_t pos = 0; pos < samples.size();) {
        const std::size_t n = std::min(block, samples.size() - pos);
        d.process(std::span<const float>(samples.data() + pos, n));
        pos += n;
    }
    d.finish();
    // Block-size invariance (decoder.hpp): the same events when everything is fed at once.
    if (block < samples.size()) require(decode::decode(samples) == d.events(), "events do not depend on block sizes");
    require(d.now() == static_cast<decode::SampleTime>(samples.size()), "every sample is consumed");
    const auto& ev = d.events();
    for (std::size_t i = 0; i < ev.size(); ++i) {
        require(ev[i].start <= ev[i].end, "an event ends after it starts");
        require(ev[i].end <= d.now(), "an event lies inside the input");
        if (i > 0) require(ev[i - 1].start <= ev[i].start, "events are sorted by start");
    }
    return 0;
}
