// SPDX-License-Identifier: MIT
/// \file
/// The V.42 detection phase (V.42 8.2 of the 1988-1996 editions): the originator sends ODP
/// (DC1 with even parity, marks, DC1 with odd parity, marks, repeated), the answerer replies
/// with ADP ('E', marks, 'C', marks, at least ten times); either end falls back to plain start-
/// stop operation when T400 runs out without the other's pattern.
///
/// A state machine on the sample clock with a bit interface, like the V.14 converters: the
/// characters are start-stop, 1 start bit, 8 bits, 1 stop bit, each followed by marks.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "dsp/types.hpp"
#include "modem/events.hpp"

namespace modem::v42 {

using dsp::SampleTime;

/// ODP characters: DC1 (0x11) with even parity (parity bit 0) and with odd parity (bit 1).
inline constexpr std::uint8_t kOdpEven = 0x11, kOdpOdd = 0x91;
/// ADP characters for LAPM: 'E' then 'C' (V.42 8.2).
inline constexpr std::uint8_t kAdpE = 0x45, kAdpC = 0x43;

enum class DetectState : std::uint8_t {
    SendOdp,  ///< originator: ODP out, waiting for ADP
    WaitOdp,  ///< answerer: marks out, waiting for ODP
    SendAdp,  ///< answerer: ODP heard, ADP out (LAPM may already arrive)
    Lapm,     ///< detection succeeded: continue with LAPM
    Async,    ///< no V.42 at the far end: plain start-stop characters
};
std::string_view to_string(DetectState s) noexcept;

class Detector {
public:
    struct Config {
        bool originator = true;
        /// T400, the detection phase time-out (V.42 8.2: 750 ms).
        double t400_ms = 750.0;
        /// ADP sent this many times (V.42 8.2: at least 10).
        int adp_repeats = 10;
        /// Marks after each pattern character (V.42 8.2: 8 to 16 ones). Project choice: 10.
        int marks = 10;
        /// Pattern pairs (DC1e+DC1o, or E+C) that count as detection. Project choice: 2, so a
        /// single character made by line noise does not decide.
        int pairs_needed = 2;
        /// Answerer: this many other characters before ODP mean the far end sends plain data
        /// (not V.42): fall back at once. Project choice (noise rarely makes that many).
        int foreign_chars = 4;
        TraceSink* trace = nullptr;
    };
    explicit Detector(const Config& cfg);
    /// Starts the phase (T400 runs from here).
    void start(SampleTime now) noexcept;
    void reset() noexcept;

    std::uint8_t next_bit(SampleTime now) noexcept;
    void push_bit(SampleTime now, std::uint8_t bit) noexcept;
    /// Checks T400 (also done by the bit calls).
    void tick(SampleTime now) noexcept;

    [[nodiscard]] DetectState state() const noexcept { return state_; }
    [[nodiscard]] bool done() const noexcept { return state_ == DetectState::Lapm || state_ == DetectState::Async; }

private:
    void enter(DetectState s, SampleTime now, std::string_view why) noexcept;
    void on_char(SampleTime now, std::uint8_t c) noexcept;

    Config cfg_;
    DetectState state_;
    SampleTime deadline_ = 0;
    // transmit: one pattern character with its marks at a time
    std::uint16_t tx_bits_ = 0;
    int tx_left_ = 0;
    bool tx_second_ = false;
    int adp_sent_ = 0;
    // receive: start-stop characters
    int rx_pos_ = -1;   // -1 hunting; 0..7 data bits; 8 stop bit
    std::uint8_t rx_char_ = 0;
    std::uint8_t last_bit_ = 1;
    bool first_seen_ = false;
    int pairs_ = 0;
    int foreign_ = 0;
};

}  // namespace modem::v42
