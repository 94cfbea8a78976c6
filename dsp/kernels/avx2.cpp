// SPDX-License-Identifier: MIT
/// \file
/// AVX2 + FMA kernels (compiled with -mavx2 -mfma; reached only after the CPU check in dispatch.cpp).
#include "dsp/kernels/tables.hpp"

#if defined(__AVX2__) && defined(__FMA__)

#include <immintrin.h>

#include <cstring>

#include <cmath>

namespace modem::dsp::kernels {
namespace {

float hsum(__m256 v) noexcept {
    alignas(32) float lane[8];
    _mm256_store_ps(lane, v);
    return ((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]));
}

float dot(const float* a, const float* b, std::size_t n) noexcept {
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    float sum = hsum(_mm256_add_ps(acc0, acc1));
    for (; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

/// b[0..3] -> (b0 b0 b1 b1 b2 b2 b3 b3), to meet interleaved complex samples.
__m256 dup_pairs(const float* b) noexcept {
    const __m128 v = _mm_loadu_ps(b);
    return _mm256_set_m128(_mm_unpackhi_ps(v, v), _mm_unpacklo_ps(v, v));
}

// Four accumulators: a receiver's matched filter calls this once per output, so the latency of
// one FMA chain, not throughput, sets the cost. Even lanes hold real parts, odd lanes imaginary.
cf32 dot_cr(const cf32* a, const float* b, std::size_t n) noexcept {
    const float* af = reinterpret_cast<const float*>(a);
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps();
    __m256 acc3 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(af + 2 * i), dup_pairs(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(af + 2 * i + 8), dup_pairs(b + i + 4), acc1);
        acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(af + 2 * i + 16), dup_pairs(b + i + 8), acc2);
        acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(af + 2 * i + 24), dup_pairs(b + i + 12), acc3);
    }
    for (; i + 8 <= n; i += 8) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(af + 2 * i), dup_pairs(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(af + 2 * i + 8), dup_pairs(b + i + 4), acc1);
    }
    for (; i + 4 <= n; i += 4) acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(af + 2 * i), dup_pairs(b + i), acc2);
    alignas(32) float lane[8];
    _mm256_store_ps(lane, _mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
    float re = (lane[0] + lane[4]) + (lane[2] + lane[6]);
    float im = (lane[1] + lane[5]) + (lane[3] + lane[7]);
    for (; i < n; ++i) {
        re += af[2 * i] * b[i];
        im += af[2 * i + 1] * b[i];
    }
    return {re, im};
}

// Planar taps: per 8 samples one load of each input, four FMAs, no shuffles; two accumulators
// per sum (eight chains) so FMA latency does not set the pace.
void dot_cr2(const float* a0, const float* b0, const float* a1, const float* b1, std::size_t n, float* out) noexcept {
    __m256 r0 = _mm256_setzero_ps(), i0 = _mm256_setzero_ps(), r1 = _mm256_setzero_ps(), i1 = _mm256_setzero_ps();
    __m256 r0b = _mm256_setzero_ps(), i0b = _mm256_setzero_ps(), r1b = _mm256_setzero_ps(), i1b = _mm256_setzero_ps();
    std::size_t k = 0;
    for (; k + 16 <= n; k += 16) {
        const __m256 x0 = _mm256_loadu_ps(b0 + k), x1 = _mm256_loadu_ps(b1 + k);
        const __m256 y0 = _mm256_loadu_ps(b0 + k + 8), y1 = _mm256_loadu_ps(b1 + k + 8);
        r0 = _mm256_fmadd_ps(_mm256_loadu_ps(a0 + k), x0, r0);
        i0 = _mm256_fmadd_ps(_mm256_loadu_ps(a0 + n + k), x0, i0);
        r1 = _mm256_fmadd_ps(_mm256_loadu_ps(a1 + k), x1, r1);
        i1 = _mm256_fmadd_ps(_mm256_loadu_ps(a1 + n + k), x1, i1);
        r0b = _mm256_fmadd_ps(_mm256_loadu_ps(a0 + k + 8), y0, r0b);
        i0b = _mm256_fmadd_ps(_mm256_loadu_ps(a0 + n + k + 8), y0, i0b);
        r1b = _mm256_fmadd_ps(_mm256_loadu_ps(a1 + k + 8), y1, r1b);
        i1b = _mm256_fmadd_ps(_mm256_loadu_ps(a1 + n + k + 8), y1, i1b);
    }
    for (; k + 8 <= n; k += 8) {
        const __m256 x0 = _mm256_loadu_ps(b0 + k), x1 = _mm256_loadu_ps(b1 + k);
        r0 = _mm256_fmadd_ps(_mm256_loadu_ps(a0 + k), x0, r0);
        i0 = _mm256_fmadd_ps(_mm256_loadu_ps(a0 + n + k), x0, i0);
        r1 = _mm256_fmadd_ps(_mm256_loadu_ps(a1 + k), x1, r1);
        i1 = _mm256_fmadd_ps(_mm256_loadu_ps(a1 + n + k), x1, i1);
    }
    auto half_sum = [](__m256 v) { return _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1)); };
    const __m128 s0 = half_sum(_mm256_add_ps(r0, r0b)), s1 = half_sum(_mm256_add_ps(i0, i0b));
    const __m128 s2 = half_sum(_mm256_add_ps(r1, r1b)), s3 = half_sum(_mm256_add_ps(i1, i1b));
    alignas(16) float lane[4];
    _mm_store_ps(lane, _mm_hadd_ps(_mm_hadd_ps(s0, s1), _mm_hadd_ps(s2, s3)));
    for (; k < n; ++k) {
        lane[0] += a0[k] * b0[k];
        lane[1] += a0[n + k] * b0[k];
        lane[2] += a1[k] * b1[k];
        lane[3] += a1[n + k] * b1[k];
    }
    std::memcpy(out, lane, sizeof lane);
}

