// SPDX-License-Identifier: MIT
/// \file
/// Envelope automatic gain control with separate attack and decay, a target level and gain limits.
#pragma once

#include <span>

#include "dsp/block.hpp"
#include "dsp/types.hpp"

namespace modem::dsp {

/// Two loops: a symmetric one-pole average of |x|^2 over average_ms gives the input power P;
/// the gain g then moves towards sqrt(target_power / P) with time constant attack_ms when it
/// must fall (the input got louder) and decay_ms when it must rise. g is limited to
/// [min_gain_db, max_gain_db]. out[n] = g[n] * in[n], so a steady input settles to an output of
/// mean |out|^2 = target_power (a real sine: amplitude sqrt(2 target_power); an analytic tone:
/// magnitude sqrt(target_power)).
template <class Sample>
class Agc {
public:
    using InSample = Sample;
    using OutSample = Sample;
    struct Config {
        double target_power = 0.01;     ///< mean |out|^2 in sample units (1.0 = full scale), > 0
        double average_ms = 5.0;        ///< power averaging time constant, > 0
        double attack_ms = 2.0;         ///< gain time constant when the gain falls, > 0
        double decay_ms = 50.0;         ///< gain time constant when the gain rises, > 0
        double min_gain_db = -40.0;
        double max_gain_db = 40.0;
        double initial_gain_db = 0.0;   ///< gain before any input (clamped to the limits)
    };
    /// Throws std::invalid_argument on non-positive times or target, or min > max.
    explicit Agc(const Config& cfg);
    void reset() noexcept;
    /// Requires out.size() == in.size(); in-place allowed.
    void process(std::span<const Sample> in, std::span<Sample> out) noexcept;
    [[nodiscard]] double gain_db() const noexcept;

private:
    Config cfg_;
    double k_avg_, k_attack_, k_decay_, g_min_, g_max_, g0_;
    double power_ = 0.0;
    double gain_ = 1.0;
};

extern template class Agc<float>;
extern template class Agc<cf32>;
static_assert(SyncBlock<Agc<float>>);
static_assert(SyncBlock<Agc<cf32>>);

}  // namespace modem::dsp
