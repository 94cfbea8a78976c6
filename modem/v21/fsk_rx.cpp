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
// Stage 1, project choice: 8 kHz real to 2 kHz complex. Flat (0.01 dB) to 320 Hz, 60 dB down
// from 1680 Hz, the nearest frequency that folds into +/-320 Hz at 2 kHz; 21 taps.
constexpr double kDecimCutoffHz = 1000.0;
constexpr double kDecimTransitionHz = 1360.0;
constexpr double kDecimStopbandDb = 60.0;
// Channel filter (stage 2, at 2 kHz), project choice: the tones sit at +/-100 Hz around the
// centre; the nearest tone of the other channel is 570 Hz from it. -6 dB at 250 Hz, flat to
// 180 Hz, 60 dB down from 320 Hz. A narrower band than the FSK main lobe costs nothing
// measurable in BER (the one-bit correlators are the matched filter) and keeps more of the other
// channel's spectral tails out.
constexpr double kLpfCutoffHz = 250.0;
constexpr double kLpfTransitionHz = 140.0;
constexpr double kLpfStopbandDb = 60.0;
constexpr int kMidRateHz = dsp::kFsHz / FskRx::kDecimation;  // 2 kHz, the channel filter's input
constexpr int kOutRateHz = dsp::kFsHz / FskRx::kOutStep;     // 1 kHz, its output
// Carrier level averaging window, project choice: 20 ms (20 outputs), short enough to switch on
// well inside the ten-ones preamble of a V.8 message (33 ms) and off within 20 ms of the carrier
// ending (V.21 via SRS [1]: OFF after 20-80 ms), long enough that noise 5 dB under the threshold
// does not flicker it on.
constexpr std::size_t kPowerWindow = 20;
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

long whole_hz(double hz) { return std::lround(hz); }

// Weights of a one-bit window of t output samples (t = 3.33 at 300 bit/s) on the output grid:
// the fewest taps that hold it, centred, each weighted by the part of its 1-sample cell inside
// the window (2/3, 1, 1, 2/3 at 300 bit/s), so that the correlators integrate exactly one bit.
std::vector<float> bit_window(double t) {
    const auto taps = static_cast<std::size_t>(std::ceil(t - 1e-9));
    const double centre = static_cast<double>(taps - 1) / 2.0;
    std::vector<float> w(taps);
    for (std::size_t l = 0; l < taps; ++l) {
        const double lo = std::max(static_cast<double>(l) - 0.5, centre - t / 2.0);
        const double hi = std::min(static_cast<double>(l) + 0.5, centre + t / 2.0);
        w[l] = static_cast<float>(std::max(0.0, hi - lo));
    }
    return w;
}

// exp(-j 2 pi f (mult n + offset) / rate) for n over one period (f whole hertz, so the sequence
// repeats exactly and a table replaces an oscillator, with no drift). Phases in exact integers.
std::vector<dsp::cf32> phasor_table(long f_hz, long mult, long offset, long rate) {
    const long g = std::gcd(std::abs(f_hz * mult) % rate, rate);
    const auto period = static_cast<std::size_t>(rate / g);
    std::vector<dsp::cf32> t(period);
    for (std::size_t n = 0; n < period; ++n) {
        long turns = (f_hz * (mult * static_cast<long>(n) + offset)) % rate;
        if (turns < 0) turns += rate;
        const double ph = -dsp::kTwoPi * static_cast<double>(turns) / static_cast<double>(rate);
        t[n] = {static_cast<float>(std::cos(ph)), static_cast<float>(std::sin(ph))};
    }
    return t;
}
}  // namespace

