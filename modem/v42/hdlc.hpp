// SPDX-License-Identifier: MIT
/// \file
/// HDLC framing on a synchronous bit stream as V.42 (LAPM) uses it (ISO/IEC 13239, formerly
/// ISO 3309): 0x7E flags, zero-bit insertion and removal, 16- or 32-bit FCS, aborts, idle fill.
///
/// Bits are one per std::uint8_t (0 or 1), in line order; every octet goes to the line least
/// significant bit first, the FCS too (low octet first). Both directions take any number of bits
/// per call: output never depends on how the stream is cut.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace modem::v42 {

/// HDLC flag 01111110 (ISO/IEC 13239; V.42 8.1.1).
inline constexpr std::uint8_t kFlag = 0x7E;

/// Frame check sequence length: 16 bits (V.42 default) or 32 bits (negotiated by XID).
enum class FcsSize : std::uint8_t { Fcs16 = 2, Fcs32 = 4 };

/// Octets of FCS on the line.
constexpr std::size_t fcs_octets(FcsSize s) noexcept { return static_cast<std::size_t>(s); }

/// CRC-16 of V.42 / ISO 13239 (polynomial x^16 + x^12 + x^5 + 1, bit-reversed, register preset
/// to ones, ones' complement sent): the "CRC-16/X.25" of the CRC catalogues. fcs16("123456789")
/// = 0x906E. The value returned is the FCS as sent (low octet first).
std::uint16_t fcs16(std::span<const std::uint8_t> octets) noexcept;
/// CRC-32 of V.42 / ISO 13239 (the IEEE 802.3 polynomial, bit-reversed, preset to ones, ones'
/// complement sent). fcs32("123456789") = 0xCBF43926.
std::uint32_t fcs32(std::span<const std::uint8_t> octets) noexcept;

/// Running register forms (no final complement), for receivers that check on the fly.
std::uint16_t fcs16_update(std::uint16_t reg, std::uint8_t octet) noexcept;
std::uint32_t fcs32_update(std::uint32_t reg, std::uint8_t octet) noexcept;
/// Register values left after the octets and their own FCS have gone through (ISO 13239).
inline constexpr std::uint16_t kFcs16Good = 0xF0B8;
inline constexpr std::uint32_t kFcs32Good = 0xDEBB20E3;

/// Frame transmitter. Between frames it sends flags (V.42 8.1.1: interframe fill is flags) or,
/// if configured, marks. A frame handed to load() starts at the next flag boundary; one closing
/// flag serves as the opening flag of the next frame.
/// next_bit()/pull_bits() are noexcept and allocation-free.
class HdlcTx {
public:
    struct Config {
        FcsSize fcs = FcsSize::Fcs16;
        std::size_t max_frame = 260;   ///< longest address+control+information, octets
        bool idle_flags = true;        ///< false: marks (ones) between frames
    };
    explicit HdlcTx(const Config& cfg);
    void reset() noexcept;
    /// FCS used for frames loaded from now on.
    void set_fcs(FcsSize s) noexcept { cfg_.fcs = s; }
    [[nodiscard]] FcsSize fcs() const noexcept { return cfg_.fcs; }

    /// True when load() would accept a frame (none is waiting to start).
    [[nodiscard]] bool ready() const noexcept { return !pending_; }
    /// True when nothing is being sent but fill (no frame loaded or in progress).
    [[nodiscard]] bool idle() const noexcept { return !pending_ && state_ != State::Frame; }
    /// Queues one frame (address, control, information; the FCS is added here). Returns false
    /// when a frame is already waiting or the frame is empty or longer than max_frame.
    bool load(std::span<const std::uint8_t> frame) noexcept;
    /// Ends the frame in progress with an abort (seven or more ones, ISO 13239) and drops any
    /// waiting frame.
    void abort() noexcept;

    std::uint8_t next_bit() noexcept;
    void pull_bits(std::span<std::uint8_t> bits) noexcept;
    /// Byte-batch helper: each output octet holds 8 line bits, the first in bit 0.
    void pull_octets(std::span<std::uint8_t> octets) noexcept;

