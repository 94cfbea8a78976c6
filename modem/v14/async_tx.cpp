// SPDX-License-Identifier: MIT
/// \file
/// V.14 transmit converter: queued DTE characters and breaks serialised into line bits.
#include <algorithm>
#include <stdexcept>

#include "modem/v14/v14.hpp"

namespace modem::v14 {

namespace {
constexpr std::uint16_t kBreakItem = 0x100;  // ring marker for a break (data items are 0..255)
constexpr int kMinDeleteSpacing = 4;  // V.14 extended range: at most one stop deletion in 4 characters

/// V.14: a break is sent to the line as 2M + 3 zero bits (M = bits per character).
constexpr int break_zero_bits(int m) { return 2 * m + 3; }
/// Marks after a break before the next character: 2M (protocols.md 7.4, unverified; project choice).
constexpr int break_mark_bits(int m) { return 2 * m; }
}  // namespace

AsyncTx::AsyncTx(const Config& cfg) : cfg_(cfg) {
    cfg_.format.validate();
    if (cfg_.queue_capacity == 0) throw std::invalid_argument("AsyncTx: queue_capacity must be at least 1");
    if (cfg_.delete_stop_every < 0 || (cfg_.delete_stop_every > 0 && cfg_.delete_stop_every < kMinDeleteSpacing))
        throw std::invalid_argument("AsyncTx: delete_stop_every must be 0 or >= 4 (V.14: one deletion in 4 at most)");
    bpc_ = cfg_.format.bits_per_char();
    ring_.assign(cfg_.queue_capacity + kMaxQueuedBreaks, 0);
}

void AsyncTx::reset() noexcept {
    head_ = items_ = data_items_ = break_items_ = 0;
    frame_ = 0;
    bits_left_ = 0;
    sending_char_ = false;
    chars_loaded_ = chars_sent_ = 0;
}

std::size_t AsyncTx::push(std::span<const std::uint8_t> bytes) {
    const std::size_t n = std::min(bytes.size(), free_space());
    for (std::size_t i = 0; i < n; ++i) {
        ring_[(head_ + items_) % ring_.size()] = bytes[i];
        ++items_;
    }
    data_items_ += n;
    return n;
}

std::size_t AsyncTx::free_space() const noexcept { return cfg_.queue_capacity - data_items_; }
std::size_t AsyncTx::queued() const noexcept { return data_items_; }
bool AsyncTx::idle() const noexcept { return items_ == 0 && bits_left_ == 0; }
std::uint64_t AsyncTx::chars_sent() const noexcept { return chars_sent_; }

void AsyncTx::send_break() {
    if (break_items_ >= kMaxQueuedBreaks) return;
    ring_[(head_ + items_) % ring_.size()] = kBreakItem;
    ++items_;
    ++break_items_;
}

bool AsyncTx::load_next() noexcept {
    if (items_ == 0) return false;
    const std::uint16_t item = ring_[head_];
    head_ = (head_ + 1) % ring_.size();
    --items_;
    if (item == kBreakItem) {
        --break_items_;
        // 2M+3 zeros in bits 0..2M+2, then 2M ones.
        const int zeros = break_zero_bits(bpc_);
        const int marks = break_mark_bits(bpc_);
        frame_ = ((std::uint64_t{1} << marks) - 1u) << zeros;
        bits_left_ = zeros + marks;
        sending_char_ = false;
        return true;
    }
    --data_items_;
    const Format& f = cfg_.format;
    const auto data = static_cast<std::uint8_t>(item & ((1u << f.data_bits) - 1u));
    // Bit 0: start (0); bits 1..d: data LSB first; then parity; then stop bits (1).
    std::uint64_t frame = static_cast<std::uint64_t>(data) << 1;
    int n = 1 + f.data_bits;
    if (f.parity != Parity::None) {
        frame |= static_cast<std::uint64_t>(f.parity_bit(data)) << n;
        ++n;
    }
    int stops = f.stop_bits;
    ++chars_loaded_;
    if (cfg_.delete_stop_every > 0 && chars_loaded_ % static_cast<std::uint64_t>(cfg_.delete_stop_every) == 0) --stops;
    frame |= ((std::uint64_t{1} << stops) - 1u) << n;
    frame_ = frame;
    bits_left_ = n + stops;
    sending_char_ = true;
    return true;
}

std::uint8_t AsyncTx::next_bit() noexcept {
    if (bits_left_ == 0 && !load_next()) return 1;  // idle: mark
    const auto bit = static_cast<std::uint8_t>(frame_ & 1u);
    frame_ >>= 1;
    if (--bits_left_ == 0 && sending_char_) ++chars_sent_;
    return bit;
}

void AsyncTx::next_bits(std::span<std::uint8_t> bits) noexcept {
    // next_bit() a run at a time: the rest of the frame in progress, then the next one.
    std::size_t i = 0;
    while (i < bits.size()) {
        if (bits_left_ == 0 && !load_next()) {
            std::fill(bits.begin() + static_cast<std::ptrdiff_t>(i), bits.end(), std::uint8_t{1});  // idle: mark
            return;
        }
        const auto k = std::min(bits.size() - i, static_cast<std::size_t>(bits_left_));
        for (std::size_t j = 0; j < k; ++j) bits[i + j] = static_cast<std::uint8_t>((frame_ >> j) & 1u);
        frame_ >>= k;
        bits_left_ -= static_cast<int>(k);
        i += k;
        if (bits_left_ == 0 && sending_char_) ++chars_sent_;
    }
}

}  // namespace modem::v14
