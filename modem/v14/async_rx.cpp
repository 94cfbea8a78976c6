// SPDX-License-Identifier: MIT
/// \file
/// V.14 receive converter: line bits to characters, with stop-element re-insertion and break.
#include <algorithm>
#include <bit>
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
    break_bits_ = break_zero_bits(bpc_);
    build_steps();
    reset();
}

// Works out every Step by running the push_bit() rules on the bits, for the cases push_chunk()
// takes the table for (nothing held, no break within reach); anything else is marked special and
// goes bit by bit.
void AsyncRx::build_steps() {
    const Format& f = cfg_.format;
    const bool parity = f.parity != Parity::None;
    const int d = f.data_bits;
    std::array<std::uint8_t, kPositions> frame_bits_at{};  // frame_bits_ at each position (Data to Stop2)
    for (int k = 0; k < d; ++k) frame_bits_at[static_cast<std::size_t>(1 + k)] = static_cast<std::uint8_t>(1 + k);
    frame_bits_at[kPosParity] = static_cast<std::uint8_t>(1 + d);
    frame_bits_at[kPosStop1] = static_cast<std::uint8_t>(1 + d + (parity ? 1 : 0));
    frame_bits_at[kPosStop2] = static_cast<std::uint8_t>(2 + d + (parity ? 1 : 0));
    for (int n = 1; n <= kMaxChunk; ++n) {
        for (int p = 0; p < kPositions; ++p) {
            for (unsigned v = 0; v < (1u << n); ++v) {
                Step s;
                int pos = p;
                bool seg_b = false;  // past a completion or a start bit: bits belong to the next character
                bool special = (pos >= 1 + d && pos <= 8) || (pos == kPosParity && !parity) ||
                               (pos == kPosStop2 && f.stop_bits != 2);  // positions never reached
                auto finish_char = [&] {
                    if (seg_b) special = true;  // a second character within n bits: not in the table
                    s.flags |= kStepComplete;
                    seg_b = true;
                    pos = 0;
                };
                for (int i = 0; i < n && !special; ++i) {
                    const bool one = ((v >> i) & 1u) != 0;
                    if (pos == 0) {
                        if (!one) {
                            if ((s.flags & kStepStart) != 0) special = true;
                            s.flags |= kStepStart;
                            seg_b = true;
                            pos = 1;
                        }
                    } else if (pos <= 8) {
                        const int k = pos - 1;
                        if (one) (seg_b ? s.or_b : s.or_a) |= static_cast<std::uint8_t>(1u << k);
                        pos = k + 1 == d ? (parity ? kPosParity : kPosStop1) : pos + 1;
                    } else if (pos == kPosParity) {
                        const std::uint8_t flag = seg_b ? kStepParityB : kStepParityA;
                        const std::uint8_t value = seg_b ? kStepParityBOne : kStepParityAOne;
                        s.flags |= flag;
                        if (one) s.flags |= value;
                        pos = kPosStop1;
                    } else if (pos == kPosStop1) {
                        if (!one) special = true;  // missing stop element or framing error
                        else if (f.stop_bits == 2) pos = kPosStop2;
                        else finish_char();
                    } else if (pos == kPosStop2) {
                        if (!one) special = true;
                        else finish_char();
                    } else if (one) {  // WaitMark
                        pos = 0;
                    }
                }
                if (special) {
                    s = Step{};
                    s.flags = kStepSpecial;
                }
                s.next = static_cast<std::uint8_t>(pos);
                s.frame_bits = frame_bits_at[static_cast<std::size_t>(pos)];
                if (pos == 0) {
                    s.state = State::Hunt;
                } else if (pos <= 8) {
                    s.state = State::Data;
                    s.bit_index = static_cast<std::uint8_t>(pos - 1);
                } else {
                    s.state = pos == kPosParity ? State::Parity
                              : pos == kPosStop1 ? State::Stop1
                              : pos == kPosStop2 ? State::Stop2
                                                 : State::WaitMark;
                }
                steps_[step_index(p, n, v)] = s;
            }
        }
    }
}

int AsyncRx::position() const noexcept {
    switch (state_) {
    case State::Hunt: return 0;
    case State::Data: return 1 + bit_index_;
    case State::Parity: return kPosParity;
    case State::Stop1: return kPosStop1;
    case State::Stop2: return kPosStop2;
    case State::WaitMark: return kPosWaitMark;
    }
    return 0;
}

// `bits`: n line bits, the first in time in bit 0.
void AsyncRx::push_chunk(unsigned bits, int n) {
    if (n_held_ == 0 && zero_run_ + static_cast<std::uint32_t>(n) < break_bits_) {
        const int pos = pos_ >= 0 ? pos_ : position();
        const Step& s = steps_[step_index(pos, n, bits)];
        if ((s.flags & kStepSpecial) == 0) {
            // The zeros after the last one (no one: the run goes on); it stays short of a break.
            if (bits == 0) zero_run_ += static_cast<std::uint32_t>(n);
            else zero_run_ = static_cast<std::uint32_t>(n - static_cast<int>(std::bit_width(bits)));
            // In locals: the character is built from registers (a byte store to shift_ read back
            // with parity_error_ as one wider load would wait for the store to complete).
            const Format& f = cfg_.format;
            auto shift = static_cast<std::uint8_t>(shift_ | s.or_a);
            bool parity_error = parity_error_;
            if ((s.flags & kStepParityA) != 0)
                parity_error = ((s.flags & kStepParityAOne) != 0 ? 1 : 0) != f.parity_bit(shift);
            if ((s.flags & kStepComplete) != 0) {
                ++since_reinsert_;
                deliver(RxChar{.value = shift, .parity_error = parity_error, .framing_error = false, .is_break = false});
            }
            if ((s.flags & kStepStart) != 0) {
                shift = 0;
                parity_error = false;
            }
            shift = static_cast<std::uint8_t>(shift | s.or_b);
            if ((s.flags & kStepParityB) != 0)
                parity_error = ((s.flags & kStepParityBOne) != 0 ? 1 : 0) != f.parity_bit(shift);
            shift_ = shift;
            parity_error_ = parity_error;
            state_ = s.state;
            bit_index_ = s.bit_index;
            frame_bits_ = s.frame_bits;
            pos_ = s.next;
            return;
        }
    }
    for (int i = 0; i < n; ++i) push_bit(static_cast<std::uint8_t>((bits >> i) & 1u));
}

void AsyncRx::push_bits(std::span<const std::uint8_t> bits) {
    while (!bits.empty()) {
        const std::size_t n = std::min<std::size_t>(bits.size(), kMaxChunk);
        unsigned v = 0;
        for (std::size_t i = 0; i < n; ++i) v |= (bits[i] & 1u) << i;
        push_chunk(v, static_cast<int>(n));
        bits = bits.subspan(n);
    }
}

const AsyncRx::Stats& AsyncRx::stats() const noexcept { return stats_; }

void AsyncRx::reset() noexcept {
    state_ = State::Hunt;
    pos_ = -1;
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
    pos_ = -1;  // state_ and bit_index_ are the truth from here on
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
