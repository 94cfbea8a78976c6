// SPDX-License-Identifier: MIT
/// \file
/// V.21 FSK receiver: channel filter, mark/space correlators, carrier detect, bit timing.
#include "modem/v21/fsk_rx.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "dsp/liquid_design.hpp"

namespace modem::v21 {

namespace {
// Channel filter, project choice: the tones sit at +/-100 Hz around the centre; the nearest tone
// of the other channel is 570 Hz from it. -6 dB at 250 Hz, flat to 180 Hz, 60 dB down from 320 Hz.
// A narrower band than the FSK main lobe costs nothing measurable in BER (the one-bit correlators
// are the matched filter) and keeps more of the other channel's spectral tails out.
constexpr double kLpfCutoffHz = 250.0;
constexpr double kLpfTransitionHz = 140.0;
constexpr double kLpfStopbandDb = 60.0;
// Carrier level averaging window, project choice: 20 ms, short enough to switch on well inside
// the ten-ones preamble of a V.8 message (33 ms) and off within 20 ms of the carrier ending
// (V.21 via SRS [1]: OFF after 20-80 ms), long enough that noise 5 dB under the threshold does
// not flicker it on.
constexpr std::size_t kPowerWindow = 160;
// Phase units per sample per V.21 bit-rate unit: sub-sample resolution for the timing loop.
constexpr int kPhaseScale = 256;
// Timing-loop gains (shift counts), project choice: snap on the first transition after carrier
// on, then 1/4 for the next kAcquireTransitions, then 1/8 to ride through noise.
constexpr int kAcquireTransitions = 8;
constexpr int kAcquireShift = 2;
constexpr int kTrackShift = 3;

const FskRx::Config& validated(const FskRx::Config& cfg) {
    if (cfg.bit_rate_bps <= 0 || cfg.bit_rate_bps > kBitRateBps) {
        throw std::invalid_argument("FskRx: bit_rate_bps must be in 1..300 (V.21)");
    }
    if (cfg.carrier_off_dbm0 > cfg.carrier_on_dbm0) {
        throw std::invalid_argument("FskRx: carrier_off_dbm0 must not exceed carrier_on_dbm0");
    }
    return cfg;
}
}  // namespace

FskRx::FskRx(const Config& cfg)
    : cfg_(validated(cfg)),
      freqs_(frequencies(cfg.channel)),
      mixer_({.freq_hz = -freqs_.centre_hz()}),
      lo_mark_({.freq_hz = -(freqs_.mark_hz - freqs_.centre_hz())}),
      lo_space_({.freq_hz = -(freqs_.space_hz - freqs_.centre_hz())}),
      lpf_({.taps = dsp::design::lowpass({.fs_hz = dsp::kFsHz,
                                          .cutoff_hz = kLpfCutoffHz,
                                          .transition_hz = kLpfTransitionHz,
                                          .stopband_db = kLpfStopbandDb})}),
      corr_len_(static_cast<std::size_t>(std::lround(static_cast<double>(dsp::kFsHz) / cfg.bit_rate_bps))),
      ring_mark_(corr_len_),
      ring_space_(corr_len_),
      ring_power_(kPowerWindow) {
    const int g = std::gcd(cfg_.bit_rate_bps, dsp::kFsHz);
    step_ = cfg_.bit_rate_bps / g * kPhaseScale;
    modulus_ = dsp::kFsHz / g * kPhaseScale;
    on_sum_ = dsp::dbm0_to_power(cfg_.carrier_on_dbm0) * static_cast<double>(kPowerWindow);
    off_sum_ = dsp::dbm0_to_power(cfg_.carrier_off_dbm0) * static_cast<double>(kPowerWindow);
    reset();
}

void FskRx::reset() noexcept {
    mixer_.reset();
    lo_mark_.reset();
    lo_space_.reset();
    lpf_.reset();
    std::fill(ring_mark_.begin(), ring_mark_.end(), dsp::cf32{});
    std::fill(ring_space_.begin(), ring_space_.end(), dsp::cf32{});
    std::fill(ring_power_.begin(), ring_power_.end(), 0.0f);
    corr_pos_ = power_pos_ = 0;
    power_sum_ = 0.0;
    carrier_ = false;
    phase_ = 0;
    transitions_ = 0;
    d_prev_ = 0.0f;
    now_ = 0;
    dropped_ = 0;
}

std::size_t FskRx::max_output(std::size_t n_in) const noexcept {
    const auto bits = n_in * 2 * static_cast<std::size_t>(cfg_.bit_rate_bps) / static_cast<std::size_t>(dsp::kFsHz);
    return n_in + bits + 2;
}

double FskRx::level_dbm0() const noexcept {
    return dsp::power_to_dbm0(std::max(power_sum_, 0.0) / static_cast<double>(kPowerWindow));
}

SampleTime FskRx::delay() const noexcept { return static_cast<SampleTime>(lpf_.delay()); }

std::size_t FskRx::process(std::span<const float> in, std::span<RxEvent> out) noexcept {
    std::size_t n_out = 0;
    auto emit = [&](const RxEvent& e) {
        if (n_out < out.size()) {
            out[n_out++] = e;
        } else {
            ++dropped_;
        }
    };
    const int mid = modulus_ / 2;
    const auto len = static_cast<SampleTime>(corr_len_);
    for (const float x : in) {
        const SampleTime n = now_++;
        // 1. Channel to complex baseband, other channel filtered out.
        const dsp::cf32 b = lpf_.step(x * mixer_.next());

        // 3. Carrier detect on the in-band power, with hysteresis.
        const float p = 2.0f * std::norm(b);
        power_sum_ += static_cast<double>(p) - static_cast<double>(ring_power_[power_pos_]);
        ring_power_[power_pos_] = p;
        if (++power_pos_ == kPowerWindow) power_pos_ = 0;
        if (!carrier_ && power_sum_ > on_sum_) {
            const double level = level_dbm0();
            carrier_ = true;
            transitions_ = 0;
            phase_ = 0;
            emit({.kind = RxEvent::Kind::CarrierOn, .at = n, .level_dbm0 = static_cast<float>(level)});
        } else if (carrier_ && power_sum_ < off_sum_) {
            const double level = level_dbm0();
            carrier_ = false;
            emit({.kind = RxEvent::Kind::CarrierOff, .at = n, .level_dbm0 = static_cast<float>(level)});
        }

        // 2. One-bit correlators at the mark and space offsets.
        ring_mark_[corr_pos_] = b * lo_mark_.next();
        ring_space_[corr_pos_] = b * lo_space_.next();
        if (++corr_pos_ == corr_len_) corr_pos_ = 0;
        const dsp::cf32 cm = std::accumulate(ring_mark_.begin(), ring_mark_.end(), dsp::cf32{});
        const dsp::cf32 cs = std::accumulate(ring_space_.begin(), ring_space_.end(), dsp::cf32{});
        const float em = std::norm(cm);
        const float es = std::norm(cs);
        const float d = (em - es) / (em + es + 1e-30f);

        // 4. Bit timing from transitions.
        if (carrier_) {
            const int old = phase_;
            phase_ += step_;
            if (phase_ >= modulus_) phase_ -= modulus_;
            if ((d > 0.0f) != (d_prev_ > 0.0f)) {
                // Zero crossing a fraction f after the previous sample.
                const float f = d_prev_ / (d_prev_ - d);
                int at_cross = phase_ - static_cast<int>(std::lround((1.0f - f) * static_cast<float>(step_)));
                if (at_cross < 0) at_cross += modulus_;
                const int err = at_cross <= mid ? at_cross : at_cross - modulus_;  // boundary expected at 0
                const int shift = transitions_ == 0 ? 0 : (transitions_ <= kAcquireTransitions ? kAcquireShift : kTrackShift);
                ++transitions_;
                // Keep the phase in its half so that a correction never creates or skips a decision.
                const int corrected = phase_ - (err >> shift);
                phase_ = phase_ < mid ? std::clamp(corrected, 0, mid - 1) : std::clamp(corrected, mid, modulus_ - 1);
            }
            if (old < mid && phase_ >= mid) {
                emit({.kind = RxEvent::Kind::Bit,
                      .bit = static_cast<std::uint8_t>(d > 0.0f ? 1 : 0),
                      .at = n - delay() - len});
            }
        }
        d_prev_ = d;
    }
    return n_out;
}

}  // namespace modem::v21
