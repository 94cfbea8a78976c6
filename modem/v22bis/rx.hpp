// SPDX-License-Identifier: MIT
/// \file
/// V.22bis / V.22 receiver: channel selection, AGC, Gardner timing recovery, T/2 adaptive
/// equaliser, decision-directed carrier PLL, 4- and 16-point decisions, descrambler, and the
/// handshake signal detectors (USB1, S1, scrambled ones) with carrier detect (V.22bis 6.3).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "dsp/kernels/kernels.hpp"
#include "dsp/types.hpp"
#include "modem/v22bis/coding.hpp"
#include "modem/v22bis/v22bis.hpp"

namespace modem::v22bis {

/// "No time": a detector that is not active.
inline constexpr SampleTime kNever = -1;

/// One decided symbol.
struct RxSymbol {
    SampleTime at = 0;             ///< estimated line time (input sample) of the symbol centre
    cf32 point{};                  ///< equalised, de-rotated sample in grid units (points at +/-1, +/-3)
    int step = 0;                  ///< quadrant change from the previous symbol, 0..3 (V.22 5.2)
    std::uint8_t n_bits = 0;       ///< 2 (4-point decisions) or 4 (16-point)
    std::array<std::uint8_t, 4> bits{};  ///< descrambled bits in time order
};

/// Running state of the detectors, updated once per symbol (and per sample for the carrier).
struct RxStatus {
    bool carrier = false;            ///< in-band level above the on threshold (with hysteresis)
    SampleTime carrier_since = kNever;  ///< when the carrier came on
    /// Start of the current run of unscrambled ones (every dibit 11, or every dibit 00 for USB0),
    /// kNever if none (V.22bis 6.3.1.1 b, protocols.md 6.2).
    SampleTime usb1_since = kNever;
    SampleTime s1_since = kNever;    ///< start of the S1 being received, kNever if none
    SampleTime s1_last = kNever;     ///< centre of the last S1 symbol seen (latched after S1 ends)
    /// Descrambled consecutive binary ones (bits), and when the run started (kNever if no run).
    /// A run while usb1_since is set is not counted: unscrambled ones also descramble to ones.
    std::int64_t ones_run = 0;
    SampleTime ones_since = kNever;
    double snr_db = 0.0;             ///< decision-error SNR estimate (EVM), smoothed
    double level_dbm0 = -100.0;      ///< in-band level of the far end's channel
    double freq_offset_hz = 0.0;     ///< carrier PLL frequency estimate
    double clock_ppm = 0.0;          ///< timing loop estimate of the far end's clock error
};

/// Receiver for the far end's channel (the answerer's 2400 Hz one for a caller, and vice versa).
///
/// Per input sample x[n] the receiver only stores x[n] in a buffer (the timing loop counts whole
/// runs of samples to the next instant in one step); everything else runs at the T/2 instants t = n - f (1200 per second, f in [0, 2)
/// samples, from the timing loop):
///   z(t) = e^{-j w n} sum_i c_f[i] x[n - i],  c_f[i] = h(i - f - D) e^{j w i}
///                                             the matched 75 % RRC h (+/-4 symbols, DC gain 1,
///                                             D = 53 samples) evaluated at the fractional phase f
///                                             (48 phases per sample, nearest), with the carrier
///                                             w = 2 pi fc / fs folded into complex taps: the same
///                                             result as mixing down every sample and filtering,
///                                             at 15 % of the cost; it is also the channel filter,
///                                             55 dB or more down on our own band and the guard tones
///   P = one-pole mean of 2 |z|^2 / 0.8125     in-band power (0.8125 = 1 - beta/4 corrects for the
///                                             RRC^2 weighting of a data spectrum; two samples per
///                                             symbol see that mean exactly for beta < 1); carrier
///                                             ON above -43 dBm0, OFF below -48 dBm0 (V.22 via SRS [1])
///   v = g z                                   AGC towards the grid power 10, frozen in data mode
/// Every second T/2 sample is a symbol sample:
///   e_t = Re{ conj(v_mid) (v_prev - v_sym) } / 10           Gardner timing error
///   y = sum c_i u_i                                        T/2 equaliser over the last N samples
///   r = y e^{-j theta};  d = slice(r);  e = d - r          carrier de-rotation, decision, error
///   w += b phi,  theta += a phi + w,  phi = Im{r conj d}/|d|^2   second-order carrier PLL (the
///                                             phasor e^{-j theta} turned by a small angle each symbol)
///   c_i += mu e e^{j theta} conj(u_i) / sum |u|^2           normalised LMS
class Rx {
public:
    struct Config {
        Role role = Role::Caller;         ///< our role: we receive the other end's carrier
        double carrier_on_dbm0 = -43.0;   ///< V.22 / V.22bis via SRS [1]: ON above -43 dBm0
        double carrier_off_dbm0 = -48.0;  ///< V.22 / V.22bis via SRS [1]: OFF below -48 dBm0
        int eq_taps = 16;                 ///< T/2 taps (project choice: 8 symbols span), even, >= 4
    };
    /// Throws std::invalid_argument on thresholds out of order or a bad tap count. The receiver
    /// runs on the SIMD kernel table active when it is built (dsp::kernels::select() first).
    explicit Rx(const Config& cfg);
    void reset() noexcept;

