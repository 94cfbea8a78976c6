// SPDX-License-Identifier: MIT
/// \file
/// Seeded noise for tests (the generator itself is dsp/noise.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "dsp/noise.hpp"

namespace test {

using modem::dsp::Gaussian;

/// n samples of white Gaussian noise with standard deviation `sigma`.
inline std::vector<float> white_noise(std::size_t n, std::uint64_t seed, double sigma = 0.3) {
    Gaussian g(seed);
    std::vector<float> v(n);
    for (auto& x : v) x = static_cast<float>(sigma * g());
    return v;
}

}  // namespace test
