// SPDX-License-Identifier: MIT
/// \file
/// AVX-512 (F, DQ, VL, BW) kernels; tails use masked loads and stores instead of a scalar loop.
#include "dsp/kernels/tables.hpp"

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && defined(__AVX512BW__)

// GCC 12's AVX-512 headers build "undefined" registers as self-initialised variables, which its own
// -Wuninitialized flags inside every inlined intrinsic. The warning is about the header, not us.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)  // a GCC-only warning: clang warns about the unknown name instead
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

namespace modem::dsp::kernels {
namespace {

/// Mask with the low `k` bits set (k <= 16).
__mmask16 tail16(std::size_t k) noexcept { return static_cast<__mmask16>((1u << k) - 1u); }

float dot(const float* a, const float* b, std::size_t n) noexcept {
    __m512 acc0 = _mm512_setzero_ps();
    __m512 acc1 = _mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
    }
    for (; i + 16 <= n; i += 16) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    if (i < n) {
        const __mmask16 m = tail16(n - i);
        acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), acc1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

/// (b0 b0 b1 b1 ... b7 b7) from eight floats held in the low half of a register.
__m512 dup_pairs(__m256 b) noexcept {
    const __m512i idx = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
    return _mm512_permutexvar_ps(idx, _mm512_castps256_ps512(b));
}

// Four accumulators: a receiver's matched filter calls this once per output, so the latency of
// one FMA chain, not throughput, sets the cost. Even lanes hold real parts, odd lanes imaginary.
cf32 dot_cr(const cf32* a, const float* b, std::size_t n) noexcept {
    const float* af = reinterpret_cast<const float*>(a);
    __m512 acc0 = _mm512_setzero_ps();
    __m512 acc1 = _mm512_setzero_ps();
    __m512 acc2 = _mm512_setzero_ps();
    __m512 acc3 = _mm512_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(af + 2 * i), dup_pairs(_mm256_loadu_ps(b + i)), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(af + 2 * i + 16), dup_pairs(_mm256_loadu_ps(b + i + 8)), acc1);
        acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(af + 2 * i + 32), dup_pairs(_mm256_loadu_ps(b + i + 16)), acc2);
        acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(af + 2 * i + 48), dup_pairs(_mm256_loadu_ps(b + i + 24)), acc3);
    }
    for (; i + 8 <= n; i += 8) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(af + 2 * i), dup_pairs(_mm256_loadu_ps(b + i)), acc0);
    if (i < n) {
        const std::size_t k = n - i;
        const __m256 bv = _mm256_maskz_loadu_ps(static_cast<__mmask8>((1u << k) - 1u), b + i);
        acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail16(2 * k), af + 2 * i), dup_pairs(bv), acc1);
    }
    const __m512 acc = _mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3));
    // Halve the width three times, keeping (re, im) pairs apart: lanes 0 and 1 end as re and im.
    const __m256 h8 = _mm256_add_ps(_mm512_castps512_ps256(acc), _mm512_extractf32x8_ps(acc, 1));
    const __m128 h4 = _mm_add_ps(_mm256_castps256_ps128(h8), _mm256_extractf128_ps(h8, 1));
    const __m128 h2 = _mm_add_ps(h4, _mm_movehl_ps(h4, h4));
    alignas(16) float lane[4];
    _mm_store_ps(lane, h2);
    return {lane[0], lane[1]};
}

/// 128-bit sum of the four quarters of v.
__m128 quarter_sum(__m512 v) noexcept {
    const __m256 h8 = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    return _mm_add_ps(_mm256_castps256_ps128(h8), _mm256_extractf128_ps(h8, 1));
}

// Planar taps: per 16 samples one load of each input, four FMAs, no shuffles; two accumulators
// per sum (eight chains) so FMA latency does not set the pace.
void dot_cr2(const float* a0, const float* b0, const float* a1, const float* b1, std::size_t n, float* out) noexcept {
    __m512 r0 = _mm512_setzero_ps(), i0 = _mm512_setzero_ps(), r1 = _mm512_setzero_ps(), i1 = _mm512_setzero_ps();
    __m512 r0b = _mm512_setzero_ps(), i0b = _mm512_setzero_ps(), r1b = _mm512_setzero_ps(), i1b = _mm512_setzero_ps();
    std::size_t k = 0;
    for (; k + 32 <= n; k += 32) {
        const __m512 x0 = _mm512_loadu_ps(b0 + k), x1 = _mm512_loadu_ps(b1 + k);
        const __m512 y0 = _mm512_loadu_ps(b0 + k + 16), y1 = _mm512_loadu_ps(b1 + k + 16);
        r0 = _mm512_fmadd_ps(_mm512_loadu_ps(a0 + k), x0, r0);
        i0 = _mm512_fmadd_ps(_mm512_loadu_ps(a0 + n + k), x0, i0);
        r1 = _mm512_fmadd_ps(_mm512_loadu_ps(a1 + k), x1, r1);
        i1 = _mm512_fmadd_ps(_mm512_loadu_ps(a1 + n + k), x1, i1);
        r0b = _mm512_fmadd_ps(_mm512_loadu_ps(a0 + k + 16), y0, r0b);
        i0b = _mm512_fmadd_ps(_mm512_loadu_ps(a0 + n + k + 16), y0, i0b);
        r1b = _mm512_fmadd_ps(_mm512_loadu_ps(a1 + k + 16), y1, r1b);
        i1b = _mm512_fmadd_ps(_mm512_loadu_ps(a1 + n + k + 16), y1, i1b);
    }
    for (; k < n; k += 16) {
        const __mmask16 m = n - k >= 16 ? static_cast<__mmask16>(0xFFFF) : tail16(n - k);
        const __m512 x0 = _mm512_maskz_loadu_ps(m, b0 + k), x1 = _mm512_maskz_loadu_ps(m, b1 + k);
        r0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a0 + k), x0, r0);
        i0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a0 + n + k), x0, i0);
        r1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a1 + k), x1, r1);
        i1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a1 + n + k), x1, i1);
    }
    // Four 128-bit partial sums; two rounds of pairwise adds give (r0, i0, r1, i1).
    const __m128 s0 = quarter_sum(_mm512_add_ps(r0, r0b)), s1 = quarter_sum(_mm512_add_ps(i0, i0b));
    const __m128 s2 = quarter_sum(_mm512_add_ps(r1, r1b)), s3 = quarter_sum(_mm512_add_ps(i1, i1b));
    _mm_storeu_ps(out, _mm_hadd_ps(_mm_hadd_ps(s0, s1), _mm_hadd_ps(s2, s3)));
}

