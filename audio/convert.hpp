// SPDX-License-Identifier: MIT
/// \file
/// Sample conversions shared by the audio backends (float 1.0 = int16 full scale 32768).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

namespace modem::audio::detail {

/// x * 32768 rounded to nearest and clipped to [-32768, 32767] (NaN gives 0); exact inverse of s16_to_float.
inline std::int16_t float_to_s16(float x) noexcept {
    const float scaled = std::nearbyint(x * 32768.0f);
    if (std::isnan(scaled)) return 0;  // converting NaN to an integer is undefined behaviour
    return static_cast<std::int16_t>(std::clamp(scaled, -32768.0f, 32767.0f));
}

inline float s16_to_float(std::int16_t s) noexcept { return static_cast<float>(s) * (1.0f / 32768.0f); }

inline void float_to_s16(std::span<const float> in, std::span<std::int16_t> out) noexcept {
    const std::size_t n = std::min(in.size(), out.size());
    for (std::size_t i = 0; i < n; ++i) out[i] = float_to_s16(in[i]);
}

inline void s16_to_float(std::span<const std::int16_t> in, std::span<float> out) noexcept {
    const std::size_t n = std::min(in.size(), out.size());
    for (std::size_t i = 0; i < n; ++i) out[i] = s16_to_float(in[i]);
}

}  // namespace modem::audio::detail
