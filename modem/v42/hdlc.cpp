// SPDX-License-Identifier: MIT
/// \file
/// HDLC bit-level framing for V.42: FCS-16/FCS-32 (ISO/IEC 13239), zero-bit insertion, flags.
#include "modem/v42/hdlc.hpp"

#include <algorithm>
#include <array>

namespace modem::v42 {

namespace {

/// ISO 13239 FCS-16 generator x^16 + x^12 + x^5 + 1, bit-reversed (LSB-first shifting).
constexpr std::uint16_t kPoly16Reflected = 0x8408;
/// ISO 13239 FCS-32 generator (the IEEE 802.3 polynomial 0x04C11DB7), bit-reversed.
constexpr std::uint32_t kPoly32Reflected = 0xEDB88320;
/// Ones sent for an abort (ISO 13239: seven or more contiguous ones); a whole octet here.
constexpr std::uint8_t kAbortOctet = 0xFF;
/// Ones after which the transmitter inserts a zero (ISO 13239).
constexpr int kStuffAfterOnes = 5;

constexpr std::array<std::uint16_t, 256> make_table16() {
    std::array<std::uint16_t, 256> t{};
    for (unsigned i = 0; i < 256; ++i) {
        unsigned r = i;
        for (int b = 0; b < 8; ++b) r = (r & 1u) != 0 ? (r >> 1) ^ kPoly16Reflected : r >> 1;
        t[i] = static_cast<std::uint16_t>(r);
    }
    return t;
}
constexpr std::array<std::uint32_t, 256> make_table32() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t r = i;
        for (int b = 0; b < 8; ++b) r = (r & 1u) != 0 ? (r >> 1) ^ kPoly32Reflected : r >> 1;
        t[i] = r;
    }
    return t;
}
constexpr auto kTable16 = make_table16();
constexpr auto kTable32 = make_table32();

}  // namespace

std::uint16_t fcs16_update(std::uint16_t reg, std::uint8_t octet) noexcept {
    return static_cast<std::uint16_t>((reg >> 8) ^ kTable16[(reg ^ octet) & 0xFFu]);
}

std::uint32_t fcs32_update(std::uint32_t reg, std::uint8_t octet) noexcept {
    return (reg >> 8) ^ kTable32[(reg ^ octet) & 0xFFu];
}

std::uint16_t fcs16(std::span<const std::uint8_t> octets) noexcept {
    std::uint16_t r = 0xFFFF;
    for (const auto o : octets) r = fcs16_update(r, o);
    return static_cast<std::uint16_t>(~r);
}

std::uint32_t fcs32(std::span<const std::uint8_t> octets) noexcept {
    std::uint32_t r = 0xFFFFFFFFu;
    for (const auto o : octets) r = fcs32_update(r, o);
    return ~r;
}

// ---------------------------------------------------------------- transmitter

HdlcTx::HdlcTx(const Config& cfg) : cfg_(cfg), next_(cfg.max_frame + 4), cur_(cfg.max_frame + 4) { reset(); }

void HdlcTx::reset() noexcept {
    next_len_ = cur_len_ = 0;
    pending_ = false;
    state_ = State::Fill;
    pos_ = 0;
    bit_ = 0;
    ones_ = 0;
    fill_ = kFlag;
    fill_bit_ = 0;
    flag_sent_ = false;
    frames_sent_ = 0;
}

bool HdlcTx::load(std::span<const std::uint8_t> frame) noexcept {
    if (pending_ || frame.empty() || frame.size() > cfg_.max_frame) return false;
    std::copy(frame.begin(), frame.end(), next_.begin());
    std::size_t n = frame.size();
    if (cfg_.fcs == FcsSize::Fcs16) {
        const std::uint16_t f = fcs16(frame);
        next_[n++] = static_cast<std::uint8_t>(f & 0xFF);
        next_[n++] = static_cast<std::uint8_t>(f >> 8);
    } else {
        const std::uint32_t f = fcs32(frame);
        for (int i = 0; i < 4; ++i) next_[n++] = static_cast<std::uint8_t>((f >> (8 * i)) & 0xFF);
    }
    next_len_ = n;
    pending_ = true;
    return true;
}

void HdlcTx::abort() noexcept {
    pending_ = false;
    if (state_ == State::Frame) {
        state_ = State::Abort;
        fill_ = kAbortOctet;
        fill_bit_ = 0;
    }
}

void HdlcTx::start_frame() noexcept {
    std::swap(cur_, next_);
    cur_len_ = next_len_;
    pending_ = false;
    state_ = State::Frame;
    pos_ = 0;
    bit_ = 0;
    ones_ = 0;
    ++frames_sent_;
}

