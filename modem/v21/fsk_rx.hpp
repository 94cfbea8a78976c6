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
                            ///< sample at which the level estimate crossed the threshold.
    float level_dbm0 = 0;   ///< Carrier events: the in-band level at the crossing
    bool operator==(const RxEvent&) const = default;
};

/// Receiver for one V.21 channel.
///
/// Signal path, per input sample x[n]:
///   1. b[n] = LPF{ x[n] e^{-j 2 pi fc n / fs} }, fc the channel centre (1080 or 1750 Hz). The
///      Kaiser low-pass is flat to +/-180 Hz (the tones sit at +/-100 Hz) and 60 dB down from
///      +/-320 Hz, which removes the other channel's tones (570 Hz away or more), i.e. our own
///      transmit echo; what leaks is the other signal's own spectral tail (about -29 dB).
///   2. Cm[n], Cs[n] = sum over the last L = 27 samples (one bit) of b[k] e^{-j 2 pi (f - fc) k / fs}
///      for f = mark and f = space; d[n] = (|Cm|^2 - |Cs|^2) / (|Cm|^2 + |Cs|^2), +1 mark, -1 space.
///   3. Carrier: P[n] = mean over 160 samples of 2 |b|^2 (in-band power of the real signal); ON
///      above -43 dBm0, OFF below -48 dBm0 (V.21 section 8.3 via SRS [1]).
///   4. Timing: a bit-phase accumulator advances 3/80 of a bit per sample (exact, integer). Each
///      sign change of d (interpolated between samples) is a bit boundary; the phase error is
///      pulled in with gain 1 at the first transition after carrier on, 1/4 for the next 8 and
///      1/8 after that. The bit is decided at mid-phase (the correlator window then spans it).
///
/// Implementation: the mixer is folded into complex filter taps (|b| and the correlator products
/// need no mixing), the correlator oscillators are exact tables (the tones are whole hertz), the
/// correlator windows are running sums re-summed at every wrap, and the filter is designed once
/// per channel and process. Events match the direct per-sample form above (tests/v8/test_fsk_speed).
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
    /// Upper bound of events for n_in input samples (at most one carrier event per sample, and a
    /// bit needs at least half a bit period of phase advance).
    [[nodiscard]] std::size_t max_output(std::size_t n_in) const noexcept;

    [[nodiscard]] bool carrier_on() const noexcept { return carrier_; }
    /// Latest in-band level estimate.
    [[nodiscard]] double level_dbm0() const noexcept;
    /// Latest soft decision d in [-1, 1] (+1 mark).
    [[nodiscard]] float soft() const noexcept { return d_prev_; }
    /// Input samples consumed since construction or reset().
    [[nodiscard]] SampleTime now() const noexcept { return now_; }
    /// Delay from the input to the end of the correlator window, in samples.
    [[nodiscard]] SampleTime delay() const noexcept;
    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }
    [[nodiscard]] const Config& config() const noexcept { return cfg_; }

private:
    /// The designed channel filter and correlator oscillators of one channel: built once per
    /// process and shared read-only by every receiver of that channel.
    struct Design;
    /// Input samples pushed into the filter history before their outputs are computed in pairs.
    static constexpr std::size_t kChunk = 64;

    Config cfg_;
    ChannelFreqs freqs_;
    const Design* design_;
    std::size_t ntaps_;
    // Input history, ring of ntaps_ + kChunk samples stored twice over so every filter window
    // (ntaps_ samples ending at any sample of the current chunk) is contiguous.
    std::vector<float> history_;
    std::size_t hist_pos_ = 0;
    std::array<dsp::cf32, kChunk> y_{};  // filter outputs of the current chunk
    std::size_t lo_pos_ = 0;             // sample index modulo the oscillator table period
    std::size_t corr_len_;
    std::vector<dsp::cf32> ring_mark_, ring_space_;
    dsp::cf32 sum_mark_{}, sum_space_{};  // running sums of the rings, re-summed at every wrap
    std::vector<float> ring_power_;
    std::size_t corr_pos_ = 0, power_pos_ = 0;
    double power_sum_ = 0.0;
    double on_sum_ = 0.0, off_sum_ = 0.0;  // thresholds as window sums of power
    bool carrier_ = false;
    int phase_ = 0;         // bit phase, units: one bit = modulus_
    int step_ = 0;          // phase units per sample
    int modulus_ = 0;
    int transitions_ = 0;   // since carrier on, for the acquisition gains
    float d_prev_ = 0.0f;
    SampleTime now_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace modem::v21
