// SPDX-License-Identifier: MIT
/// \file
/// V.21 phase-continuous FSK transmitter (300 bit/s, channel 1 or 2), the carrier of V.8 messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dsp/nco.hpp"
#include "dsp/types.hpp"
#include "modem/timing.hpp"
#include "modem/v21/v21.hpp"

namespace modem::v21 {

/// Turns queued bits into FSK: binary 1 = mark, binary 0 = space (V.21 section 2). The oscillator
/// is retuned at bit boundaries without a phase jump. Bit k of a burst starts at sample
/// ceil(k * 8000 / 300) after the burst's first sample, exactly (the SymbolClock rule).
///
/// Bits are queued with push_bit(); process() takes a queued bit at each bit boundary. What
/// happens when the queue is empty depends on Config::idle:
///   - Idle::Mark: the carrier stays on and sends mark (V.21 idle line); the bit clock runs on and
///     the next queued bit starts at the next bit boundary.
///   - Idle::Silence: the carrier stops at the boundary; the next queued bit starts on the very
///     next output sample (a new burst, bit clock restarted). Used for V.8 messages.
class FskTx {
public:
    using OutSample = float;
    enum class Idle { Mark, Silence };
    struct Config {
        Channel channel = Channel::Ch1;
        double level_dbm0 = -13.0;             ///< V.2 via V.21: at most -13 dBm0 mean [1]; project uses the maximum
        Idle idle = Idle::Mark;
        int bit_rate_bps = kBitRateBps;        ///< V.21 allows up to 300 bit/s
        double freq_offset_hz = 0.0;           ///< added to both tones: for tests of receiver tolerance
        std::size_t queue_capacity = 4096;     ///< bits; push_bit() refuses bits beyond it
    };
    /// Throws std::invalid_argument on a bit rate outside 1..300 or a zero queue capacity.
    explicit FskTx(const Config& cfg);
    /// Queue emptied, carrier in its initial state (mark for Idle::Mark, off for Idle::Silence).
    void reset() noexcept;

    /// Queues one bit (any non-zero value is 1). False, and nothing queued, when the queue is full.
    bool push_bit(std::uint8_t bit) noexcept;
    /// Queues `n_bits` bits of `word`, least significant first. False (nothing queued) if they do not fit.
    bool push_word(std::uint32_t word, int n_bits) noexcept;
    /// Drops every queued bit that has not started. The bit on the line finishes normally.
    void clear_queue() noexcept;
    /// Drops the queue and the bit in progress: silence (Idle::Silence) or mark (Idle::Mark) from
    /// the next sample. The V.8 answerer uses it to stop JM mid-sequence.
    void abort() noexcept;

    /// Writes out.size() samples. Allocation-free.
    void process(std::span<float> out) noexcept;

    /// Bits waiting that have not started.
    [[nodiscard]] std::size_t queued() const noexcept { return count_; }
    /// True while a queued bit is on the line or waiting: false once the last queued bit has ended.
    [[nodiscard]] bool busy() const noexcept { return count_ > 0 || sending_data_; }
    /// True while the output is not silent.
    [[nodiscard]] bool carrier_on() const noexcept { return carrier_; }
    /// Samples from the next one up to and including the next at which a bit may start (a bit
    /// boundary, or the first sample of a burst with bits queued): >= 1. The largest size_t
    /// while silent with nothing queued. Until then the queue is only read at that sample, so a
    /// caller may fill it at any time before it.
    [[nodiscard]] std::size_t samples_to_boundary() const noexcept;
    /// Bits taken from the queue since construction or reset().
    [[nodiscard]] std::uint64_t bits_started() const noexcept { return bits_started_; }
    /// Samples produced since construction or reset().
    [[nodiscard]] SampleTime now() const noexcept { return now_; }
    [[nodiscard]] const Config& config() const noexcept { return cfg_; }

private:
    void start_bit(std::uint8_t bit) noexcept;
    Config cfg_;
    float amplitude_;
    // Phase-continuous oscillator: 32-bit phase (a full turn wraps), read through a sine table.
    std::uint32_t phase_ = 0;
    std::uint32_t step_ = 0;
    // The bit clock (SymbolClock's, kept here so that the samples up to the next boundary are
    // known): a bit starts at a sample whose accumulator is below bit_step_.
    int bit_acc_ = 0;
    int bit_step_ = 0;
    int bit_modulus_ = 0;
    std::vector<std::uint8_t> queue_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    bool carrier_ = false;
    bool sending_data_ = false;  // the bit on the line came from the queue (not idle mark)
    std::uint64_t bits_started_ = 0;
    SampleTime now_ = 0;
};

}  // namespace modem::v21