std::uint8_t HdlcTx::next_bit() noexcept {
    if (state_ == State::Fill && fill_bit_ == 0) {
        if (pending_ && flag_sent_) start_frame();
        else fill_ = (pending_ || cfg_.idle_flags) ? kFlag : kAbortOctet;
    }
    if (state_ == State::Frame) {
        // Zero insertion: after five contiguous ones of frame content, a 0 (ISO 13239).
        if (ones_ == kStuffAfterOnes) {
            ones_ = 0;
            return 0;
        }
        if (pos_ < cur_len_) {
            const auto b = static_cast<std::uint8_t>((cur_[pos_] >> bit_) & 1);
            if (++bit_ == 8) {
                bit_ = 0;
                ++pos_;
            }
            ones_ = b != 0 ? ones_ + 1 : 0;
            return b;
        }
        // Closing flag.
        state_ = State::Fill;
        fill_ = kFlag;
        fill_bit_ = 0;
    }
    const auto b = static_cast<std::uint8_t>((fill_ >> fill_bit_) & 1);
    if (++fill_bit_ == 8) {
        fill_bit_ = 0;
        flag_sent_ = state_ == State::Fill && fill_ == kFlag;
        if (state_ == State::Abort) state_ = State::Fill;
    }
    return b;
}

void HdlcTx::pull_bits(std::span<std::uint8_t> bits) noexcept {
    for (auto& b : bits) b = next_bit();
}

void HdlcTx::pull_octets(std::span<std::uint8_t> octets) noexcept {
    for (auto& o : octets) {
        std::uint8_t v = 0;
        for (int i = 0; i < 8; ++i) v = static_cast<std::uint8_t>(v | (next_bit() << i));
        o = v;
    }
}

// ---------------------------------------------------------------- receiver

HdlcRx::HdlcRx(const Config& cfg) : cfg_(cfg), buf_(cfg.max_frame + 4 + 1) { reset(); }

void HdlcRx::reset() noexcept {
    n_bits_ = 0;
    frame_len_ = raw_len_ = 0;
    acc_ = 0;
    ones_ = 0;
    in_frame_ = false;
    overflow_ = false;
    stats_ = {};
}

RxEvent HdlcRx::close() noexcept {
    // The flag's leading 0 and its first five ones were collected as data: 6 bits to drop.
    constexpr std::size_t kFlagBitsCollected = 6;
    if (overflow_) {
        ++stats_.too_long;
        return RxEvent::TooLong;
    }
    if (n_bits_ <= kFlagBitsCollected) return RxEvent::None;  // flags back to back
    const std::size_t bits = n_bits_ - kFlagBitsCollected;
    const std::size_t fcs_len = fcs_octets(cfg_.fcs);
    if (bits % 8 != 0 || bits / 8 < cfg_.min_frame + fcs_len) {
        ++stats_.invalid;
        return RxEvent::Invalid;
    }
    const std::size_t len = bits / 8;
    if (len > cfg_.max_frame + fcs_len) {
        ++stats_.too_long;
        return RxEvent::TooLong;
    }
    raw_len_ = len;
    bool good = false;
    if (cfg_.fcs == FcsSize::Fcs16) {
        std::uint16_t r = 0xFFFF;
        for (std::size_t i = 0; i < len; ++i) r = fcs16_update(r, buf_[i]);
        good = r == kFcs16Good;
    } else {
        std::uint32_t r = 0xFFFFFFFFu;
        for (std::size_t i = 0; i < len; ++i) r = fcs32_update(r, buf_[i]);
        good = r == kFcs32Good;
    }
    if (!good) {
        ++stats_.bad_fcs;
        return RxEvent::BadFcs;
    }
    frame_len_ = len - fcs_len;
    ++stats_.frames;
    return RxEvent::Frame;
}

RxEvent HdlcRx::push_bit(std::uint8_t bit) noexcept {
    if (bit != 0) {
        ++ones_;
        if (ones_ == 7) {  // abort (ISO 13239): counts only if the frame had content
            const bool had_data = in_frame_ && n_bits_ > static_cast<std::size_t>(kStuffAfterOnes);
            in_frame_ = false;
            n_bits_ = 0;
            if (had_data) {
                ++stats_.aborts;
                return RxEvent::Abort;
            }
            return RxEvent::None;
        }
        if (ones_ > kStuffAfterOnes) return RxEvent::None;  // a flag or an abort is coming
    } else {
        const int ones = ones_;
        ones_ = 0;
        if (ones == 6) {  // flag
            ++stats_.flags;
            const RxEvent e = in_frame_ ? close() : RxEvent::None;
            in_frame_ = true;
            n_bits_ = 0;
            acc_ = 0;
            overflow_ = false;
            return e;
        }
        if (ones > 6) return RxEvent::None;                  // the zero after an abort
        if (ones == kStuffAfterOnes) return RxEvent::None;   // inserted zero
    }
    if (!in_frame_ || overflow_) return RxEvent::None;
    acc_ = static_cast<std::uint8_t>(acc_ | (bit << (n_bits_ % 8)));
    ++n_bits_;
    if (n_bits_ % 8 == 0) {
        const std::size_t idx = n_bits_ / 8 - 1;
        if (idx >= buf_.size()) overflow_ = true;
        else buf_[idx] = acc_;
        acc_ = 0;
    }
    return RxEvent::None;
}

}  // namespace modem::v42
