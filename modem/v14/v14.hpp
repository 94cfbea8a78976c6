// SPDX-License-Identifier: MIT
/// \file
/// V.14 start-stop character conversion over a synchronous data channel: character formats,
/// the transmit converter (DTE characters -> line bits) and the receive converter (line bits ->
/// DTE characters), with overspeed stop-element deletion/re-insertion and break.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace modem::v14 {

/// Parity bit rule. Even/Odd: the parity bit makes the number of ones in data + parity even/odd.
/// Mark: the parity bit is always 1. Space: always 0. None: no parity bit.
enum class Parity : std::uint8_t { None, Even, Odd, Mark, Space };

/// Start-stop character format. Nothing in V.8 or V.22bis negotiates it (protocols.md section 9):
/// both DTEs agree by configuration, 8N1 being the usual default.
struct Format {
    int data_bits = 8;             ///< 5..8
    Parity parity = Parity::None;  ///< parity bit after the data bits, if any
    int stop_bits = 1;             ///< 1 or 2

    /// "8N1", "7E1", "7o1", "8E1", "8N2", "7M1", "7S1"...: data bits 5..8, parity letter
    /// N/E/O/M/S (either case), stop bits 1 or 2. Throws std::invalid_argument with one clear line.
    static Format parse(std::string_view text);
    /// Canonical name, upper-case parity letter: "8N1".
    [[nodiscard]] std::string name() const;
    /// Start + data + parity + stop bits (V.14: 8..11 for the usual formats, 7 for 5N1).
    [[nodiscard]] int bits_per_char() const;
    /// Throws std::invalid_argument (one line) when a field is out of range.
    void validate() const;
    /// The parity bit (0 or 1) the format puts after `data` (only the low data_bits count);
    /// 0 for Parity::None.
    [[nodiscard]] std::uint8_t parity_bit(std::uint8_t data) const noexcept;
    bool operator==(const Format&) const = default;
};

/// Characters in (from the DTE), synchronous line bits out (to the pump), V.14.
///
/// Each character goes out as start (0), data bits LSB first, the parity bit if any, then the
/// stop bits (1). Characters follow each other back to back while the queue holds data; the
/// line idles at mark (1) otherwise, i.e. extra stop elements are inserted when the DTE is slow.
/// next_bit() is noexcept and allocation-free (the queue is a ring sized in the constructor).
class AsyncTx {
public:
    struct Config {
        Format format{};
        std::size_t queue_capacity = 4096;  ///< data characters the queue holds, >= 1
        /// 0 = never. N >= 4: the N-th, 2N-th, ... character is sent with one stop element
        /// fewer (overspeed simulation for tests; V.14 allows one deletion in every 8
        /// characters in the basic range and one in every 4 in the extended range).
        int delete_stop_every = 0;
    };
    /// Throws std::invalid_argument on a bad format, a zero capacity or delete_stop_every in 1..3.
    explicit AsyncTx(const Config& cfg);

    /// Queues as many of `bytes` as fit (back-pressure) and returns how many were taken; the
    /// caller keeps the rest. Only the low data_bits of each byte are sent.
    std::size_t push(std::span<const std::uint8_t> bytes);
    /// Characters push() would accept now.
    [[nodiscard]] std::size_t free_space() const noexcept;
    /// Data characters waiting (not counting the one being sent).
    [[nodiscard]] std::size_t queued() const noexcept;
    /// Queues a break after the characters already queued: 2M+3 zero bits (M = bits_per_char,
    /// V.14 break length), then 2M mark bits (project choice: V.14 asks for a return to mark,
    /// protocols.md 7.4 gives 2M unverified). At most kMaxQueuedBreaks breaks wait at a time;
    /// further calls while that many are queued are ignored.
    void send_break();
    /// One line bit per call: 1 (mark) when idle.
    std::uint8_t next_bit() noexcept;
    /// Fills `bits` with the next line bits, first in time first: the same bits as that many
    /// next_bit() calls (one call per received symbol rather than one per bit).
    void next_bits(std::span<std::uint8_t> bits) noexcept;
    /// Nothing queued and no character or break in progress.
    [[nodiscard]] bool idle() const noexcept;
    /// Characters whose last bit has been sent.
    [[nodiscard]] std::uint64_t chars_sent() const noexcept;
    /// Empties the queue, drops the character in progress, clears the counters.
    void reset() noexcept;

    static constexpr std::size_t kMaxQueuedBreaks = 8;  ///< project choice

private:
    bool load_next() noexcept;

    Config cfg_;
    int bpc_ = 0;                       // bits per character, M
    std::vector<std::uint16_t> ring_;   // 0..255 data, kBreakItem a break
    std::size_t head_ = 0;              // index of the oldest item
    std::size_t items_ = 0;             // items in the ring
    std::size_t data_items_ = 0;        // of which data characters
    std::size_t break_items_ = 0;       // of which breaks
    std::uint64_t frame_ = 0;           // bits still to send, next one in bit 0
    int bits_left_ = 0;
    bool sending_char_ = false;         // frame_ holds a character (not a break)
    std::uint64_t chars_loaded_ = 0;
    std::uint64_t chars_sent_ = 0;
};

/// One character (or break) delivered by the receiver.
struct RxChar {
    std::uint8_t value = 0;      ///< data bits only, parity stripped; 0 for a break
    bool parity_error = false;   ///< the parity bit disagrees with the format (Mark/Space too)
    bool framing_error = false;  ///< a stop element was 0 and could not be a deleted one
    bool is_break = false;       ///< a run of >= 2M+3 zero bits (V.14 break), reported once
    bool operator==(const RxChar&) const = default;
};

