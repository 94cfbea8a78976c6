// SPDX-License-Identifier: MIT
/// \file
/// Seeded Gaussian noise with our own Box-Muller over mt19937_64, so a seed gives the same noise
/// on every standard library (std::normal_distribution does not). Used by the simulated line and
/// by the tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

#include "dsp/types.hpp"

namespace modem::dsp {

/// N(0,1) samples from a seed.
class Gaussian {
public:
    explicit Gaussian(std::uint64_t seed) : rng_(seed) {}
    double operator()() noexcept {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        // u1 in (0, 1] so log(u1) is finite; u2 in [0, 1).
        const double u1 = (static_cast<double>(rng_() >> 11) + 1.0) * 0x1.0p-53;
        const double u2 = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
        const double r = std::sqrt(-2.0 * std::log(u1));
        spare_ = r * std::sin(kTwoPi * u2);
        has_spare_ = true;
        return r * std::cos(kTwoPi * u2);
    }

private:
    std::mt19937_64 rng_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

}  // namespace modem::dsp