    /// 16-point decisions (true, V.22bis 6.3.1.1 d) or 4-point 1200 bit/s decisions (false).
    void set_sixteen_point(bool on) noexcept { sixteen_ = on; }
    [[nodiscard]] bool sixteen_point() const noexcept { return sixteen_; }
    /// Data mode: AGC frozen, slower equaliser and loops (tracking instead of training).
    void set_data_mode(bool on) noexcept {
        if (on != data_mode_ || pll_a_ == 0.0f) set_mode_gains(on);  // the modem calls this every symbol
    }
    /// Acquisition again as just after carrier on (fast AGC and timing pull-in, equaliser, carrier
    /// loop, descrambler, detectors), keeping carrier detect, level and the sample clock: for a
    /// retrain (V.22bis 6.4) and for a signal that starts while noise already holds carrier on.
    void restart() noexcept { restart_loops(); }

    /// Feeds one sample; true when a symbol was decided on it (then symbol() holds it).
    bool push(float x) noexcept;
    /// Feeds samples, calling sink(const RxSymbol&) for each decided symbol. Allocation-free.
    template <class Sink>
    void process(std::span<const float> in, Sink&& sink) noexcept {
        using S = std::remove_reference_t<Sink>;
        feed(in, [](void* ctx, const RxSymbol& s) { (*static_cast<S*>(ctx))(s); },
             const_cast<void*>(static_cast<const void*>(std::addressof(sink))));
    }
    [[nodiscard]] const RxSymbol& symbol() const noexcept { return sym_; }
    /// Detector state; the level, SNR, frequency and clock figures are worked out on each call.
    [[nodiscard]] const RxStatus& status() const noexcept;
    /// Mean squared error of the decisions in use (grid units, where the points' mean power is
    /// kConstellationPower), smoothed over about 50 symbols: what status().snr_db is worked out
    /// from, without the logarithm.
    [[nodiscard]] float decision_mse() const noexcept { return mse_; }
    /// Samples consumed since construction or reset().
    [[nodiscard]] SampleTime now() const noexcept { return now_; }
    /// Receiver delay, samples from a symbol centre on the line to its decision (subtracted in `at`).
    [[nodiscard]] SampleTime delay() const noexcept { return delay_; }

private:
    using SymbolFn = void (*)(void* ctx, const RxSymbol& s);
    /// With a sink: consumes every sample, calling sink(ctx, symbol) for each decided symbol (one
    /// indirect call, where returning to the caller per symbol cost a re-entry with its register
    /// saves and staging checks). Without one (push): consumes samples up to and including the
    /// first that decides a symbol (then decided_ is true), or all of them. Returns the count.
    std::size_t feed(std::span<const float> in, SymbolFn sink, void* ctx) noexcept;
    void on_instant() noexcept;
    /// One T/2 filter output z at sample time `at`: level, carrier detect, AGC; v = g z, which
    /// also enters the equaliser's delay line.
    [[gnu::always_inline]] inline void condition(float zr, float zi, SampleTime at, float& vr, float& vi) noexcept;
    void restart_loops() noexcept;
    void set_mode_gains(bool data) noexcept;
    void set_period_adj(float v) noexcept;
    // Complex values travel as (re, im) float pairs on the per-sample path: GCC assembles a cf32
    // argument from two 4-byte stores and one 8-byte load, which stalls on store forwarding.
    void on_symbol(float u_re, float u_im) noexcept;
    /// Detectors, after a symbol: `step` its quadrant change, `data` its n_bits descrambled bits
    /// (first in time highest).
    void detect(int step, std::uint32_t data, int n_bits) noexcept;

