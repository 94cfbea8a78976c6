// SPDX-License-Identifier: MIT
/// \file
/// Reference (plain C++) kernels: the specification every SIMD table is tested against.
#include <cmath>

#include "dsp/kernels/tables.hpp"

namespace modem::dsp::kernels {
namespace {

float dot(const float* a, const float* b, std::size_t n) noexcept {
    float sum = 0.0f;
    for (std::size_t i = 0; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

// Complex samples are read as interleaved (re, im) floats: std::complex<float> guarantees that
// layout, and spelling the arithmetic out avoids the library's inf/NaN-recovering multiply.
cf32 dot_cr(const cf32* a, const float* b, std::size_t n) noexcept {
    const float* af = reinterpret_cast<const float*>(a);
    float re = 0.0f, im = 0.0f;
    for (std::size_t i = 0; i < n; ++i) {
        re += af[2 * i] * b[i];
        im += af[2 * i + 1] * b[i];
    }
    return {re, im};
}

void dot_cr2(const float* a0, const float* b0, const float* a1, const float* b1, std::size_t n, float* out) noexcept {
    float r0 = 0.0f, i0 = 0.0f, r1 = 0.0f, i1 = 0.0f;
    for (std::size_t k = 0; k < n; ++k) {
        r0 += a0[k] * b0[k];
        i0 += a0[n + k] * b0[k];
        r1 += a1[k] * b1[k];
        i1 += a1[n + k] * b1[k];
    }
    out[0] = r0;
    out[1] = i0;
    out[2] = r1;
    out[3] = i1;
}

// (a + jb)(c + jd) = (ac - bd) + j(ad + bc)
void mix(const cf32* in, const cf32* lo, cf32* out, std::size_t n) noexcept {
    const float* x = reinterpret_cast<const float*>(in);
    const float* l = reinterpret_cast<const float*>(lo);
    float* y = reinterpret_cast<float*>(out);
    for (std::size_t i = 0; i < n; ++i) {
        const float a = x[2 * i], b = x[2 * i + 1], c = l[2 * i], d = l[2 * i + 1];
        y[2 * i] = a * c - b * d;
        y[2 * i + 1] = a * d + b * c;
    }
}

void mix_real(const float* in, const cf32* lo, cf32* out, std::size_t n) noexcept {
    const float* l = reinterpret_cast<const float*>(lo);
    float* y = reinterpret_cast<float*>(out);
    for (std::size_t i = 0; i < n; ++i) {
        y[2 * i] = in[i] * l[2 * i];
        y[2 * i + 1] = in[i] * l[2 * i + 1];
    }
}

void mag2(const cf32* in, float* out, std::size_t n) noexcept {
    const float* x = reinterpret_cast<const float*>(in);
    for (std::size_t i = 0; i < n; ++i) out[i] = x[2 * i] * x[2 * i] + x[2 * i + 1] * x[2 * i + 1];
}

// 1/32768 is a power of two, so the product is exact and equals the division.
constexpr float kFromS16 = 1.0f / kInt16Scale;

void s16_to_f32(const std::int16_t* in, float* out, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]) * kFromS16;
}

// Clamp written as (v > lo ? v : lo) then (v < hi ? v : hi): the same operand order as the
// SIMD max/min instructions, so NaN maps to -32768 on every path. Rounding is to nearest even
// (the default rounding mode), as the SIMD float-to-int conversions do.
void f32_to_s16(const float* in, std::int16_t* out, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        float v = in[i] * kInt16Scale;
        v = v > -32768.0f ? v : -32768.0f;
        v = v < 32767.0f ? v : 32767.0f;
        out[i] = static_cast<std::int16_t>(std::nearbyint(v));
    }
}

constexpr Table kTable{
    .isa = Isa::Scalar,
    .dot = dot,
    .dot_cr = dot_cr,
    .dot_cr2 = dot_cr2,
    .mix = mix,
    .mix_real = mix_real,
    .mag2 = mag2,
    .s16_to_f32 = s16_to_f32,
    .f32_to_s16 = f32_to_s16,
};

}  // namespace

namespace detail {
const Table& scalar_table() noexcept { return kTable; }
}  // namespace detail

}  // namespace modem::dsp::kernels
