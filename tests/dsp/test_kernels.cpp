// SPDX-License-Identifier: MIT
/// \file
/// SIMD equivalence: every kernel table this CPU runs matches the scalar reference.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

#include "dsp/kernels/kernels.hpp"
#include "support/noise.hpp"

using namespace modem::dsp;
using kernels::Table;

namespace {

constexpr std::size_t kMaxLen = 80;     // style guide section 6: lengths 0..80
constexpr std::size_t kMaxOffset = 3;   // and start offsets 0..3 (unaligned pointers)
constexpr std::size_t kBuf = kMaxLen + kMaxOffset + 8;

std::vector<cf32> complex_noise(std::size_t n, std::uint64_t seed) {
    const auto re = test::white_noise(n, seed, 1.0);
    const auto im = test::white_noise(n, seed + 1000, 1.0);
    std::vector<cf32> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = {re[i], im[i]};
    return v;
}

const Table& scalar() { return *kernels::available()[0]; }

/// Float sums in another order differ by a few ulp of the sum of |terms|, never of the result:
/// the tolerance is scaled to that magnitude.
double dot_tol(std::size_t n, double sum_abs) { return 4.0 * static_cast<double>(n + 1) * 1.2e-7 * sum_abs + 1e-30; }

}  // namespace

TEST_CASE("kernels: available() starts with scalar and holds each ISA once") {
    const auto tabs = kernels::available();
    REQUIRE(!tabs.empty());
    CHECK(tabs[0]->isa == kernels::Isa::Scalar);
    for (std::size_t i = 1; i < tabs.size(); ++i) CHECK(tabs[i]->isa != tabs[i - 1]->isa);
    CHECK(kernels::to_string(kernels::Isa::Avx2) == "avx2");
    CHECK(kernels::to_string(kernels::Isa::Avx512) == "avx512");
}

TEST_CASE("kernels: select() accepts runnable names and rejects others without changing the table") {
    const auto before = kernels::active().isa;
    CHECK_FALSE(kernels::select("neon-nonsense"));
    CHECK(kernels::active().isa == before);
    for (const Table* t : kernels::available()) {
        CHECK(kernels::select(kernels::to_string(t->isa)));
        CHECK(kernels::active().isa == t->isa);
    }
    CHECK(kernels::select(kernels::to_string(before)));
}

