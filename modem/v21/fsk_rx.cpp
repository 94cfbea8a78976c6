// SPDX-License-Identifier: MIT
/// \file
/// V.21 FSK receiver: channel filter, mark/space correlators, carrier detect, bit timing.
#include "modem/v21/fsk_rx.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "dsp/kernels/kernels.hpp"
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

// exp(-j 2 pi f n / fs) over one period of n (the V.21 tones are whole hertz, so the sequence
// repeats exactly after `period` samples and a table replaces an oscillator, with no drift).
std::vector<dsp::cf32> phasor_table(double f_hz, std::size_t period) {
    std::vector<dsp::cf32> t(period);
    for (std::size_t n = 0; n < period; ++n) {
        const double ph = -dsp::kTwoPi * std::fmod(f_hz * static_cast<double>(n), static_cast<double>(dsp::kFsHz)) /
                          static_cast<double>(dsp::kFsHz);
        t[n] = {static_cast<float>(std::cos(ph)), static_cast<float>(std::sin(ph))};
    }
    return t;
}
}  // namespace

// The mixer folded into the filter: with h the real low-pass and fc the centre,
//   b[n] = sum_k h[k] x[n-k] e^{-j wc (n-k)} = e^{-j wc n} y[n],  y[n] = sum_k g[k] x[n-k],
//   g[k] = h[k] e^{j wc k},
// so |b| = |y| (the power) and b[n] e^{-j (wm - wc) n} = y[n] e^{-j wm n} (the correlator
// products): the receiver filters the real input with complex taps and never mixes it.
struct FskRx::Design {
    std::size_t ntaps = 0;
    std::vector<float> taps;  // planar and reversed: Re g[N-1..0], then Im g[N-1..0]
    std::size_t period = 0;   // of the oscillator tables
    std::vector<dsp::cf32> lo_mark, lo_space;  // exp(-j wm n), exp(-j ws n)

    explicit Design(Channel ch) {
        const ChannelFreqs f = frequencies(ch);
        const std::vector<float> h = dsp::design::lowpass({.fs_hz = dsp::kFsHz,
                                                           .cutoff_hz = kLpfCutoffHz,
                                                           .transition_hz = kLpfTransitionHz,
                                                           .stopband_db = kLpfStopbandDb});
        ntaps = h.size();
        taps.resize(2 * ntaps);
        const double wc = dsp::kTwoPi * f.centre_hz() / dsp::kFsHz;
        for (std::size_t k = 0; k < ntaps; ++k) {
            const double ph = wc * static_cast<double>(k);
            taps[ntaps - 1 - k] = static_cast<float>(h[k] * std::cos(ph));
            taps[2 * ntaps - 1 - k] = static_cast<float>(h[k] * std::sin(ph));
        }
        const auto whole = [](double hz) { return static_cast<long>(std::lround(hz)); };
        const long g = std::gcd(std::gcd(whole(f.mark_hz), whole(f.space_hz)), static_cast<long>(dsp::kFsHz));
        period = static_cast<std::size_t>(dsp::kFsHz / g);
        lo_mark = phasor_table(f.mark_hz, period);
        lo_space = phasor_table(f.space_hz, period);
    }

    // Built on first use, once per channel (thread-safe static initialisation), then read-only.
    static const Design& of(Channel ch) {
        if (ch == Channel::Ch2) {
            static const Design d2(Channel::Ch2);
            return d2;
        }
        static const Design d1(Channel::Ch1);
        return d1;
    }
};

FskRx::FskRx(const Config& cfg)
    : cfg_(validated(cfg)),
      freqs_(frequencies(cfg.channel)),
      design_(&Design::of(cfg.channel)),
      ntaps_(design_->ntaps),
      history_(2 * (ntaps_ + kChunk)),
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
    std::fill(history_.begin(), history_.end(), 0.0f);
    hist_pos_ = 0;
    lo_pos_ = 0;
    std::fill(ring_mark_.begin(), ring_mark_.end(), dsp::cf32{});
    std::fill(ring_space_.begin(), ring_space_.end(), dsp::cf32{});
    sum_mark_ = sum_space_ = dsp::cf32{};
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

