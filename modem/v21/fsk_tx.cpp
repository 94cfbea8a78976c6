// SPDX-License-Identifier: MIT
/// \file
/// V.21 phase-continuous FSK transmitter.
#include "modem/v21/fsk_tx.hpp"

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
}  // namespace

FskTx::FskTx(const Config& cfg)
    : cfg_(validated(cfg)),
      amplitude_(static_cast<float>(dsp::dbm0_to_peak(cfg.level_dbm0))),
      nco_({.freq_hz = frequencies(cfg.channel).mark_hz + cfg.freq_offset_hz}),
      clock_(cfg.bit_rate_bps),
      queue_(cfg.queue_capacity) {
    reset();
}

void FskTx::reset() noexcept {
    nco_.reset();
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
        nco_.set_freq(frequencies(cfg_.channel).mark_hz + cfg_.freq_offset_hz);
    }
}

void FskTx::start_bit(std::uint8_t bit) noexcept {
    const ChannelFreqs f = frequencies(cfg_.channel);
    nco_.set_freq((bit != 0 ? f.mark_hz : f.space_hz) + cfg_.freq_offset_hz);
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
        nco_.sin(std::span<float>(&y, 1), amplitude_);
        ++now_;
    }
}

}  // namespace modem::v21
