// SPDX-License-Identifier: MIT
/// \file
/// V.21 phase-continuous FSK transmitter.
#include "modem/v21/fsk_tx.hpp"

#include <array>
#include <cmath>
#include <cstdint>
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
      clock_(cfg.bit_rate_bps),
      queue_(cfg.queue_capacity) {
    reset();
}

void FskTx::reset() noexcept {
    phase_ = 0;
    step_ = to_step(frequencies(cfg_.channel).mark_hz + cfg_.freq_offset_hz);
    clock_.reset();
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

void FskTx::process(std::span<float> out) noexcept {
    for (float& y : out) {
        if (!carrier_ && count_ > 0) {
            // Idle::Silence: a new burst starts here, with a fresh bit clock.
            carrier_ = true;
            clock_.reset();
        }
        if (!carrier_) {
            y = 0.0f;
            ++now_;
            continue;
        }
        if (clock_.tick()) {
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
                    y = 0.0f;
                    ++now_;
                    continue;
                }
                start_bit(1);  // idle line is mark (V.21, V.4)
            }
        }
        y = amplitude_ * sine(phase_);
        phase_ += step_;
        ++now_;
    }
}

}  // namespace modem::v21