SampleTime FskRx::delay() const noexcept { return static_cast<SampleTime>((ntaps_ - 1) / 2); }

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
    const std::size_t ring = ntaps_ + kChunk;
    const std::span<const float> taps(design_->taps);
    const dsp::cf32* lo_mark = design_->lo_mark.data();
    const dsp::cf32* lo_space = design_->lo_space.data();
    const std::size_t period = design_->period;

    // The per-sample state in locals for the loop (the event writes could alias the members).
    SampleTime now = now_;
    double power_sum = power_sum_;
    std::size_t power_pos = power_pos_, corr_pos = corr_pos_, lo_pos = lo_pos_;
    dsp::cf32 sum_mark = sum_mark_, sum_space = sum_space_;
    float d_prev = d_prev_;
    int phase = phase_;
    bool carrier = carrier_;
    int transitions = transitions_;
    const int step = step_, modulus = modulus_;
    const SampleTime bit_delay = delay() + len;

    for (std::size_t start = 0; start < in.size(); start += kChunk) {
        const std::size_t m = std::min(kChunk, in.size() - start);
        // 1. The channel filter over the chunk: each input goes into the ring twice (ring apart),
        // then the outputs in pairs. The newest sample at ring position q has its window at
        // history_[q + ring - ntaps_ + 1, q + ring]; the ring holds kChunk samples more than a
        // window, so the chunk's pushes never overwrite a window still to be used. Every output is
        // the same kernel chain whatever the pairing, so the result does not depend on block size.
        const std::size_t first = hist_pos_;
        for (std::size_t i = 0; i < m; ++i) {
            history_[hist_pos_] = in[start + i];
            history_[hist_pos_ + ring] = in[start + i];
            if (++hist_pos_ == ring) hist_pos_ = 0;
        }
        std::size_t q0 = first;
        for (std::size_t i = 0; i < m; i += 2) {
            std::size_t q1 = q0 + 1 == ring ? 0 : q0 + 1;
            if (i + 1 >= m) q1 = q0;
            const std::span<const float> w0(history_.data() + q0 + ring + 1 - ntaps_, ntaps_);
            const std::span<const float> w1(history_.data() + q1 + ring + 1 - ntaps_, ntaps_);
            float r[4];
            dsp::kernels::dot2(taps, w0, taps, w1, r);
            y_[i] = {r[0], r[1]};
            if (i + 1 < m) y_[i + 1] = {r[2], r[3]};
            q0 = q1 + 1 == ring ? 0 : q1 + 1;
        }

        for (std::size_t i = 0; i < m; ++i) {
            const SampleTime n = now++;
            const dsp::cf32 y = y_[i];

            // 3. Carrier detect on the in-band power, with hysteresis.
            const float p = 2.0f * std::norm(y);
            power_sum += static_cast<double>(p) - static_cast<double>(ring_power_[power_pos]);
            ring_power_[power_pos] = p;
            if (++power_pos == kPowerWindow) power_pos = 0;
            if (!carrier && power_sum > on_sum_) {
                const double level = dsp::power_to_dbm0(std::max(power_sum, 0.0) / static_cast<double>(kPowerWindow));
                carrier = true;
                transitions = 0;
                phase = 0;
                emit({.kind = RxEvent::Kind::CarrierOn, .at = n, .level_dbm0 = static_cast<float>(level)});
            } else if (carrier && power_sum < off_sum_) {
                const double level = dsp::power_to_dbm0(std::max(power_sum, 0.0) / static_cast<double>(kPowerWindow));
                carrier = false;
                emit({.kind = RxEvent::Kind::CarrierOff, .at = n, .level_dbm0 = static_cast<float>(level)});
            }

            // 2. One-bit correlators at the mark and space frequencies: running sums, re-summed
            // exactly each time the ring wraps so rounding never builds up.
            const dsp::cf32 pm = y * lo_mark[lo_pos];
            const dsp::cf32 ps = y * lo_space[lo_pos];
            if (++lo_pos == period) lo_pos = 0;
            sum_mark += pm - ring_mark_[corr_pos];
            sum_space += ps - ring_space_[corr_pos];
            ring_mark_[corr_pos] = pm;
            ring_space_[corr_pos] = ps;
            if (++corr_pos == corr_len_) {
                corr_pos = 0;
                sum_mark = std::accumulate(ring_mark_.begin(), ring_mark_.end(), dsp::cf32{});
                sum_space = std::accumulate(ring_space_.begin(), ring_space_.end(), dsp::cf32{});
            }
            const float em = std::norm(sum_mark);
            const float es = std::norm(sum_space);
            const float d = (em - es) / (em + es + 1e-30f);

            // 4. Bit timing from transitions.
            if (carrier) {
                const int old = phase;
                phase += step;
                if (phase >= modulus) phase -= modulus;
                if ((d > 0.0f) != (d_prev > 0.0f)) {
                    // Zero crossing a fraction f after the previous sample.
                    const float f = d_prev / (d_prev - d);
                    int at_cross = phase - static_cast<int>(std::lround((1.0f - f) * static_cast<float>(step)));
                    if (at_cross < 0) at_cross += modulus;
                    const int err = at_cross <= mid ? at_cross : at_cross - modulus;  // boundary expected at 0
                    const int shift =
                        transitions == 0 ? 0 : (transitions <= kAcquireTransitions ? kAcquireShift : kTrackShift);
                    ++transitions;
                    // Keep the phase in its half so that a correction never creates or skips a decision.
                    const int corrected = phase - (err >> shift);
                    phase = phase < mid ? std::clamp(corrected, 0, mid - 1) : std::clamp(corrected, mid, modulus - 1);
                }
                if (old < mid && phase >= mid) {
                    emit({.kind = RxEvent::Kind::Bit,
                          .bit = static_cast<std::uint8_t>(d > 0.0f ? 1 : 0),
                          .at = n - bit_delay});
                }
            }
            d_prev = d;
        }
    }
    now_ = now;
    power_sum_ = power_sum;
    power_pos_ = power_pos;
    corr_pos_ = corr_pos;
    lo_pos_ = lo_pos;
    sum_mark_ = sum_mark;
    sum_space_ = sum_space;
    d_prev_ = d_prev;
    phase_ = phase;
    carrier_ = carrier;
    transitions_ = transitions;
    return n_out;
}

}  // namespace modem::v21
