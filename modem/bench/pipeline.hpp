// SPDX-License-Identifier: MIT
/// \file
/// Inputs and drivers of the pipeline figures of `squeal bench`: the V.21 and V.8 signals every
/// implementation is timed on, a best-of-N timer over a whole signal, and heap use per instance.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "modem/bench/measure.hpp"

namespace modem::bench {

/// CPU time of the calling thread in seconds (CLOCK_THREAD_CPUTIME_ID). Every speed figure of the
/// bench is timed with it, not with the wall clock: the bench machines are shared, and time spent
/// descheduled is not the code's cost (it would charge whichever part ran while others were busy).
double thread_cpu_seconds() noexcept;

/// `seconds` of V.21 channel 1 FSK (300 bit/s, -13 dBm0, our v21::FskTx) carrying seeded random
/// bits, as int16; the bits go to `bits`. Deterministic.
std::vector<std::int16_t> make_v21_signal(double seconds, std::uint64_t seed, std::vector<std::uint8_t>& bits);

/// What our V.8 caller (v8::V8Endpoint, V.22bis offered) sends while negotiating with our V.8
/// answerer on a clean line (each hears the other one block of 160 samples later), from the
/// start until 0.5 s after both finished, as int16. Throws std::runtime_error if V.8 does not
/// complete within 10 s.
std::vector<std::int16_t> make_v8_caller_signal();
/// `signal` plus seeded white Gaussian noise of 1 int16 step rms (rounded, clamped): the same
/// arguments give the same samples in every build.
std::vector<std::int16_t> with_noise_floor(std::span<const std::int16_t> signal, std::uint64_t seed);

/// Thread-CPU nanoseconds per sample of feeding `signal` to a fresh make() in blocks of 160 (the
/// construction is not timed), best of `repeats`.
double time_signal(const std::function<std::unique_ptr<BitReceiver>()>& make, std::span<const std::int16_t> signal,
                   int repeats);

/// Heap bytes in use (glibc mallinfo2) that `instances` calls of make() add, divided by the
/// instance count: the object (when make() allocates it) and everything it allocates. make()
/// returns an owner that keeps the instance alive until it is destroyed.
double heap_bytes_per_instance(const std::function<std::shared_ptr<void>()>& make, int instances);

/// The pipeline figures of `impl` (V.21 receive, V.8 answerer, V.22bis transmit and receive at
/// both rates, the pump, the whole call, memory), appended to f.speeds and f.memory.
void measure_pipeline(Implementation& impl, const BenchInputs& inputs, const BenchOptions& opt, Figures& f);

}  // namespace modem::bench