// The mixer folded into stage 1: with h1 real and fc the centre,
//   a[m] = sum_k h1[k] x[n-k] e^{-j wc (n-k)} = e^{-j wc n} y[m],  y[m] = sum_k g[k] x[n-k],
//   g[k] = h1[k] e^{j wc k},  n = 4 m + 3,
// so the receiver filters the real input with complex taps and multiplies each output by a
// table value e^{-j wc (4 m + 3)}.
struct FskRx::Design {
    std::size_t n1 = 0, n2 = 0;
    std::vector<float> taps1;  // planar and reversed: Re g[N-1..0], then Im g[N-1..0]
    // Stage 2 as one two-output dot over a window of n2 + 1 values: first plane h2 reversed then
    // 0 (the older output), second plane 0 then h2 reversed (the newer one).
    std::vector<float> taps2;
    // e^{-j wc (4 m + 3)}, m over one period then one batch more (a batch reads from any
    // start), planar.
    std::vector<float> rot_re, rot_im;
    std::size_t rot_period = 0;
    // e^{-j 2 pi (f_mark - fc) m / 2000}, m over one period then one batch more (a batch reads
    // from any start), planar. The space oscillator is its conjugate: f_space - fc = fc - f_mark.
    std::vector<float> lo_mark_re, lo_mark_im;
    std::size_t lo_period = 0;
    SampleTime delay = 0;                      // of both filters, in input samples

