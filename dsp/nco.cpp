// SPDX-License-Identifier: MIT
/// \file
/// 32-bit phase-accumulator oscillator.
#include "dsp/nco.hpp"

#include <cmath>

namespace modem::dsp {
namespace {
constexpr double kTurn = 4294967296.0;  // 2^32 phase units per turn

std::uint32_t rad_to_phase(double rad) noexcept {
    double turns = rad / kTwoPi;
    turns -= std::floor(turns);
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(turns * kTurn) & 0xffffffffu);
}
double phase_to_rad(std::uint32_t p) noexcept { return static_cast<double>(p) / kTurn * kTwoPi; }
}  // namespace

Nco::Nco(const Config& cfg) noexcept : cfg_(cfg) { reset(); }

void Nco::reset() noexcept {
    phase_ = rad_to_phase(cfg_.phase_rad);
    step_ = to_step(cfg_.freq_hz);
}

std::uint32_t Nco::to_step(double freq_hz) noexcept {
    // Negative frequencies wrap naturally in unsigned arithmetic.
    const double turns = freq_hz / kFsHz;
    return static_cast<std::uint32_t>(static_cast<std::int64_t>(std::llround(turns * kTurn)));
}

void Nco::set_freq(double freq_hz) noexcept { step_ = to_step(freq_hz); }
void Nco::shift_phase(double rad) noexcept { phase_ += rad_to_phase(rad); }
double Nco::freq_hz() const noexcept {
    return static_cast<double>(static_cast<std::int32_t>(step_)) / kTurn * kFsHz;
}
double Nco::phase_rad() const noexcept { return phase_to_rad(phase_); }

float Nco::next_cos() noexcept {
    const float v = static_cast<float>(std::cos(phase_to_rad(phase_)));
    phase_ += step_;
    return v;
}

cf32 Nco::next() noexcept {
    const double ph = phase_to_rad(phase_);
    phase_ += step_;
    return {static_cast<float>(std::cos(ph)), static_cast<float>(std::sin(ph))};
}

void Nco::sin(std::span<float> out, float amplitude) noexcept {
    for (auto& x : out) {
        x = amplitude * static_cast<float>(std::sin(phase_to_rad(phase_)));
        phase_ += step_;
    }
}

void Nco::phasors(std::span<cf32> out) noexcept {
    for (auto& x : out) x = next();
}

}  // namespace modem::dsp
