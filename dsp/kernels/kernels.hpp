// SPDX-License-Identifier: MIT
/// \file
/// The SIMD kernel table and the span wrappers that blocks call (style guide section 5).
/// Blocks never touch the table directly and never know which instruction set was chosen.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dsp/types.hpp"

namespace modem::dsp::kernels {

enum class Isa { Scalar, Avx2, Avx512 };

/// "scalar", "avx2", "avx512".
std::string_view to_string(Isa isa) noexcept;

/// One implementation of every kernel. Every function accepts any length (including 0) and
/// unaligned pointers.
struct Table {
    Isa isa;
    /// sum_k a[k] * b[k]
    float (*dot)(const float* a, const float* b, std::size_t n) noexcept;
    /// sum_k a[k] * b[k], complex a, real b
    cf32 (*dot_cr)(const cf32* a, const float* b, std::size_t n) noexcept;
    /// Two complex-by-real dots of one length n, the complex taps as planes (a = n real parts,
    /// then n imaginary parts): out = {sum_k a0[k] b0[k], sum_k a0[n + k] b0[k], sum_k a1[k] b1[k],
    /// sum_k a1[n + k] b1[k]}. For a receiver's two matched-filter outputs per symbol: planes
    /// need no shuffles, the four sums run as independent chains, and the results go through
    /// memory (a cf32 return value stalls on store forwarding).
    void (*dot_cr2)(const float* a0, const float* b0, const float* a1, const float* b1, std::size_t n,
                    float* out) noexcept;
    /// out[k] = in[k] * lo[k] (complex mixing; in-place allowed)
    void (*mix)(const cf32* in, const cf32* lo, cf32* out, std::size_t n) noexcept;
    /// out[k] = in[k] * lo[k] (real signal times complex oscillator; in and out may not alias)
    void (*mix_real)(const float* in, const cf32* lo, cf32* out, std::size_t n) noexcept;
    /// out[k] = |in[k]|^2
    void (*mag2)(const cf32* in, float* out, std::size_t n) noexcept;
    /// out[k] = in[k] / 32768
    void (*s16_to_f32)(const std::int16_t* in, float* out, std::size_t n) noexcept;
    /// out[k] = saturate(round(in[k] * 32768)) to [-32768, 32767]
    void (*f32_to_s16)(const float* in, std::int16_t* out, std::size_t n) noexcept;
};

/// The table chosen on first use: SQUEAL_SIMD=scalar|avx2|avx512 if set (and runnable), otherwise
/// the best the CPU supports.
const Table& active() noexcept;
/// Force a table by name ("scalar", "avx2", "avx512"); false if unknown or not runnable here.
bool select(std::string_view name) noexcept;
/// Every table this CPU can run, scalar first. For tests and benchmarks.
std::span<const Table* const> available() noexcept;

inline float dot(std::span<const float> a, std::span<const float> b) noexcept {
    assert(a.size() == b.size());
    return active().dot(a.data(), b.data(), a.size());
}
inline cf32 dot(std::span<const cf32> a, std::span<const float> b) noexcept {
    assert(a.size() == b.size());
    return active().dot_cr(a.data(), b.data(), a.size());
}
/// Two complex-by-real dots with planar taps (Table::dot_cr2): a0 and a1 hold 2 n floats (n real
/// parts, then n imaginary parts), b0 and b1 n samples; out = (re, im, re, im).
inline void dot2(std::span<const float> a0, std::span<const float> b0, std::span<const float> a1,
                 std::span<const float> b1, float (&out)[4]) noexcept {
    assert(a0.size() == 2 * b0.size() && a1.size() == 2 * b1.size() && b0.size() == b1.size());
    active().dot_cr2(a0.data(), b0.data(), a1.data(), b1.data(), b0.size(), out);
}
inline void mix(std::span<const cf32> in, std::span<const cf32> lo, std::span<cf32> out) noexcept {
    assert(in.size() == lo.size() && in.size() == out.size());
    active().mix(in.data(), lo.data(), out.data(), in.size());
}
inline void mix(std::span<const float> in, std::span<const cf32> lo, std::span<cf32> out) noexcept {
    assert(in.size() == lo.size() && in.size() == out.size());
    active().mix_real(in.data(), lo.data(), out.data(), in.size());
}
inline void mag2(std::span<const cf32> in, std::span<float> out) noexcept {
    assert(in.size() == out.size());
    active().mag2(in.data(), out.data(), in.size());
}
inline void s16_to_f32(std::span<const std::int16_t> in, std::span<float> out) noexcept {
    assert(in.size() == out.size());
    active().s16_to_f32(in.data(), out.data(), in.size());
}
inline void f32_to_s16(std::span<const float> in, std::span<std::int16_t> out) noexcept {
    assert(in.size() == out.size());
    active().f32_to_s16(in.data(), out.data(), in.size());
}

}  // namespace modem::dsp::kernels
