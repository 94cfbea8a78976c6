// SPDX-License-Identifier: MIT
/// \file
/// Seeded Gaussian noise with our own Box-Muller, identical on every standard library
/// (std::normal_distribution is not).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace test {

class Gaussian {
public:
    explicit Gaussian(std::uint64_t seed) : rng_(seed) {}
    /// One N(0,1) sample.
    double operator()() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        // Uniforms in (0,1]: 53 random bits, never 0 so log() is finite.
        const double u1 = (static_cast<double>(rng_() >> 11) + 1.0) * 0x1.0p-53;
        const double u2 = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
        const double r = std::sqrt(-2.0 * std::log(u1));
        spare_ = r * std::sin(2.0 * M_PI * u2);
        has_spare_ = true;
        return r * std::cos(2.0 * M_PI * u2);
    }
private:
    std::mt19937_64 rng_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

/// n samples of white Gaussian noise with standard deviation `sigma`.
inline std::vector<float> white_noise(std::size_t n, std::uint64_t seed, double sigma = 0.3) {
    Gaussian g(seed);
    std::vector<float> v(n);
    for (auto& x : v) x = static_cast<float>(sigma * g());
    return v;
}

}  // namespace test
