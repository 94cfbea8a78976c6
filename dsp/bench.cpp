// SPDX-License-Identifier: MIT
/// \file
/// Kernel micro-benchmark: ns/sample for each kernel and ISA, printed as a table.
#include "dsp/bench.hpp"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iomanip>
#include <ostream>
#include <string>
#include <vector>

#include "dsp/fir.hpp"
#include "dsp/kernels/kernels.hpp"

namespace modem::dsp::bench {
namespace {

constexpr std::size_t kLen = 4096;             // project choice: fits in L1/L2, long enough to amortise calls
constexpr double kMinSeconds = 0.02;           // project choice: per measurement
constexpr std::size_t kFirTaps = 64;

/// ns per sample of fn(), which processes `samples` samples per call; repeats until kMinSeconds.
double time_ns_per_sample(const std::function<void()>& fn, std::size_t samples) {
    using clock = std::chrono::steady_clock;
    fn();  // warm-up
    std::size_t calls = 0;
    const auto start = clock::now();
    double elapsed = 0.0;
    do {
        for (int i = 0; i < 16; ++i) fn();
        calls += 16;
        elapsed = std::chrono::duration<double>(clock::now() - start).count();
    } while (elapsed < kMinSeconds);
    return elapsed * 1e9 / static_cast<double>(calls * samples);
}

}  // namespace

void run_kernel_bench(std::ostream& os) {
    const kernels::Table& previous = kernels::active();
    const auto tables = kernels::available();

    std::vector<float> fa(kLen), fb(kLen), fo(kLen);
    std::vector<cf32> ca(kLen), cb(kLen), co(kLen);
    std::vector<std::int16_t> s16(kLen);
    for (std::size_t i = 0; i < kLen; ++i) {
        const double t = static_cast<double>(i);
        fa[i] = static_cast<float>(0.5 * std::sin(0.01 * t));
        fb[i] = static_cast<float>(0.5 * std::cos(0.013 * t));
        ca[i] = {fa[i], fb[i]};
        cb[i] = {fb[i], -fa[i]};
        s16[i] = static_cast<std::int16_t>(fa[i] * 20000.0f);
    }
    volatile float sink = 0.0f;  // keeps reductions from being optimised away

    struct Row {
        std::string name;
        std::function<void(const kernels::Table&)> run;
        std::size_t samples;
    };
    std::vector<float> taps(kFirTaps, 1.0f / static_cast<float>(kFirTaps));
    const std::vector<Row> rows{
        {"dot", [&](const kernels::Table& t) { sink = sink + t.dot(fa.data(), fb.data(), kLen); }, kLen},
        {"dot_cr", [&](const kernels::Table& t) { sink = sink + t.dot_cr(ca.data(), fb.data(), kLen).real(); }, kLen},
        {"mix", [&](const kernels::Table& t) { t.mix(ca.data(), cb.data(), co.data(), kLen); }, kLen},
        {"mix_real", [&](const kernels::Table& t) { t.mix_real(fa.data(), cb.data(), co.data(), kLen); }, kLen},
        {"mag2", [&](const kernels::Table& t) { t.mag2(ca.data(), fo.data(), kLen); }, kLen},
        {"s16_to_f32", [&](const kernels::Table& t) { t.s16_to_f32(s16.data(), fo.data(), kLen); }, kLen},
        {"f32_to_s16", [&](const kernels::Table& t) { t.f32_to_s16(fa.data(), s16.data(), kLen); }, kLen},
    };

    os << "kernel ns/sample (n = " << kLen << ")\n" << std::left << std::setw(16) << "kernel";
    for (const kernels::Table* t : tables) os << std::right << std::setw(10) << kernels::to_string(t->isa);
    os << '\n' << std::fixed << std::setprecision(3);
    for (const Row& r : rows) {
        os << std::left << std::setw(16) << r.name;
        for (const kernels::Table* t : tables) {
            os << std::right << std::setw(10) << time_ns_per_sample([&] { r.run(*t); }, r.samples);
        }
        os << '\n';
    }
    // Blocks reach the kernels through active(), so the Fir rows select each table in turn.
    for (int complex = 0; complex < 2; ++complex) {
        os << std::left << std::setw(16) << (complex ? "fir64<cf32>" : "fir64<float>");
        for (const kernels::Table* t : tables) {
            kernels::select(kernels::to_string(t->isa));
            double ns = 0.0;
            if (complex) {
                Fir<cf32> fir({.taps = taps});
                ns = time_ns_per_sample([&] { fir.process(ca, co); }, kLen);
            } else {
                Fir<float> fir({.taps = taps});
                ns = time_ns_per_sample([&] { fir.process(fa, fo); }, kLen);
            }
            os << std::right << std::setw(10) << ns;
        }
        os << '\n';
    }
    kernels::select(kernels::to_string(previous.isa));
    os << "active: " << kernels::to_string(previous.isa) << '\n';
}

}  // namespace modem::dsp::bench
