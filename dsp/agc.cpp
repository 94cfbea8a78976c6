// SPDX-License-Identifier: MIT
/// \file
/// Envelope AGC: power average, then an asymmetric (attack/decay) gain loop with limits.
#include "dsp/agc.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace modem::dsp {
namespace {
/// One-pole coefficient for a time constant of `ms` at kFsHz: 1 - exp(-1 / (tau fs)).
double one_pole(double ms) { return 1.0 - std::exp(-1000.0 / (ms * kFsHz)); }
double mag2(float x) noexcept { return static_cast<double>(x) * x; }
double mag2(cf32 x) noexcept { return static_cast<double>(std::norm(x)); }
}  // namespace

template <class Sample>
Agc<Sample>::Agc(const Config& cfg) : cfg_(cfg) {
    if (!(cfg.target_power > 0.0)) throw std::invalid_argument("Agc: target_power must be positive");
    if (!(cfg.average_ms > 0.0 && cfg.attack_ms > 0.0 && cfg.decay_ms > 0.0))
        throw std::invalid_argument("Agc: average, attack and decay times must be positive");
    if (!(cfg.min_gain_db <= cfg.max_gain_db)) throw std::invalid_argument("Agc: min_gain_db exceeds max_gain_db");
    k_avg_ = one_pole(cfg.average_ms);
    k_attack_ = one_pole(cfg.attack_ms);
    k_decay_ = one_pole(cfg.decay_ms);
    g_min_ = db_to_amplitude(cfg.min_gain_db);
    g_max_ = db_to_amplitude(cfg.max_gain_db);
    g0_ = std::clamp(db_to_amplitude(cfg.initial_gain_db), g_min_, g_max_);
    reset();
}

template <class Sample>
void Agc<Sample>::reset() noexcept {
    power_ = 0.0;
    gain_ = g0_;
}

template <class Sample>
void Agc<Sample>::process(std::span<const Sample> in, std::span<Sample> out) noexcept {
    for (std::size_t i = 0; i < in.size(); ++i) {
        const Sample x = in[i];
        // P += k (|x|^2 - P); wanted gain sqrt(target / P), limited; g follows it.
        power_ += k_avg_ * (mag2(x) - power_);
        const double want = power_ > 0.0 ? std::clamp(std::sqrt(cfg_.target_power / power_), g_min_, g_max_) : g_max_;
        gain_ += (want < gain_ ? k_attack_ : k_decay_) * (want - gain_);
        out[i] = x * static_cast<float>(gain_);
    }
}

template <class Sample>
double Agc<Sample>::gain_db() const noexcept {
    return 20.0 * std::log10(gain_);
}

template class Agc<float>;
template class Agc<cf32>;

}  // namespace modem::dsp
