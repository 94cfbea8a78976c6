// SPDX-License-Identifier: MIT
/// \file
/// V.42 detection phase: ODP/ADP generation and recognition, T400 fall-back.
#include "modem/v42/detect.hpp"

#include <stdexcept>

namespace modem::v42 {

namespace {
constexpr std::string_view kSource = "v42.detect";
}  // namespace

std::string_view to_string(DetectState s) noexcept {
    switch (s) {
    case DetectState::SendOdp: return "send_odp";
    case DetectState::WaitOdp: return "wait_odp";
    case DetectState::SendAdp: return "send_adp";
    case DetectState::Lapm: return "lapm";
    case DetectState::Async: return "async";
    }
    return "?";
}

Detector::Detector(const Config& cfg) : cfg_(cfg), state_(cfg.originator ? DetectState::SendOdp : DetectState::WaitOdp) {
    if (cfg.t400_ms <= 0 || cfg.adp_repeats < 1 || cfg.marks < 1 || cfg.marks > 16 || cfg.pairs_needed < 1 ||
        cfg.foreign_chars < 1)
        throw std::invalid_argument("v42 detection: bad configuration (T400 > 0, marks 1..16, counts >= 1)");
    reset();
}

void Detector::reset() noexcept {
    state_ = cfg_.originator ? DetectState::SendOdp : DetectState::WaitOdp;
    deadline_ = 0;
    tx_bits_ = 0;
    tx_left_ = 0;
    tx_second_ = false;
    adp_sent_ = 0;
    rx_pos_ = -1;
    rx_char_ = 0;
    last_bit_ = 1;
    first_seen_ = false;
    pairs_ = 0;
    foreign_ = 0;
}

void Detector::start(SampleTime now) noexcept {
    deadline_ = now + dsp::ms_to_samples(cfg_.t400_ms);
    emit(cfg_.trace, Event::make(now, EventKind::StateEntered, kSource, to_string(state_), "detection phase"));
}

void Detector::enter(DetectState s, SampleTime now, std::string_view why) noexcept {
    state_ = s;
    emit(cfg_.trace, Event::make(now, EventKind::StateEntered, kSource, to_string(s), why));
}

void Detector::tick(SampleTime now) noexcept {
    if (now < deadline_) return;
    if (state_ == DetectState::SendOdp) enter(DetectState::Async, now, "no ADP within T400");
    else if (state_ == DetectState::WaitOdp) enter(DetectState::Async, now, "no ODP within T400");
}

std::uint8_t Detector::next_bit(SampleTime now) noexcept {
    tick(now);
    if (state_ != DetectState::SendOdp && state_ != DetectState::SendAdp) return 1;
    if (tx_left_ == 0) {
        if (state_ == DetectState::SendAdp && !tx_second_ && adp_sent_ >= cfg_.adp_repeats) {
            enter(DetectState::Lapm, now, "ADP sent");
            return 1;
        }
        std::uint8_t c = 0;
        if (state_ == DetectState::SendOdp) c = tx_second_ ? kOdpOdd : kOdpEven;
        else c = tx_second_ ? kAdpC : kAdpE;
        if (state_ == DetectState::SendAdp && tx_second_) ++adp_sent_;
        tx_second_ = !tx_second_;
        // start bit 0, 8 bits LSB first, stop bit 1, then marks: all ones above bit 9.
        tx_bits_ = static_cast<std::uint16_t>((static_cast<unsigned>(c) << 1) | 0xFE00u);
        tx_left_ = 10 + cfg_.marks;
    }
    const auto b = static_cast<std::uint8_t>(tx_bits_ & 1u);
    tx_bits_ = static_cast<std::uint16_t>((tx_bits_ >> 1) | 0x8000u);
    --tx_left_;
    return b;
}

void Detector::push_bit(SampleTime now, std::uint8_t bit) noexcept {
    tick(now);
    if (rx_pos_ < 0) {
        if (bit == 0 && last_bit_ == 1) {
            rx_pos_ = 0;
            rx_char_ = 0;
        }
    } else if (rx_pos_ < 8) {
        rx_char_ = static_cast<std::uint8_t>(rx_char_ | (bit << rx_pos_));
        ++rx_pos_;
    } else {
        rx_pos_ = -1;
        if (bit == 1) on_char(now, rx_char_);
    }
    last_bit_ = bit;
}

void Detector::on_char(SampleTime now, std::uint8_t c) noexcept {
    if (done()) return;
    const bool odp = state_ == DetectState::WaitOdp;
    if (state_ != DetectState::WaitOdp && state_ != DetectState::SendOdp) return;
    const std::uint8_t first = odp ? kOdpEven : kAdpE;
    const std::uint8_t second = odp ? kOdpOdd : kAdpC;
    if (c == first) {
        first_seen_ = true;
        return;
    }
    if (c == second && first_seen_) {
        first_seen_ = false;
        if (++pairs_ >= cfg_.pairs_needed) {
            if (odp) {
                tx_left_ = 0;
                tx_second_ = false;
                enter(DetectState::SendAdp, now, "ODP received");
            } else {
                enter(DetectState::Lapm, now, "ADP received");
            }
        }
        return;
    }
    first_seen_ = false;
    if (odp && ++foreign_ >= cfg_.foreign_chars) enter(DetectState::Async, now, "plain characters before ODP");
}

}  // namespace modem::v42
