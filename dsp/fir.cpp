// SPDX-License-Identifier: MIT
/// \file
/// FIR filter: reversed taps and a doubled history so the inner loop is kernels::dot.
#include "dsp/fir.hpp"

#include <algorithm>
#include <stdexcept>

#include "dsp/kernels/kernels.hpp"

namespace modem::dsp {

template <class Sample>
Fir<Sample>::Fir(const Config& cfg) : reversed_taps_(cfg.taps.rbegin(), cfg.taps.rend()) {
    if (reversed_taps_.empty()) throw std::invalid_argument("Fir: the tap list is empty");
    history_.assign(2 * reversed_taps_.size(), Sample{});
}

template <class Sample>
void Fir<Sample>::reset() noexcept {
    std::fill(history_.begin(), history_.end(), Sample{});
    pos_ = 0;
}

template <class Sample>
Sample Fir<Sample>::step(Sample x) noexcept {
    const std::size_t n = reversed_taps_.size();
    // The newest sample goes at pos_ and pos_ + n; after the increment the window
    // history_[pos_, pos_ + n) runs from the oldest sample to the newest, matching reversed taps.
    history_[pos_] = x;
    history_[pos_ + n] = x;
    if (++pos_ == n) pos_ = 0;
    return kernels::dot(std::span<const Sample>(history_.data() + pos_, n), std::span<const float>(reversed_taps_));
}

template <class Sample>
void Fir<Sample>::process(std::span<const Sample> in, std::span<Sample> out) noexcept {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = step(in[i]);
}

template class Fir<float>;
template class Fir<cf32>;

}  // namespace modem::dsp
