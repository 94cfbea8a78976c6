// SPDX-License-Identifier: MIT
/// \file
/// FIR filter with real taps over real or complex samples, used for band splitting and pulse shaping.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "dsp/block.hpp"
#include "dsp/types.hpp"

namespace modem::dsp {

/// Direct-form FIR. The taps are stored reversed and the history twice over, so every output is
/// one forward kernels::dot over contiguous memory that never wraps.
template <class Sample>
class Fir {
public:
    using InSample = Sample;
    using OutSample = Sample;
    struct Config {
        std::vector<float> taps;  ///< taps[0] multiplies the newest sample; must not be empty
    };
    /// Throws std::invalid_argument if `cfg.taps` is empty.
    explicit Fir(const Config& cfg);
    /// History cleared, taps kept.
    void reset() noexcept;
    /// out[n] = sum_k taps[k] * in[n-k]. Requires out.size() == in.size(); in-place allowed.
    void process(std::span<const Sample> in, std::span<Sample> out) noexcept;
    /// One sample in, one out: the same arithmetic as process().
    Sample step(Sample x) noexcept;
    /// Group delay in samples (linear-phase taps), for aligning outputs.
    [[nodiscard]] std::size_t delay() const noexcept { return (reversed_taps_.size() - 1) / 2; }
    [[nodiscard]] std::size_t size() const noexcept { return reversed_taps_.size(); }

private:
    std::vector<float> reversed_taps_;  // reversed so the inner loop is a forward dot product
    std::vector<Sample> history_;       // 2 * ntaps, each sample stored twice: the dot never wraps
    std::size_t pos_ = 0;
};

extern template class Fir<float>;
extern template class Fir<cf32>;
static_assert(SyncBlock<Fir<float>>);
static_assert(SyncBlock<Fir<cf32>>);

}  // namespace modem::dsp
