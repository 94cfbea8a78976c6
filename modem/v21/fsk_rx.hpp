// SPDX-License-Identifier: MIT
/// \file
/// V.21 FSK receiver (300 bit/s, channel 1 or 2): channel filter, non-coherent mark/space
/// correlators, carrier detect with hysteresis and bit timing recovered from transitions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dsp/block.hpp"
#include "dsp/types.hpp"
#include "modem/v21/v21.hpp"

namespace modem::v21 {

using dsp::SampleTime;

/// One output of the receiver, in time order.
struct RxEvent {
    enum class Kind : std::uint8_t {
        Bit,         ///< a demodulated bit (only while the carrier is on)
        CarrierOn,   ///< in-band level rose above Config::carrier_on_dbm0
        CarrierOff,  ///< in-band level fell below Config::carrier_off_dbm0
    };
    Kind kind = Kind::Bit;
    std::uint8_t bit = 0;   ///< Bit: 1 = mark, 0 = space
    SampleTime at = 0;      ///< Bit: estimated first input sample of the bit. Carrier: the input
                            ///< sample of the level estimate that crossed the threshold.
    float level_dbm0 = 0;   ///< Carrier events: the in-band level at the crossing
    float soft = 0;         ///< Bit: the soft decision d at the decision point (+1 mark, -1 space)
    SampleTime known_at = 0;  ///< the input sample whose arrival completed the event (>= at): a
                              ///< caller feeding blocks acts on the event from this sample on
    bool operator==(const RxEvent&) const = default;
};

/// Receiver for one V.21 channel.
///
/// Signal path; x[n] is the input at 8 kHz, n_k = 4 k + 3 the 2 kHz instants, n_m = 8 m + 7 the
/// 1 kHz ones:
///   1. Decimation to 2 kHz complex baseband: a[k] = sum_i h1[i] x[n_k - i] e^{-j 2 pi fc (n_k - i) / fs},
///      fc the channel centre (1080 or 1750 Hz), h1 a short Kaiser low-pass (21 taps, flat to
///      +/-320 Hz, 60 dB down from 1680 Hz: everything that would fold into +/-320 Hz).
///   2. Channel filter at 2 kHz, every 2nd output kept: b[m] = sum_i h2[i] a[2 m + 1 - i], a Kaiser
///      low-pass flat to +/-180 Hz (the tones sit at +/-100 Hz) and 60 dB down from +/-320 Hz,
///      which removes the other channel's tones (570 Hz away or more), i.e. our own transmit echo;
///      what leaks is the other signal's own spectral tail (about -29 dB). What folds at 1 kHz
///      lies in its stop band.
///   3. Cm[m], Cs[m] = sum over the last 4 outputs of w[l] b[m-l] e^{-j 2 pi (f - fc) (m-l) / 1000}
///      for f = mark and f = space, w = (2/3, 1, 1, 2/3): exactly one bit (3.33 ms) on the 1 ms
///      grid; d[m] = (|Cm|^2 - |Cs|^2) / (|Cm|^2 + |Cs|^2), +1 mark, -1 space.
///   4. Carrier: P[m] = mean over 20 outputs (20 ms) of 2 |b|^2 (in-band power of the real signal);
///      ON above -43 dBm0, OFF below -48 dBm0 (V.21 section 8.3 via SRS [1]).
///   5. Timing: a bit-phase accumulator advances 3/80 of a bit per input sample (exact, integer),
///      i.e. 8 steps per output. Each sign change of d (interpolated between outputs) is a bit
///      boundary; the phase error is pulled in with gain 1 at the first transition after carrier
///      on, 1/4 for the next 8 and 1/8 after that. The bit is decided where the phase passes
///      mid-bit (the correlator window then spans it), with d interpolated to that point; its time
///      is the input sample at which the phase passed, so bit times keep 8 kHz resolution.
///
/// Implementation: the mixer is folded into the stage-1 taps (a de-rotation table per 2 kHz value
/// follows); the receiver works in groups of 16 input samples of the absolute clock (four stage-1
/// values in two kernel calls, the group's two outputs in one), whatever the block size, so an
/// event is known at the end of its group (RxEvent::known_at); the correlator oscillators are
/// exact tables (the tones are whole hertz), the correlator windows are summed afresh for each
/// output in loops over a batch of outputs, the filters are designed once per channel and
/// process, and digital silence into a receiver at rest (all state zero) skips the arithmetic,
/// whose result it knows (zeros). The carrier detector runs over a batch first; a batch with
/// the carrier off throughout sums only its last correlator window (the soft decision the next
/// batch may start from) and skips the timing loop, whose results are then unused.
/// tests/v8/test_fsk_speed checks the events against a direct per-sample form of this path.
class FskRx {
public:
    using InSample = float;
    struct Config {
        Channel channel = Channel::Ch1;
        double carrier_on_dbm0 = -43.0;   ///< V.21 8.3 via SRS [1]: ON above -43 dBm0
        double carrier_off_dbm0 = -48.0;  ///< V.21 8.3 via SRS [1]: OFF below -48 dBm0
        int bit_rate_bps = kBitRateBps;   ///< 1..300
    };
    /// Throws std::invalid_argument on a bad bit rate or off threshold above the on threshold.
    explicit FskRx(const Config& cfg);
    void reset() noexcept;

