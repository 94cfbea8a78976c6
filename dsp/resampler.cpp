// SPDX-License-Identifier: MIT
/// \file
/// Arbitrary-ratio resampler over liquid-dsp's msresamp_rrrf (reached through liquid_design.hpp).
#include "dsp/resampler.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "dsp/liquid_design.hpp"

namespace modem::dsp {
namespace {
constexpr double kMinRate = 1.0 / 64.0;  // project choice: covers every audio rate pair we meet
constexpr double kMaxRate = 64.0;
constexpr double kPrefilterBelow = 0.5;  // project choice: where liquid's half-band stages take over
constexpr double kPassFraction = 0.4;    // project choice: pre-filter pass band, of the output rate
constexpr double kStopFraction = 0.5;    // the output Nyquist frequency
}  // namespace

struct Resampler::Impl {
    design::detail::MsResampler* q = nullptr;
    ~Impl() { design::detail::msresamp_destroy(q); }
};

Resampler::Resampler(const Config& cfg) : cfg_(cfg), impl_(std::make_unique<Impl>()) {
    if (!(cfg.rate >= kMinRate && cfg.rate <= kMaxRate))
        throw std::invalid_argument("Resampler: rate must be in [1/64, 64]");
    if (!(cfg.stopband_db > 0.0)) throw std::invalid_argument("Resampler: stop-band attenuation must be positive");
    impl_->q = design::detail::msresamp_create(cfg.rate, cfg.stopband_db);
    // One input gives at most ceil(2 rate) + 1 outputs (liquid-dsp's own sizing rule for a call).
    scratch_.assign(static_cast<std::size_t>(std::ceil(2.0 * cfg.rate)) + 2, 0.0f);
    if (cfg.rate < kPrefilterBelow) {
        // Frequencies as fractions of the input rate (fs_hz = 1).
        anti_alias_.emplace(Fir<float>::Config{.taps = design::lowpass({
                                                   .fs_hz = 1.0,
                                                   .cutoff_hz = (kPassFraction + kStopFraction) / 2.0 * cfg.rate,
                                                   .transition_hz = (kStopFraction - kPassFraction) * cfg.rate,
                                                   .stopband_db = cfg.stopband_db,
                                               })});
    }
}

Resampler::~Resampler() = default;
Resampler::Resampler(Resampler&&) noexcept = default;
Resampler& Resampler::operator=(Resampler&&) noexcept = default;

void Resampler::reset() noexcept {
    design::detail::msresamp_reset(impl_->q);
    if (anti_alias_) anti_alias_->reset();
}

std::size_t Resampler::process(std::span<const float> in, std::span<float> out) noexcept {
    // One input at a time, so the result cannot depend on the caller's block size.
    std::size_t written = 0;
    for (float x : in) {
        if (anti_alias_) x = anti_alias_->step(x);
        const std::size_t ny = design::detail::msresamp_push(impl_->q, x, scratch_.data());
        const std::size_t n = std::min(ny, out.size() - written);
        std::copy_n(scratch_.data(), n, out.data() + written);
        written += n;
    }
    return written;
}

std::size_t Resampler::max_output(std::size_t n_in) const noexcept { return n_in * (scratch_.size() - 1); }

double Resampler::delay() const noexcept {
    const double pre = anti_alias_ ? static_cast<double>(anti_alias_->delay()) * cfg_.rate : 0.0;
    return design::detail::msresamp_delay(impl_->q) + pre;
}

}  // namespace modem::dsp