    explicit Design(Channel ch) {
        const ChannelFreqs f = frequencies(ch);
        const std::vector<float> h1 = dsp::design::lowpass({.fs_hz = dsp::kFsHz,
                                                            .cutoff_hz = kDecimCutoffHz,
                                                            .transition_hz = kDecimTransitionHz,
                                                            .stopband_db = kDecimStopbandDb});
        const std::vector<float> h2 = dsp::design::lowpass({.fs_hz = kMidRateHz,
                                                            .cutoff_hz = kLpfCutoffHz,
                                                            .transition_hz = kLpfTransitionHz,
                                                            .stopband_db = kLpfStopbandDb});
        n1 = h1.size();
        n2 = h2.size();
        taps1.resize(2 * n1);
        const double wc = dsp::kTwoPi * f.centre_hz() / dsp::kFsHz;
        for (std::size_t k = 0; k < n1; ++k) {
            const double ph = wc * static_cast<double>(k);
            taps1[n1 - 1 - k] = static_cast<float>(h1[k] * std::cos(ph));
            taps1[2 * n1 - 1 - k] = static_cast<float>(h1[k] * std::sin(ph));
        }
        const std::size_t w = n2 + 2;
        taps2.assign(2 * w, 0.0f);
        for (std::size_t k = 0; k < n2; ++k) {
            taps2[n2 - 1 - k] = h2[k];
            taps2[w + n2 + 1 - k] = h2[k];
        }
        const long fc = whole_hz(f.centre_hz());
        const auto rot = phasor_table(fc, FskRx::kDecimation, FskRx::kDecimation - 1, dsp::kFsHz);
        rot_period = rot.size();
        for (std::size_t i = 0; i < rot_period + FskRx::kMidPerGroup * FskRx::kBatch; ++i) {
            rot_re.push_back(rot[i % rot_period].real());
            rot_im.push_back(rot[i % rot_period].imag());
        }
        const auto lo_mark = phasor_table(whole_hz(f.mark_hz) - fc, 1, 0, kOutRateHz);
        lo_period = lo_mark.size();
        const std::size_t total = lo_period + static_cast<std::size_t>(FskRx::kPair) * FskRx::kBatch;  // one batch more
        for (std::size_t i = 0; i < total; ++i) {
            lo_mark_re.push_back(lo_mark[i % lo_period].real());
            lo_mark_im.push_back(lo_mark[i % lo_period].imag());
        }
        delay = static_cast<SampleTime>((n1 - 1) / 2 + static_cast<std::size_t>(FskRx::kDecimation) * (n2 - 1) / 2);
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
      design_(&Design::of(cfg.channel)),
      n1_(design_->n1),
      n2_(design_->n2),
      x_(n1_ - 1 + kGroup * kBatch),
      a_re_(n2_ - 1 + kMidPerGroup * kBatch),
      a_im_(n2_ - 1 + kMidPerGroup * kBatch),
      corr_weights_(bit_window(static_cast<double>(kOutRateHz) / cfg_.bit_rate_bps)),
      corr_len_(corr_weights_.size()),
      pm_re_(corr_len_ - 1 + kPair * kBatch),
      pm_im_(pm_re_.size()),
      ps_re_(pm_re_.size()),
      ps_im_(pm_re_.size()),
      ring_power_(kPowerWindow) {
    const int g = std::gcd(cfg_.bit_rate_bps, dsp::kFsHz);
    step_ = cfg_.bit_rate_bps / g * kPhaseScale;
    modulus_ = dsp::kFsHz / g * kPhaseScale;
    on_sum_ = dsp::dbm0_to_power(cfg_.carrier_on_dbm0) * static_cast<double>(kPowerWindow);
    off_sum_ = dsp::dbm0_to_power(cfg_.carrier_off_dbm0) * static_cast<double>(kPowerWindow);
    // Bit start = decision instant - filter delay - half the correlator span (the window centre)
    // - half a bit (the decision is at mid-bit); the decision sample rounds the crossing up.
    const double span = static_cast<double>(kOutStep) * static_cast<double>(corr_len_ - 1) / 2.0;
    const double half_bit = 0.5 * dsp::kFsHz / cfg_.bit_rate_bps;
    bit_delay_ = design_->delay + static_cast<SampleTime>(std::lround(span + half_bit + 0.5));
    reset();
}

void FskRx::reset() noexcept {
    std::fill(x_.begin(), x_.end(), 0.0f);
    x_len_ = n1_ - 1;
    std::fill(a_re_.begin(), a_re_.end(), 0.0f);
    std::fill(a_im_.begin(), a_im_.end(), 0.0f);
    rot_pos_ = lo_pos_ = 0;
    for (auto* v : {&pm_re_, &pm_im_, &ps_re_, &ps_im_}) std::fill(v->begin(), v->end(), 0.0f);
    std::fill(ring_power_.begin(), ring_power_.end(), 0.0f);
    power_pos_ = 0;
    power_sum_ = 0.0;
    at_rest_ = true;
    carrier_ = false;
    phase_ = 0;
    transitions_ = 0;
    d_prev_ = 0.0f;
    now_ = 0;
    dropped_ = 0;
}

std::size_t FskRx::max_output(std::size_t n_in) const noexcept {
    const std::size_t outputs = (n_in / kGroup + 1) * static_cast<std::size_t>(kPair);
    return 2 * outputs;
}

double FskRx::level_dbm0() const noexcept {
    return dsp::power_to_dbm0(std::max(power_sum_, 0.0) / static_cast<double>(kPowerWindow));
}

SampleTime FskRx::delay() const noexcept { return design_->delay; }

std::size_t FskRx::process(std::span<const float> in, std::span<RxEvent> out) noexcept {
    std::size_t n_out = 0;
    std::size_t i = 0;
    const std::size_t hist = n1_ - 1;
    while (i < in.size()) {
        const std::size_t m = std::min(x_.size() - x_len_, in.size() - i);
        std::copy_n(in.data() + i, m, x_.data() + x_len_);
        x_len_ += m;
        i += m;
        now_ += static_cast<SampleTime>(m);
        // Every complete group is processed before returning, so an event is returned by the
        // call that brings its last sample (RxEvent::known_at).
        const std::size_t groups = (x_len_ - hist) / kGroup;
        if (groups == 0 || (x_len_ < x_.size() && i < in.size())) continue;
        const auto pending = static_cast<SampleTime>(x_len_ - hist - groups * kGroup);
        n_out = run(groups, now_ - 1 - pending, out, n_out);
        // Keep the last n1 - 1 samples of the batch and the partial group.
        const std::size_t used = groups * kGroup;
        std::copy(x_.begin() + static_cast<std::ptrdiff_t>(used), x_.begin() + static_cast<std::ptrdiff_t>(x_len_), x_.begin());
        x_len_ -= used;
    }
    return n_out;
}

bool FskRx::quiet(std::size_t groups) noexcept {
    auto zero = [](const float* p, std::size_t n) { return std::all_of(p, p + n, [](float v) { return v == 0.0f; }); };
    if (!zero(x_.data(), n1_ - 1 + groups * kGroup)) return false;
    if (!at_rest_) {
        const std::size_t h = corr_len_ - 1;
        at_rest_ = !carrier_ && power_sum_ == 0.0 && d_prev_ == 0.0f && zero(a_re_.data(), n2_ - 1) &&
                   zero(a_im_.data(), n2_ - 1) && zero(pm_re_.data(), h) && zero(pm_im_.data(), h) &&
                   zero(ps_re_.data(), h) && zero(ps_im_.data(), h) && zero(ring_power_.data(), kPowerWindow);
    }
    return at_rest_;
}

std::size_t FskRx::run(std::size_t groups, SampleTime last, std::span<RxEvent> out, std::size_t n_out) noexcept {
    const Design& d = *design_;
    const std::size_t h2 = n2_ - 1;
    const std::size_t n_b = groups * static_cast<std::size_t>(kPair);
    if (quiet(groups)) {
        // Zero input into an all-zero state: every output is 0 and the state stays all-zero, so
        // only the table positions move (the same result as computing it).
        rot_pos_ = (rot_pos_ + groups * kMidPerGroup) % d.rot_period;
        lo_pos_ = (lo_pos_ + n_b) % d.lo_period;
        power_pos_ = (power_pos_ + n_b) % kPowerWindow;
        return n_out;
    }
    at_rest_ = false;
    // 1. Stage 1, four outputs per group (its 4th, 8th, 12th and 16th sample), two per call. x_
    // holds n1 - 1 samples of history, then the groups: the window of the input at
    // x_[n1 - 1 + j] starts at x_[j].
    const std::span<const float> taps1(d.taps1);
    const std::size_t n_mid = groups * kMidPerGroup;
    std::array<float, kMidPerGroup * kBatch> ur, ui;  // NOLINT(cppcoreguidelines-pro-type-member-init): filled to n_mid
    for (std::size_t g = 0; g < groups; ++g) {
        for (std::size_t c = 0; c < kMidPerGroup; c += 2) {
            float r[4];
            const std::size_t j = g * kGroup + c * kDecimation;
            dsp::kernels::dot2(taps1, std::span<const float>(x_.data() + j + kDecimation - 1, n1_), taps1,
                               std::span<const float>(x_.data() + j + 2 * kDecimation - 1, n1_), r);
            const std::size_t o = g * kMidPerGroup + c;
            ur[o] = r[0];
            ui[o] = r[1];
            ur[o + 1] = r[2];
            ui[o + 1] = r[3];
        }
    }
    {
        // The de-rotation over the batch, in quads (a group's four values) the compiler
        // vectorises, into locals that nothing else can alias; the table runs a batch past its
        // period, so it never wraps inside. Written out: std::complex's product checks for NaN
        // on every call.
        const float* cr = d.rot_re.data() + rot_pos_;
        const float* ci = d.rot_im.data() + rot_pos_;
        std::array<float, kMidPerGroup * kBatch> vr, vi;  // NOLINT(cppcoreguidelines-pro-type-member-init): filled to n_mid
        static_assert(kMidPerGroup == 4);
        for (std::size_t q = 0; q < n_mid; q += kMidPerGroup) {
#pragma GCC unroll 4
            for (std::size_t k = q; k < q + kMidPerGroup; ++k) {
                vr[k] = ur[k] * cr[k] - ui[k] * ci[k];
                vi[k] = ur[k] * ci[k] + ui[k] * cr[k];
            }
        }
        std::copy_n(vr.begin(), n_mid, a_re_.begin() + static_cast<std::ptrdiff_t>(h2));
        std::copy_n(vi.begin(), n_mid, a_im_.begin() + static_cast<std::ptrdiff_t>(h2));
    }
    rot_pos_ = (rot_pos_ + n_mid) % d.rot_period;
    // 2. The channel filter at every 2nd value (the group's 8th and 16th sample), both in one call:
    // windows of n2 + 2 values ending at the newer.
    // Planar outputs, a partial quad padded with zeros (see 3).
    constexpr std::size_t kOut = kPair * kBatch;
    constexpr std::size_t kQ = 4;
    const std::size_t n_q = (n_b + kQ - 1) / kQ * kQ;
    std::array<float, kOut> br, bi;  // NOLINT(cppcoreguidelines-pro-type-member-init): filled to n_q
    const std::span<const float> taps2(d.taps2);
    const std::size_t w = n2_ + 2;
    for (std::size_t g = 0; g < groups; ++g) {
        float r[4];
        const std::size_t e = h2 + kMidPerGroup * (g + 1);  // one past the newer output
        dsp::kernels::dot2(taps2, std::span<const float>(a_re_.data() + e - w, w), taps2,
                           std::span<const float>(a_im_.data() + e - w, w), r);
        br[kPair * g] = r[0];
        br[kPair * g + 1] = r[1];
        bi[kPair * g] = r[2];
        bi[kPair * g + 1] = r[3];
    }
    std::copy(a_re_.begin() + static_cast<std::ptrdiff_t>(n_mid), a_re_.begin() + static_cast<std::ptrdiff_t>(n_mid + h2), a_re_.begin());
    std::copy(a_im_.begin() + static_cast<std::ptrdiff_t>(n_mid), a_im_.begin() + static_cast<std::ptrdiff_t>(n_mid + h2), a_im_.begin());
    for (std::size_t i = n_b; i < n_q; ++i) br[i] = bi[i] = 0.0f;

    // 3. The correlators and the soft decision over the whole batch (fixed-length loops the
    // compiler vectorises; outputs past n_b are computed on zeros and not used). Each window is
    // summed afresh in one fixed order, newest product first, so the result does not depend on
    // the batching.
    const std::size_t len = corr_len_;
    float* pmr = pm_re_.data();
    float* pmi = pm_im_.data();
    float* psr = ps_re_.data();
    float* psi = ps_im_.data();
    const float* lmr = d.lo_mark_re.data() + lo_pos_;
    const float* lmi = d.lo_mark_im.data() + lo_pos_;
    // Loops over quads of outputs with a fixed inner length, so that they vectorise (the outputs
    // of a partial quad are computed on zeros and not used). The space oscillator is the
    // conjugate of the mark one (the centre is midway), so the products share their terms.
    // Not value-initialised: zeroing them all cost more than the rest of this stage.
    std::array<float, kOut> pw, dd, qmr, qmi, qsr, qsi;  // NOLINT(cppcoreguidelines-pro-type-member-init)
    for (std::size_t q = 0; q < n_q; q += kQ) {
#pragma GCC unroll 4
        for (std::size_t j = q; j < q + kQ; ++j) {
            pw[j] = 2.0f * (br[j] * br[j] + bi[j] * bi[j]);
            const float rr = br[j] * lmr[j], ii = bi[j] * lmi[j], ri = br[j] * lmi[j], ir = bi[j] * lmr[j];
            qmr[j] = rr - ii;
            qmi[j] = ri + ir;
            qsr[j] = rr + ii;
            qsi[j] = ir - ri;
        }
    }
    std::copy_n(qmr.begin(), n_q, pmr + len - 1);
    std::copy_n(qmi.begin(), n_q, pmi + len - 1);
    std::copy_n(qsr.begin(), n_q, psr + len - 1);
    std::copy_n(qsi.begin(), n_q, psi + len - 1);
    // 4. Carrier detect on the in-band power, with hysteresis, over the batch first: while the
    // carrier stays off the soft decisions are not needed (only the last one, which the next
    // batch may start from), so the correlator windows are summed only when it is on somewhere.
    const SampleTime first = last - static_cast<SampleTime>(n_b - 1) * kOutStep;
    auto level = [](double sum) {
        return static_cast<float>(dsp::power_to_dbm0(std::max(sum, 0.0) / static_cast<double>(kPowerWindow)));
    };
    enum : std::uint8_t { kNone, kOn, kOff };
    std::array<std::uint8_t, kOut> change;  // NOLINT(cppcoreguidelines-pro-type-member-init): filled to n_b
    std::array<bool, kOut> on;              // NOLINT(cppcoreguidelines-pro-type-member-init): filled to n_b
    std::array<float, kOut> change_level;   // NOLINT(cppcoreguidelines-pro-type-member-init): at changes
    bool any_on = false;
    {
        double power_sum = power_sum_;
        std::size_t power_pos = power_pos_;
        bool carrier = carrier_;
        const double on_sum = on_sum_, off_sum = off_sum_;
        for (std::size_t i = 0; i < n_b; ++i) {
            const float p = pw[i];
            power_sum += static_cast<double>(p) - static_cast<double>(ring_power_[power_pos]);
            ring_power_[power_pos] = p;
            if (++power_pos == kPowerWindow) {
                // Re-summed exactly at every wrap, so rounding never builds up (and silence reads 0).
                power_pos = 0;
                power_sum = 0.0;
                for (const float v : ring_power_) power_sum += static_cast<double>(v);
            }
            change[i] = kNone;
            if (!carrier && power_sum > on_sum) {
                carrier = true;
                change[i] = kOn;
                change_level[i] = level(power_sum);
            } else if (carrier && power_sum < off_sum) {
                carrier = false;
                change[i] = kOff;
                change_level[i] = level(power_sum);
            }
            on[i] = carrier;
            any_on = any_on || carrier;
        }
        power_sum_ = power_sum;
        power_pos_ = power_pos;
        carrier_ = carrier;
    }
    const float* cw = corr_weights_.data();
    if (any_on) {
        std::array<float, kOut> cmr, cmi, csr, csi;  // NOLINT(cppcoreguidelines-pro-type-member-init)
        for (std::size_t q = 0; q < n_q; q += kQ) {
#pragma GCC unroll 4
            for (std::size_t j = q; j < q + kQ; ++j) {
                cmr[j] = cw[0] * pmr[len - 1 + j];
                cmi[j] = cw[0] * pmi[len - 1 + j];
                csr[j] = cw[0] * psr[len - 1 + j];
                csi[j] = cw[0] * psi[len - 1 + j];
            }
        }
        for (std::size_t l = 1; l < len; ++l) {
            const std::size_t o = len - 1 - l;
            const float wl = cw[l];
            for (std::size_t q = 0; q < n_q; q += kQ) {
#pragma GCC unroll 4
                for (std::size_t j = q; j < q + kQ; ++j) {
                    cmr[j] += wl * pmr[o + j];
                    cmi[j] += wl * pmi[o + j];
                    csr[j] += wl * psr[o + j];
                    csi[j] += wl * psi[o + j];
                }
            }
        }
        for (std::size_t q = 0; q < n_q; q += kQ) {
#pragma GCC unroll 4
            for (std::size_t j = q; j < q + kQ; ++j) {
                const float em = cmr[j] * cmr[j] + cmi[j] * cmi[j];
                const float es = csr[j] * csr[j] + csi[j] * csi[j];
                dd[j] = (em - es) / (em + es + 1e-30f);
            }
        }
    } else {
        // Only the batch's last decision, summed exactly as in the loops above.
        const std::size_t j = n_b - 1;
        float cm_r = cw[0] * pmr[len - 1 + j], cm_i = cw[0] * pmi[len - 1 + j];
        float cs_r = cw[0] * psr[len - 1 + j], cs_i = cw[0] * psi[len - 1 + j];
        for (std::size_t l = 1; l < len; ++l) {
            const std::size_t o = len - 1 - l;
            cm_r += cw[l] * pmr[o + j];
            cm_i += cw[l] * pmi[o + j];
            cs_r += cw[l] * psr[o + j];
            cs_i += cw[l] * psi[o + j];
        }
        const float em = cm_r * cm_r + cm_i * cm_i;
        const float es = cs_r * cs_r + cs_i * cs_i;
        dd[j] = (em - es) / (em + es + 1e-30f);
    }
    // Keep the last len - 1 products as the next batch's history.
    for (float* v : {pmr, pmi, psr, psi}) std::copy(v + n_b, v + n_b + len - 1, v);
    lo_pos_ = (lo_pos_ + n_b) % d.lo_period;

    // 5. Events and timing per output; the state in locals for the loop (the event writes could
    // alias the members).
    auto emit = [&](const RxEvent& e) {
        if (n_out < out.size()) {
            out[n_out++] = e;
        } else {
            ++dropped_;
        }
    };
    if (!any_on) {
        d_prev_ = dd[n_b - 1];
        for (std::size_t i = 0; i < n_b; ++i) {
            if (change[i] == kOff) {
                const SampleTime n = first + static_cast<SampleTime>(i) * kOutStep;
                const SampleTime known = n + static_cast<SampleTime>(i % kPair == 0 ? kOutStep : 0);
                emit({.kind = RxEvent::Kind::CarrierOff, .at = n, .level_dbm0 = change_level[i], .known_at = known});
            }
        }
        return n_out;
    }
    float d_prev = d_prev_;
    int phase = phase_;
    int transitions = transitions_;
    const int step = step_, modulus = modulus_, mid = modulus_ / 2, adv = kOutStep * step_;
    const SampleTime bit_delay = bit_delay_;
    for (std::size_t i = 0; i < n_b; ++i) {
        const SampleTime n = first + static_cast<SampleTime>(i) * kOutStep;
        const SampleTime known = n + static_cast<SampleTime>(i % kPair == 0 ? kOutStep : 0);  // the group's end
        if (change[i] == kOn) {
            transitions = 0;
            phase = 0;
            emit({.kind = RxEvent::Kind::CarrierOn, .at = n, .level_dbm0 = change_level[i], .known_at = known});
        } else if (change[i] == kOff) {
            emit({.kind = RxEvent::Kind::CarrierOff, .at = n, .level_dbm0 = change_level[i], .known_at = known});
        }
        const float d_now = dd[i];

        // 5. Bit timing from transitions; kOutStep input samples of phase per output.
        if (on[i]) {
            const int old = phase;
            phase += adv;
            if (phase >= modulus) phase -= modulus;
            if ((d_now > 0.0f) != (d_prev > 0.0f)) {
                // Zero crossing a fraction f of an output interval after the previous output.
                const float f = d_prev / (d_prev - d_now);
                int at_cross = phase - static_cast<int>(std::lround((1.0f - f) * static_cast<float>(adv)));
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
                // The phase passed mid-bit `past` units ago: d interpolated there, and the input
                // sample at which it passed (within this output's kOutStep samples).
                const int past = std::min(phase - mid, adv - 1);
                const float t = static_cast<float>(past) / static_cast<float>(adv);
                const float d_at = d_now - t * (d_now - d_prev);
                emit({.kind = RxEvent::Kind::Bit,
                      .bit = static_cast<std::uint8_t>(d_at > 0.0f ? 1 : 0),
                      .at = n - past / step - bit_delay,
                      .soft = d_at,
                      .known_at = known});
            }
        }
        d_prev = d_now;
    }
    d_prev_ = d_prev;
    phase_ = phase;
    transitions_ = transitions;
    return n_out;
}

}  // namespace modem::v21