TEST_CASE("kernels: every table equals scalar for lengths 0..80 and offsets 0..3") {
    const auto fa = test::white_noise(kBuf, 11, 1.0);
    const auto fb = test::white_noise(kBuf, 12, 1.0);
    const auto ca = complex_noise(kBuf, 13);
    const auto cb = complex_noise(kBuf, 14);
    // int16 inputs cover the extremes; float inputs for f32_to_s16 include overload and halves.
    std::vector<std::int16_t> s16(kBuf);
    std::mt19937_64 rng(15);
    for (auto& v : s16) v = static_cast<std::int16_t>(static_cast<int>(rng() % 65536u) - 32768);
    s16[1] = -32768;
    s16[2] = 32767;
    std::vector<float> f16 = test::white_noise(kBuf, 16, 0.7);
    for (std::size_t i = 0; i < kBuf; i += 5) f16[i] *= 3.0f;  // beyond full scale: saturates
    for (std::size_t i = 3; i < kBuf; i += 7) f16[i] = (static_cast<float>(i) + 0.5f) / kInt16Scale;  // exact .5
    f16[4] = std::numeric_limits<float>::quiet_NaN();

    const Table& ref = scalar();
    for (const Table* t : kernels::available()) {
        CAPTURE(kernels::to_string(t->isa));
        for (std::size_t off = 0; off <= kMaxOffset; ++off) {
            for (std::size_t n = 0; n <= kMaxLen; ++n) {
                CAPTURE(off);
                CAPTURE(n);
                const float* a = fa.data() + off;
                const float* b = fb.data() + off;
                const cf32* x = ca.data() + off;
                const cf32* y = cb.data() + off;

                double sum_abs = 0.0, csum_abs = 0.0;
                for (std::size_t i = 0; i < n; ++i) {
                    sum_abs += std::abs(a[i] * b[i]);
                    csum_abs += std::abs(x[i]) * std::abs(b[i]);
                }
                CHECK(std::abs(t->dot(a, b, n) - ref.dot(a, b, n)) <= dot_tol(n, sum_abs));
                const cf32 d1 = t->dot_cr(x, b, n), d2 = ref.dot_cr(x, b, n);
                CHECK(std::abs(d1 - d2) <= dot_tol(n, csum_abs));
                // Two dots in one call, taps as planes (n real parts, then n imaginary parts) starting
                // at the same unaligned offset; the second pair reads other data (reversed offsets).
                const cf32* x2 = ca.data() + (kMaxOffset - off);
                const float* b2 = fa.data() + (kMaxOffset - off);
                std::vector<float> plane1(off + 2 * n), plane2(off + 2 * n);
                for (std::size_t i = 0; i < n; ++i) {
                    plane1[off + i] = x[i].real();
                    plane1[off + n + i] = x[i].imag();
                    plane2[off + i] = x2[i].real();
                    plane2[off + n + i] = x2[i].imag();
                }
                double csum2 = 0.0;
                for (std::size_t i = 0; i < n; ++i) csum2 += std::abs(x2[i]) * std::abs(b2[i]);
                float w1[4] = {-1, -1, -1, -1}, w2[4] = {-2, -2, -2, -2};
                t->dot_cr2(plane1.data() + off, b, plane2.data() + off, b2, n, w1);
                ref.dot_cr2(plane1.data() + off, b, plane2.data() + off, b2, n, w2);
                CHECK(std::abs(cf32(w1[0], w1[1]) - d2) <= dot_tol(n, csum_abs));
                CHECK(std::abs(cf32(w1[2], w1[3]) - ref.dot_cr(x2, b2, n)) <= dot_tol(n, csum2));
                CHECK(cf32(w2[0], w2[1]) == d2);  // scalar twin: the same sums in the same order as dot_cr

                // Element-wise kernels: outputs written exactly n values, nothing beyond.
                std::vector<cf32> o1(kBuf, cf32(99.0f, 99.0f)), o2(kBuf, cf32(99.0f, 99.0f));
                t->mix(x, y, o1.data() + off, n);
                ref.mix(x, y, o2.data() + off, n);
                for (std::size_t i = 0; i < kBuf; ++i) {
                    CHECK(std::abs(o1[i] - o2[i]) <= 4e-7f * (std::abs(o2[i]) + 1e-3f));
                }
                // In place: out == in.
                std::vector<cf32> inplace(ca);
                t->mix(inplace.data() + off, y, inplace.data() + off, n);
                for (std::size_t i = 0; i < n; ++i) CHECK(std::abs(inplace[off + i] - o2[off + i]) <= 4e-7f * (std::abs(o2[off + i]) + 1e-3f));

                std::fill(o1.begin(), o1.end(), cf32(99.0f, 99.0f));
                std::fill(o2.begin(), o2.end(), cf32(99.0f, 99.0f));
                t->mix_real(a, y, o1.data() + off, n);
                ref.mix_real(a, y, o2.data() + off, n);
                CHECK(o1 == o2);  // one product per lane: exact

                std::vector<float> m1(kBuf, 99.0f), m2(kBuf, 99.0f);
                t->mag2(x, m1.data() + off, n);
                ref.mag2(x, m2.data() + off, n);
                for (std::size_t i = 0; i < kBuf; ++i) CHECK(std::abs(m1[i] - m2[i]) <= 2.5e-7f * m2[i]);

                std::vector<float> c1(kBuf, 99.0f), c2(kBuf, 99.0f);
                t->s16_to_f32(s16.data() + off, c1.data() + off, n);
                ref.s16_to_f32(s16.data() + off, c2.data() + off, n);
                CHECK(c1 == c2);

                std::vector<std::int16_t> q1(kBuf, 7), q2(kBuf, 7);
                t->f32_to_s16(f16.data() + off, q1.data() + off, n);
                ref.f32_to_s16(f16.data() + off, q2.data() + off, n);
                CHECK(q1 == q2);
            }
        }
    }
}

TEST_CASE("kernels: scalar conversions saturate and round half to even") {
    const Table& ref = scalar();
    const std::vector<float> in{1.5f, -2.0f, 0.5f / kInt16Scale, 1.5f / kInt16Scale, -0.5f / kInt16Scale,
                                32767.4f / kInt16Scale, -1.0f, std::numeric_limits<float>::quiet_NaN()};
    std::vector<std::int16_t> out(in.size());
    ref.f32_to_s16(in.data(), out.data(), in.size());
    CHECK(out == std::vector<std::int16_t>{32767, -32768, 0, 2, 0, 32767, -32768, -32768});
    const std::vector<std::int16_t> s{-32768, 0, 16384, 32767};
    std::vector<float> f(s.size());
    ref.s16_to_f32(s.data(), f.data(), s.size());
    CHECK(f == std::vector<float>{-1.0f, 0.0f, 0.5f, 32767.0f / 32768.0f});
}

TEST_CASE("kernels: scalar dot and complex kernels match the textbook formulas") {
    const std::vector<float> a{1, 2, 3}, b{4, -5, 6};
    CHECK(scalar().dot(a.data(), b.data(), 3) == doctest::Approx(12.0));
    const std::vector<cf32> x{{1, 2}, {3, -1}}, lo{{0, 1}, {2, 2}};
    std::vector<cf32> y(2);
    scalar().mix(x.data(), lo.data(), y.data(), 2);
    CHECK(y[0] == cf32(-2, 1));
    CHECK(y[1] == cf32(8, 4));
    const cf32 d = scalar().dot_cr(x.data(), b.data(), 2);
    CHECK(d == cf32(4 - 15, 8 + 5));
}
