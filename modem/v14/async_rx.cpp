// SPDX-License-Identifier: MIT
/// \file
/// V.14 receive converter: line bits to characters, with stop-element re-insertion and break.
#include <stdexcept>

#include "modem/v14/v14.hpp"

namespace modem::v14 {

namespace {
/// V.14 extended range: at most one deleted stop element in every 4 characters, so a re-insertion
/// needs at least 3 characters since the previous one.
constexpr std::uint64_t kMinCharsBetweenReinserts = 3;
/// V.14: a run of 2M + 3 or more zeros is a break (M = bits per character).
constexpr std::uint32_t break_zero_bits(int m) { return static_cast<std::uint32_t>(2 * m + 3); }
}  // namespace

AsyncRx::AsyncRx(const Config& cfg, Sink sink) : cfg_(cfg), sink_(std::move(sink)) {
    cfg_.format.validate();
    if (!sink_) throw std::invalid_argument("AsyncRx: the sink must be callable");
    bpc_ = cfg_.format.bits_per_char();
    reset();
}

const AsyncRx::Stats& AsyncRx::stats() const noexcept { return stats_; }

void AsyncRx::reset() noexcept {
    state_ = State::Hunt;
    bit_index_ = 0;
    shift_ = 0;
    parity_error_ = false;
    frame_bits_ = 0;
    zero_run_ = 0;
    since_reinsert_ = kMinCharsBetweenReinserts;
    n_held_ = 0;
    stats_ = {};
}

void AsyncRx::deliver(const RxChar& c) {
    if (c.is_break) {
        ++stats_.breaks;
    } else {
        ++stats_.chars;
        if (c.parity_error) ++stats_.parity_errors;
        if (c.framing_error) ++stats_.framing_errors;
    }
    sink_(c);
}

void AsyncRx::flush_held() {
    for (std::size_t i = 0; i < n_held_; ++i) deliver(held_[i]);
    n_held_ = 0;
}

// Finishes the character in shift_. `last_bit_zero`: the bit that ended it (a stop position)
// was 0, so the frame may be entirely zeros and part of a break still building up.
void AsyncRx::complete(bool last_bit_zero, bool framing_error) {
    const RxChar c{.value = shift_, .parity_error = parity_error_, .framing_error = framing_error, .is_break = false};
    ++since_reinsert_;
    if (last_bit_zero && zero_run_ >= static_cast<std::uint32_t>(frame_bits_) && n_held_ < kMaxHeld) {
        held_[n_held_++] = c;  // all zeros so far: wait to see whether this is a break
        return;
    }
    deliver(c);
}

// A 0 where a stop element was expected.
void AsyncRx::missing_stop() {
    if (since_reinsert_ >= kMinCharsBetweenReinserts) {
        // Deleted stop element (V.14 overspeed): re-insert it, this 0 starts the next character.
        complete(true, false);
        since_reinsert_ = 0;
        ++stats_.stops_reinserted;
        state_ = State::Data;
        bit_index_ = 0;
        shift_ = 0;
        parity_error_ = false;
        frame_bits_ = 1;
        return;
    }
    complete(true, true);
    state_ = State::WaitMark;
}

void AsyncRx::push_bit(std::uint8_t bit) {
    const bool one = (bit & 1u) != 0;
    if (one) {
        zero_run_ = 0;
        flush_held();  // the run of zeros ended short of a break
    } else if (zero_run_ < UINT32_MAX) {
        ++zero_run_;
    }
    const Format& f = cfg_.format;
    switch (state_) {
    case State::Hunt:
        if (!one) {
            state_ = State::Data;
            bit_index_ = 0;
            shift_ = 0;
            parity_error_ = false;
            frame_bits_ = 1;
        }
        break;
    case State::Data:
        ++frame_bits_;
        if (one) shift_ = static_cast<std::uint8_t>(shift_ | (1u << bit_index_));
        if (++bit_index_ == f.data_bits) state_ = f.parity == Parity::None ? State::Stop1 : State::Parity;
        break;
    case State::Parity:
        ++frame_bits_;
        parity_error_ = (one ? 1 : 0) != f.parity_bit(shift_);
        state_ = State::Stop1;
        break;
    case State::Stop1:
        ++frame_bits_;
        if (one) {
            if (f.stop_bits == 2) {
                state_ = State::Stop2;
            } else {
                complete(false, false);
                state_ = State::Hunt;
            }
        } else if (f.stop_bits == 2) {
            complete(true, true);  // only the second of two stop elements may be deleted
            state_ = State::WaitMark;
        } else {
            missing_stop();
        }
        break;
    case State::Stop2:
        ++frame_bits_;
        if (one) {
            complete(false, false);
            state_ = State::Hunt;
        } else {
            missing_stop();
        }
        break;
    case State::WaitMark:
        if (one) state_ = State::Hunt;
        break;
    }
    if (!one && zero_run_ == break_zero_bits(bpc_)) {
        n_held_ = 0;  // the NULs were the break
        deliver(RxChar{.value = 0, .parity_error = false, .framing_error = false, .is_break = true});
        state_ = State::WaitMark;
    }
}

}  // namespace modem::v14