// (a + jb)(c + jd): even lanes x*c - swap(x)*d = ac - bd, odd lanes x*c + swap(x)*d = bc + ad.
__m512 cmul(__m512 xv, __m512 lv) noexcept {
    const __m512 re = _mm512_moveldup_ps(lv);
    const __m512 im = _mm512_movehdup_ps(lv);
    const __m512 xs = _mm512_permute_ps(xv, 0xB1);
    return _mm512_fmaddsub_ps(xv, re, _mm512_mul_ps(xs, im));
}

void mix(const cf32* in, const cf32* lo, cf32* out, std::size_t n) noexcept {
    const float* x = reinterpret_cast<const float*>(in);
    const float* l = reinterpret_cast<const float*>(lo);
    float* y = reinterpret_cast<float*>(out);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm512_storeu_ps(y + 2 * i, cmul(_mm512_loadu_ps(x + 2 * i), _mm512_loadu_ps(l + 2 * i)));
    if (i < n) {
        const __mmask16 m = tail16(2 * (n - i));
        _mm512_mask_storeu_ps(y + 2 * i, m, cmul(_mm512_maskz_loadu_ps(m, x + 2 * i), _mm512_maskz_loadu_ps(m, l + 2 * i)));
    }
}

void mix_real(const float* in, const cf32* lo, cf32* out, std::size_t n) noexcept {
    const float* l = reinterpret_cast<const float*>(lo);
    float* y = reinterpret_cast<float*>(out);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm512_storeu_ps(y + 2 * i, _mm512_mul_ps(dup_pairs(_mm256_loadu_ps(in + i)), _mm512_loadu_ps(l + 2 * i)));
    if (i < n) {
        const std::size_t k = n - i;
        const __mmask16 m = tail16(2 * k);
        const __m256 xv = _mm256_maskz_loadu_ps(static_cast<__mmask8>((1u << k) - 1u), in + i);
        _mm512_mask_storeu_ps(y + 2 * i, m, _mm512_mul_ps(dup_pairs(xv), _mm512_maskz_loadu_ps(m, l + 2 * i)));
    }
}

/// |z|^2 of eight complex samples in `v`, as the even lanes of a 512-bit register compressed
/// into one 256-bit result.
__m256 mag2_8(__m512 v) noexcept {
    const __m512 sq = _mm512_mul_ps(v, v);
    const __m512 sum = _mm512_add_ps(sq, _mm512_permute_ps(sq, 0xB1));  // re^2+im^2 in both lanes
    const __m512i idx = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 14, 12, 10, 8, 6, 4, 2, 0);
    return _mm512_castps512_ps256(_mm512_permutexvar_ps(idx, sum));
}

void mag2(const cf32* in, float* out, std::size_t n) noexcept {
    const float* x = reinterpret_cast<const float*>(in);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, mag2_8(_mm512_loadu_ps(x + 2 * i)));
    if (i < n) {
        const std::size_t k = n - i;
        _mm256_mask_storeu_ps(out + i, static_cast<__mmask8>((1u << k) - 1u),
                              mag2_8(_mm512_maskz_loadu_ps(tail16(2 * k), x + 2 * i)));
    }
}

constexpr float kFromS16 = 1.0f / kInt16Scale;

void s16_to_f32(const std::int16_t* in, float* out, std::size_t n) noexcept {
    const __m512 scale = _mm512_set1_ps(kFromS16);
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
        _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(v)), scale));
    }
    if (i < n) {
        const __mmask16 m = tail16(n - i);
        const __m256i v = _mm256_maskz_loadu_epi16(m, in + i);
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(v)), scale));
    }
}

// Same clamp order as scalar.cpp: max(v, lo) then min(v, hi); cvtps rounds to nearest even.
__m512i to_s32(__m512 x) noexcept {
    __m512 v = _mm512_mul_ps(x, _mm512_set1_ps(kInt16Scale));
    v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-32768.0f)), _mm512_set1_ps(32767.0f));
    return _mm512_cvtps_epi32(v);
}

void f32_to_s16(const float* in, std::int16_t* out, std::size_t n) noexcept {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm512_cvtsepi32_epi16(to_s32(_mm512_loadu_ps(in + i))));
    }
    if (i < n) {
        const __mmask16 m = tail16(n - i);
        _mm512_mask_cvtsepi32_storeu_epi16(out + i, m, to_s32(_mm512_maskz_loadu_ps(m, in + i)));
    }
}

constexpr Table kTable{
    .isa = Isa::Avx512,
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
const Table* avx512_table() noexcept { return &kTable; }
}  // namespace detail

}  // namespace modem::dsp::kernels

#pragma GCC diagnostic pop

#else

namespace modem::dsp::kernels::detail {
const Table* avx512_table() noexcept { return nullptr; }
}  // namespace modem::dsp::kernels::detail

#endif
