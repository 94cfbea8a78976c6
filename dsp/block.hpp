// SPDX-License-Identifier: MIT
/// \file
/// The streaming-block contract (style guide section 3) as a C++20 concept.
#pragma once

#include <concepts>
#include <span>

namespace modem::dsp {

/// A sync block: as many outputs as inputs, process() noexcept, reset() to the fresh state.
template <class B>
concept SyncBlock = requires(B b, std::span<const typename B::InSample> in, std::span<typename B::OutSample> out) {
    typename B::InSample;
    typename B::OutSample;
    { b.process(in, out) } noexcept;
    { b.reset() } noexcept;
};

}  // namespace modem::dsp