/// Line bits in, characters out (V.14 receive converter).
///
/// Rules:
/// - A start bit (0) where a stop bit was expected means the far end deleted a stop element
///   (V.14 overspeed): the character is delivered without framing error, counted in
///   Stats::stops_reinserted, and this 0 is the next start bit. With 2 stop bits only the second
///   may be missing. Deletions fewer than 4 characters apart exceed V.14's extended range (one
///   in 4); such a 0 is a framing error, and the receiver then waits for a mark before hunting
///   for a start bit again (project choice: resynchronise rather than guess).
/// - A run of >= 2M+3 zeros (M = bits_per_char) is one break: characters made only of those zeros
///   are held back while the run lasts, dropped when it becomes a break, delivered when a 1 ends
///   it earlier. After a break the receiver waits for a mark before the next start bit.
/// - The receiver starts hunting for a start bit at once after construction or reset().
/// push_bit() is noexcept apart from what the sink does, and allocation-free.
class AsyncRx {
public:
    struct Config {
        Format format{};
    };
    using Sink = std::function<void(const RxChar&)>;
    /// Throws std::invalid_argument on a bad format or an empty sink.
    explicit AsyncRx(const Config& cfg, Sink sink);

    /// One line bit (only bit 0 of `bit` counts: 1 mark, 0 space). Calls the sink for each
    /// character or break completed.
    void push_bit(std::uint8_t bit);
    /// Several line bits in time order (only bit 0 of each counts), e.g. one received symbol's
    /// 2 or 4: exactly what push_bit() on each in turn gives (characters, breaks, stats), but up
    /// to 4 bits at a time through a table wherever nothing unusual can happen in them (no held
    /// NULs, no break within reach, no zero stop element); push_bit() is the specification.
    void push_bits(std::span<const std::uint8_t> bits);

    struct Stats {
        std::uint64_t chars = 0;             ///< characters delivered (breaks not counted)
        std::uint64_t parity_errors = 0;
        std::uint64_t framing_errors = 0;
        std::uint64_t breaks = 0;
        std::uint64_t stops_reinserted = 0;  ///< deleted stop elements recovered
    };
    [[nodiscard]] const Stats& stats() const noexcept;
    /// Back to the just-constructed state (hunting, stats cleared).
    void reset() noexcept;

    /// Most all-zero characters a break-length run can hold back (2M+3 zeros, frames of M-1 bits
    /// at least).
    static constexpr std::size_t kMaxHeld = 4;

private:
    enum class State : std::uint8_t { Hunt, Data, Parity, Stop1, Stop2, WaitMark };
    /// The state and bit index as one number for the table: 0 Hunt, 1 + k Data bit k (k < 8),
    /// then Parity, Stop1, Stop2, WaitMark.
    static constexpr int kPosParity = 9, kPosStop1 = 10, kPosStop2 = 11, kPosWaitMark = 12;
    static constexpr int kPositions = 13;
    static constexpr int kMaxChunk = 4;  ///< bits per table step (a V.22bis symbol at most)
    /// What up to kMaxChunk bits do from one position: data bits OR-ed into the character in
    /// progress (or_a), maybe its parity bit and its completion with a good stop element, maybe a
    /// start bit, then data bits of the new character (or_b) and maybe its parity bit.
    struct Step {
        std::uint8_t next = 0;   // position after the bits
        std::uint8_t or_a = 0;
        std::uint8_t or_b = 0;
        std::uint8_t flags = 0;  // kStep* below
        State state = State::Hunt;     // the position as push_bit() keeps it: state_,
        std::uint8_t bit_index = 0;    // bit_index_ (Data)
        std::uint8_t frame_bits = 0;   // and frame_bits_ (Data to Stop2)
    };
    static constexpr std::uint8_t kStepSpecial = 1, kStepComplete = 2, kStepStart = 4, kStepParityA = 8,
                                  kStepParityAOne = 16, kStepParityB = 32, kStepParityBOne = 64;
    void build_steps();
    [[nodiscard]] int position() const noexcept;
    void push_chunk(unsigned bits, int n);
    void deliver(const RxChar& c);
    void complete(bool stop_ok_or_deleted, bool framing_error);
    void flush_held();
    void missing_stop();

    Config cfg_;
    Sink sink_;
    int bpc_ = 0;
    State state_ = State::Hunt;
    int bit_index_ = 0;                  // data bits received so far in this character
    std::uint8_t shift_ = 0;             // data bits, LSB first
    bool parity_error_ = false;
    int frame_bits_ = 0;                 // bits of this character seen, start bit included
    std::uint32_t zero_run_ = 0;         // consecutive zeros up to and including the last bit
    std::uint64_t since_reinsert_ = 0;   // characters completed since the last re-insertion
    std::array<RxChar, kMaxHeld> held_{};
    std::size_t n_held_ = 0;
    Stats stats_{};
    std::uint32_t break_bits_ = 0;                            // 2M + 3
    int pos_ = -1;                                            // position() after push_chunk's table, -1 after push_bit()
    /// Steps for n = 1..kMaxChunk bits from each position: a position's row holds the 2 steps
    /// for n = 1, then the 4 for n = 2, ... (n bits start at 2^n - 2).
    static constexpr std::size_t kStepsPerPosition = (std::size_t{2} << kMaxChunk) - 2;
    static constexpr std::size_t step_index(int pos, int n, unsigned bits) noexcept {
        return static_cast<std::size_t>(pos) * kStepsPerPosition + (std::size_t{1} << n) - 2 + bits;
    }
    std::array<Step, kPositions * kStepsPerPosition> steps_{};
};

}  // namespace modem::v14