// (a + jb)(c + jd): even lanes x*c - swap(x)*d = ac - bd, odd lanes x*c + swap(x)*d = bc + ad.
void mix(const cf32* in, const cf32* lo, cf32* out, std::size_t n) noexcept {
    const float* x = reinterpret_cast<const float*>(in);
    const float* l = reinterpret_cast<const float*>(lo);
    float* y = reinterpret_cast<float*>(out);
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256 xv = _mm256_loadu_ps(x + 2 * i);
        const __m256 lv = _mm256_loadu_ps(l + 2 * i);
        const __m256 re = _mm256_moveldup_ps(lv);
        const __m256 im = _mm256_movehdup_ps(lv);
        const __m256 xs = _mm256_permute_ps(xv, 0xB1);
        _mm256_storeu_ps(y + 2 * i, _mm256_fmaddsub_ps(xv, re, _mm256_mul_ps(xs, im)));
    }
    for (; i < n; ++i) {
        const float a = x[2 * i], b = x[2 * i + 1], c = l[2 * i], d = l[2 * i + 1];
        y[2 * i] = a * c - b * d;
        y[2 * i + 1] = a * d + b * c;
    }
}

void mix_real(const float* in, const cf32* lo, cf32* out, std::size_t n) noexcept {
    const float* l = reinterpret_cast<const float*>(lo);
    float* y = reinterpret_cast<float*>(out);
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) _mm256_storeu_ps(y + 2 * i, _mm256_mul_ps(dup_pairs(in + i), _mm256_loadu_ps(l + 2 * i)));
    for (; i < n; ++i) {
        y[2 * i] = in[i] * l[2 * i];
        y[2 * i + 1] = in[i] * l[2 * i + 1];
    }
}

void mag2(const cf32* in, float* out, std::size_t n) noexcept {
    const float* x = reinterpret_cast<const float*>(in);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 a = _mm256_loadu_ps(x + 2 * i);
        const __m256 b = _mm256_loadu_ps(x + 2 * i + 8);
        // hadd gives (m0 m1 m4 m5 | m2 m3 m6 m7); the 64-bit permute restores the order.
        const __m256 h = _mm256_hadd_ps(_mm256_mul_ps(a, a), _mm256_mul_ps(b, b));
        _mm256_storeu_ps(out + i, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(h), 0xD8)));
    }
    for (; i < n; ++i) out[i] = x[2 * i] * x[2 * i] + x[2 * i + 1] * x[2 * i + 1];
}

constexpr float kFromS16 = 1.0f / kInt16Scale;

void s16_to_f32(const std::int16_t* in, float* out, std::size_t n) noexcept {
    const __m256 scale = _mm256_set1_ps(kFromS16);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(v)), scale));
    }
    for (; i < n; ++i) out[i] = static_cast<float>(in[i]) * kFromS16;
}

// Same clamp order as scalar.cpp: max(v, lo) then min(v, hi); cvtps rounds to nearest even.
void f32_to_s16(const float* in, std::int16_t* out, std::size_t n) noexcept {
    const __m256 scale = _mm256_set1_ps(kInt16Scale);
    const __m256 lo = _mm256_set1_ps(-32768.0f);
    const __m256 hi = _mm256_set1_ps(32767.0f);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(in + i), scale);
        v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        const __m256i q = _mm256_cvtps_epi32(v);
        const __m128i packed = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), packed);
    }
    for (; i < n; ++i) {
        float v = in[i] * kInt16Scale;
        v = v > -32768.0f ? v : -32768.0f;
        v = v < 32767.0f ? v : 32767.0f;
        out[i] = static_cast<std::int16_t>(std::nearbyint(v));
    }
}

constexpr Table kTable{
    .isa = Isa::Avx2,
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
const Table* avx2_table() noexcept { return &kTable; }
}  // namespace detail

}  // namespace modem::dsp::kernels

#else

namespace modem::dsp::kernels::detail {
const Table* avx2_table() noexcept { return nullptr; }
}  // namespace modem::dsp::kernels::detail

#endif