    [[nodiscard]] std::uint64_t frames_sent() const noexcept { return frames_sent_; }

private:
    enum class State : std::uint8_t { Fill, Frame, Abort };
    void start_frame() noexcept;

    Config cfg_;
    std::vector<std::uint8_t> next_;   // waiting frame incl. FCS
    std::vector<std::uint8_t> cur_;    // frame on the line incl. FCS
    std::size_t next_len_ = 0, cur_len_ = 0;
    bool pending_ = false;
    State state_ = State::Fill;
    std::size_t pos_ = 0;       // octet index in cur_
    int bit_ = 0;               // bit index in the octet
    int ones_ = 0;              // consecutive ones sent from frame content (stuffing)
    std::uint8_t fill_ = 0;     // flag or marks being sent
    int fill_bit_ = 0;          // 0..7 within the fill octet
    bool flag_sent_ = false;    // a flag ends right here (a frame may start)
    std::uint64_t frames_sent_ = 0;
};

/// What one received bit completed.
enum class RxEvent : std::uint8_t {
    None,      ///< nothing yet
    Frame,     ///< a frame with a good FCS: frame() holds it (without FCS)
    BadFcs,    ///< a frame between flags whose FCS failed (raw() holds it with FCS)
    Abort,     ///< seven or more ones inside a frame
    TooLong,   ///< more octets than max_frame + FCS before the closing flag
    Invalid,   ///< shorter than the minimum frame or not a whole number of octets
};

/// Frame receiver: hunts for flags, removes inserted zeros, checks the FCS. The spans returned
/// by frame()/raw() stay valid until the next push. push_bit() is noexcept and allocation-free.
class HdlcRx {
public:
    struct Config {
        FcsSize fcs = FcsSize::Fcs16;
        std::size_t max_frame = 260;   ///< longest address+control+information, octets
        std::size_t min_frame = 2;     ///< shortest address+control+information, octets
    };
    struct Stats {
        std::uint64_t frames = 0, bad_fcs = 0, aborts = 0, too_long = 0, invalid = 0, flags = 0;
    };
    explicit HdlcRx(const Config& cfg);
    void reset() noexcept;
    void set_fcs(FcsSize s) noexcept { cfg_.fcs = s; }
    [[nodiscard]] FcsSize fcs() const noexcept { return cfg_.fcs; }

    RxEvent push_bit(std::uint8_t bit) noexcept;
    /// Pushes bits; calls on(RxEvent, const HdlcRx&) for every event other than None.
    template <class F>
    void push_bits(std::span<const std::uint8_t> bits, F&& on) {
        for (const auto b : bits)
            if (const RxEvent e = push_bit(b); e != RxEvent::None) on(e, *this);
    }
    /// Byte-batch helper: 8 line bits per octet, the first in bit 0.
    template <class F>
    void push_octets(std::span<const std::uint8_t> octets, F&& on) {
        for (const auto o : octets)
            for (int i = 0; i < 8; ++i)
                if (const RxEvent e = push_bit(static_cast<std::uint8_t>((o >> i) & 1)); e != RxEvent::None) on(e, *this);
    }

    /// The last good frame, without its FCS.
    [[nodiscard]] std::span<const std::uint8_t> frame() const noexcept { return {buf_.data(), frame_len_}; }
    /// The last completed frame's octets including the FCS (also for BadFcs).
    [[nodiscard]] std::span<const std::uint8_t> raw() const noexcept { return {buf_.data(), raw_len_}; }
    /// True between an opening flag and the next flag or abort.
    [[nodiscard]] bool in_frame() const noexcept { return in_frame_; }
    /// Counts of frames, errors and flags (flags: every flag seen, for "flags heard" checks).
    [[nodiscard]] const Stats& stats() const noexcept { return stats_; }

private:
    RxEvent close() noexcept;

    Config cfg_;
    std::vector<std::uint8_t> buf_;
    std::size_t n_bits_ = 0;      // data bits collected since the last flag (some may be the flag's)
    std::size_t frame_len_ = 0, raw_len_ = 0;
    std::uint8_t acc_ = 0;
    int ones_ = 0;
    bool in_frame_ = false;       // a flag was seen and no abort since
    bool overflow_ = false;
    Stats stats_;
};

}  // namespace modem::v42
