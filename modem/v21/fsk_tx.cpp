// SPDX-License-Identifier: MIT
/// \file
/// V.21 phase-continuous FSK transmitter.
#include "modem/v21/fsk_tx.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace modem::v21 {

namespace {
const FskTx::Config& validated(const FskTx::Config& cfg) {
    if (cfg.bit_rate_bps <= 0 || cfg.bit_rate_bps > kBitRateBps) {
        throw std::invalid_argument("FskTx: bit_rate_bps must be in 1..300 (V.21)");
    }
    if (cfg.queue_capacity == 0) throw std::invalid_argument("FskTx: queue_capacity must be > 0");
    return cfg;
}

// Sine table for the oscillator, project choice: 1024 points per turn with linear interpolation
// (the 22 low phase bits): at most 5e-6 of the amplitude from sin(), far below the int16 step.
constexpr int kTableBits = 10;
constexpr std::size_t kTableSize = std::size_t{1} << kTableBits;

struct SineTable {
    std::array<float, kTableSize + 1> v{};
    SineTable() {
        for (std::size_t i = 0; i <= kTableSize; ++i)
            v[i] = static_cast<float>(std::sin(dsp::kTwoPi * static_cast<double>(i) / static_cast<double>(kTableSize)));
    }
};
const SineTable kSine;

std::uint32_t to_step(double freq_hz) noexcept {
    // Negative frequencies wrap naturally in unsigned arithmetic.
    return static_cast<std::uint32_t>(static_cast<std::int64_t>(std::llround(freq_hz / dsp::kFsHz * 4294967296.0)));
}

float sine(std::uint32_t phase) noexcept {
    constexpr int kFracBits = 32 - kTableBits;
    const std::uint32_t i = phase >> kFracBits;
    const float f = static_cast<float>(phase & ((1u << kFracBits) - 1u)) * (1.0f / static_cast<float>(1u << kFracBits));
    return kSine.v[i] + f * (kSine.v[i + 1] - kSine.v[i]);
}
}  // namespace

FskTx::FskTx(const Config& cfg)
    : cfg_(validated(cfg)),
      amplitude_(static_cast<float>(dsp::dbm0_to_peak(cfg.level_dbm0))),
      bit_step_(cfg.bit_rate_bps / std::gcd(cfg.bit_rate_bps, dsp::kFsHz)),
      bit_modulus_(dsp::kFsHz / std::gcd(cfg.bit_rate_bps, dsp::kFsHz)),
      queue_(cfg.queue_capacity) {
    reset();
}

void FskTx::reset() noexcept {
    phase_ = 0;
    step_ = to_step(frequencies(cfg_.channel).mark_hz + cfg_.freq_offset_hz);
    bit_acc_ = 0;
    head_ = count_ = 0;
    carrier_ = cfg_.idle == Idle::Mark;
    sending_data_ = false;
    bits_started_ = 0;
    now_ = 0;
}

bool FskTx::push_bit(std::uint8_t bit) noexcept {
    if (count_ == queue_.size()) return false;
    std::size_t tail = head_ + count_;
    if (tail >= queue_.size()) tail -= queue_.size();
    queue_[tail] = bit != 0 ? 1 : 0;
    ++count_;
    return true;
}

bool FskTx::push_word(std::uint32_t word, int n_bits) noexcept {
    if (n_bits < 0 || n_bits > 32 || queue_.size() - count_ < static_cast<std::size_t>(n_bits)) return false;
    for (int i = 0; i < n_bits; ++i) push_bit(static_cast<std::uint8_t>((word >> i) & 1u));
    return true;
}

void FskTx::clear_queue() noexcept { head_ = count_ = 0; }

void FskTx::abort() noexcept {
    clear_queue();
    sending_data_ = false;
    if (cfg_.idle == Idle::Silence) {
        carrier_ = false;
    } else {
        step_ = to_step(frequencies(cfg_.channel).mark_hz + cfg_.freq_offset_hz);
    }
}

void FskTx::start_bit(std::uint8_t bit) noexcept {
    const ChannelFreqs f = frequencies(cfg_.channel);
    step_ = to_step((bit != 0 ? f.mark_hz : f.space_hz) + cfg_.freq_offset_hz);
}

std::size_t FskTx::samples_to_boundary() const noexcept {
    if (!carrier_) return count_ > 0 ? 1 : std::numeric_limits<std::size_t>::max();
    if (bit_acc_ < bit_step_) return 1;
    return 1 + static_cast<std::size_t>((bit_modulus_ - bit_acc_ + bit_step_ - 1) / bit_step_);
}

void FskTx::process(std::span<float> out) noexcept {
    // Per sample: the bit clock ticks (a bit may start, with a new tone), then one sample of the
    // oscillator. Done here in runs from one tick that may start a bit to the sample before the
    // next such tick, with the oscillator alone inside a run.
    const std::size_t n = out.size();
    std::size_t j = 0;
    while (j < n) {
        if (!carrier_ && count_ > 0) {
            // Idle::Silence: a new burst starts here, with a fresh bit clock.
            carrier_ = true;
            bit_acc_ = 0;
        }
        if (!carrier_) {
            // Nothing is queued during a call: silent to the end.
            std::fill(out.begin() + static_cast<std::ptrdiff_t>(j), out.end(), 0.0f);
            now_ += static_cast<SampleTime>(n - j);
            return;
        }
        const bool starts = bit_acc_ < bit_step_;
        bit_acc_ += bit_step_;
        if (bit_acc_ >= bit_modulus_) bit_acc_ -= bit_modulus_;
        if (starts) {
            if (count_ > 0) {
                start_bit(queue_[head_]);
                if (++head_ == queue_.size()) head_ = 0;
                --count_;
                ++bits_started_;
                sending_data_ = true;
            } else {
                sending_data_ = false;
                if (cfg_.idle == Idle::Silence) {
                    carrier_ = false;
                    out[j++] = 0.0f;
                    ++now_;
                    continue;
                }
                start_bit(1);  // idle line is mark (V.21, V.4)
            }
        }
        // This sample and the ones whose ticks start no bit: k more, the smallest k that carries
        // the accumulator past the modulus (none when the next tick starts a bit).
        const std::size_t more =
            bit_acc_ < bit_step_ ? 0 : static_cast<std::size_t>((bit_modulus_ - bit_acc_ + bit_step_ - 1) / bit_step_);
        const std::size_t run = std::min(1 + more, n - j);
        bit_acc_ += static_cast<int>(run - 1) * bit_step_;  // at most one wrap (run - 1 <= more)
        if (bit_acc_ >= bit_modulus_) bit_acc_ -= bit_modulus_;
        std::uint32_t phase = phase_;
        const std::uint32_t step = step_;
        const float amp = amplitude_;
        for (std::size_t i = 0; i < run; ++i) {
            out[j + i] = amp * sine(phase);
            phase += step;
        }
        phase_ = phase;
        j += run;
        now_ += static_cast<SampleTime>(run);
    }
}

}  // namespace modem::v21