    /// Consumes every sample of `in`; writes events in time order and returns how many.
    /// Precondition: out.size() >= max_output(in.size()); events beyond out.size() are dropped
    /// (counted by dropped()). Allocation-free.
    std::size_t process(std::span<const float> in, std::span<RxEvent> out) noexcept;
    /// Upper bound of events for n_in input samples (at most one carrier event and one bit per
    /// output, two outputs per 16 input samples).
    [[nodiscard]] std::size_t max_output(std::size_t n_in) const noexcept;

    [[nodiscard]] bool carrier_on() const noexcept { return carrier_; }
    /// Latest in-band level estimate.
    [[nodiscard]] double level_dbm0() const noexcept;
    /// Latest soft decision d in [-1, 1] (+1 mark), of the latest output (a bit's own is
    /// RxEvent::soft).
    [[nodiscard]] float soft() const noexcept { return d_prev_; }
    /// Input samples consumed since construction or reset().
    [[nodiscard]] SampleTime now() const noexcept { return now_; }
    /// Group delay of the two filters, in input samples.
    [[nodiscard]] SampleTime delay() const noexcept;
    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }
    [[nodiscard]] const Config& config() const noexcept { return cfg_; }

    /// Input samples per stage-1 output (2 kHz); project choice.
    static constexpr int kDecimation = 4;
    /// Input samples per output (1 kHz: the channel filter keeps every 2nd value); project choice.
    static constexpr int kOutStep = 8;
    /// Outputs per channel-filter call, i.e. the receiver works on groups of kOutStep * kPair
    /// input samples.
    static constexpr int kPair = 2;

private:
    /// The designed filters and tables of one channel: built once per process and shared
    /// read-only by every receiver of that channel.
    struct Design;
    static constexpr std::size_t kGroup = static_cast<std::size_t>(kOutStep * kPair);
    /// Stage-1 outputs per group.
    static constexpr std::size_t kMidPerGroup = kGroup / static_cast<std::size_t>(kDecimation);
    /// Groups filtered per batch before the per-output stage runs over them (project choice).
    static constexpr std::size_t kBatch = 16;

    /// Filters and demodulates the `groups` complete groups at the start of x_ (last input
    /// sample of the batch: `last`).
    std::size_t run(std::size_t groups, SampleTime last, std::span<RxEvent> out, std::size_t n_out) noexcept;
    /// True when the state is all zeros and so are the next `groups` groups of input.
    [[nodiscard]] bool quiet(std::size_t groups) noexcept;

    Config cfg_;
    const Design* design_;
    std::size_t n1_, n2_;                 // stage-1 and stage-2 lengths
    std::vector<float> x_;                // n1_ - 1 samples of history, then up to kBatch groups
    std::size_t x_len_ = 0;
    std::vector<float> a_re_, a_im_;      // n2_ - 1 stage-1 outputs of history, then the batch's
    std::size_t rot_pos_ = 0, lo_pos_ = 0;  // output index modulo the table periods
    std::vector<float> corr_weights_;  // the one-bit window, newest output first (symmetric)
    std::size_t corr_len_;
    // Correlator products: corr_len_ - 1 of history, then the batch's (planar).
    std::vector<float> pm_re_, pm_im_, ps_re_, ps_im_;
    std::vector<float> ring_power_;
    std::size_t power_pos_ = 0;
    double power_sum_ = 0.0;
    bool at_rest_ = true;  // every state value is zero (known from the last check or quiet batch)
    double on_sum_ = 0.0, off_sum_ = 0.0;  // thresholds as window sums of power
    SampleTime bit_delay_ = 0;
    bool carrier_ = false;
    int phase_ = 0;         // bit phase, units: one bit = modulus_
    int step_ = 0;          // phase units per input sample
    int modulus_ = 0;
    int transitions_ = 0;   // since carrier on, for the acquisition gains
    float d_prev_ = 0.0f;
    SampleTime now_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace modem::v21
