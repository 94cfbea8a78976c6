// SPDX-License-Identifier: MIT
/// \file
/// Helpers that feed a block an input cut into pieces of a given size.
#pragma once

#include <algorithm>
#include <span>
#include <vector>

namespace test {

/// Runs a sync block over `input` in pieces of `block` samples; returns the concatenated output.
template <class Block, class In>
auto run_in_blocks(Block& b, const std::vector<In>& input, std::size_t block) {
    std::vector<typename Block::OutSample> out(input.size());
    for (std::size_t i = 0; i < input.size(); i += block) {
        const std::size_t n = std::min(block, input.size() - i);
        b.process(std::span<const In>(input.data() + i, n), std::span<typename Block::OutSample>(out.data() + i, n));
    }
    return out;
}

/// Calls fn(span) over `input` in pieces of `block` samples.
template <class T, class Fn>
void for_each_block(const std::vector<T>& input, std::size_t block, Fn&& fn) {
    for (std::size_t i = 0; i < input.size(); i += block) {
        const std::size_t n = std::min(block, input.size() - i);
        fn(std::span<const T>(input.data() + i, n));
    }
}

}  // namespace test