    Config cfg_;
    const dsp::kernels::Table* k_;     // the kernel table, fixed at construction (no lookup per call)
    // polyphase matched filter with the carrier folded in
    std::size_t n_taps_ = 0;           // L
    std::shared_ptr<const std::vector<float>> bank_;  // shared by receivers of one role: (kPhases + 1) rows, phase p: fractional delay p / kPhases;
                                       // a row is L real parts, then L imaginary parts
    std::vector<float> buf_;           // input history (keep_) + staged chunk, slid when full
    std::size_t keep_ = 0;             // L + kMaxLateSamples: history the filter window needs
    std::size_t cur_ = 0;              // buf_ index of the next sample the timing loop consumes
    std::size_t end_ = 0;              // buf_ index one past the last staged sample
    std::vector<cf32> derot_;          // e^{-j w k}, k = 0 .. 3 periods - 1
    std::size_t period_ = 1;           // carrier period in samples
    std::size_t carrier_idx_ = 0;      // now() modulo period_
    float level_alpha_, agc_fast_alpha_, agc_slow_alpha_;  // per T/2 sample
    float on_power_, off_power_;
    bool decided_ = false;
    SampleTime delay_ = 0;
    // AGC and level
    float power_ = 0.0f;
    float agc_power_ = 0.0f;
    float gain_ = 1.0f;
    // timing
    // Next T/2 instant, in samples after the newest consumed one (2^32 per sample, <= 0 when
    // due): integer shifts give the samples to wait and the filter phase, with no division.
    std::int64_t due_ = 0;
    std::int64_t period_fx_ = 0;  // samples per T/2 interval, 2^32 per sample
    float period_adj_ = 0.0f;     // timing loop frequency term (samples per T/2 interval)
    bool odd_ = false;       // next T/2 sample is a mid-symbol one
    // The pending mid-symbol instant: its window's last sample (a now() value), filter phase,
    // derot_ index, and now() when it fell.
    SampleTime mid_end_ = 0, mid_now_ = 0;
    std::size_t mid_phase_ = 0, mid_lo_idx_ = 0;
    float mid_re_ = 0.0f, mid_im_ = 0.0f, prev_re_ = 0.0f, prev_im_ = 0.0f;
    // equaliser
    // Taps c_0 .. c_{N-1} at taps_store_[taps_off_ ...], placed so that c_2 starts a 64-byte
    // line: the update writes c_2 .. c_{N-1} with the same 16-byte stores the next symbol's dot
    // product loads (a load that straddles two earlier stores cannot take its data from the store
    // queue and waits for them to reach the cache), none split across lines; c_0, c_1 (the taps of
    // the two newest samples, still in registers) are handled as scalars.
    std::vector<cf32> taps_store_;
    std::size_t taps_off_ = 0;
    std::size_t n_eq_ = 0;
    cf32* taps() noexcept { return taps_store_.data() + taps_off_; }
    std::vector<cf32> line_;  // 2N: each sample stored twice so the window never wraps
    std::size_t line_pos_ = 0;
    // carrier
    float omega_ = 0.0f;                   // loop frequency, radians per symbol
    float rot_re_ = 1.0f, rot_im_ = 0.0f;  // e^{-j theta}, theta the carrier phase
    float mse_ = 1.0f;
    // Loop gains of the current mode (training or data), set by set_data_mode().
    float pll_a_ = 0.0f, pll_b_ = 0.0f, mu_ = 0.0f, timing_ki_ = 0.0f;
    // decisions and detectors
    SymbolDecoder decoder_;
    Descrambler descrambler_;
    std::uint32_t usb1_window_ = 0, usb0_window_ = 0, s1_window_ = 0;  // last 16 symbols, bit 0 newest
    int usb1_count_ = 0, usb0_count_ = 0, s1_count_ = 0;               // ones among those 16
    int prev_step_ = 0;
    std::int64_t symbols_since_on_ = 0;
    bool sixteen_ = false;
    bool data_mode_ = false;
    RxSymbol sym_{};
    mutable RxStatus st_{};  // status() fills in the derived figures
    SampleTime now_ = 0;
};

}  // namespace modem::v22bis
