// SPDX-License-Identifier: MIT
/// \file
/// V.21 channel frequencies and bit rate shared by the FSK transmitter and receiver (ITU-T V.21).
#pragma once

#include <string_view>

namespace modem::v21 {

/// The two V.21 channels. In V.8 the caller sends CI, CM and CJ on channel 1 and the answerer
/// sends JM on channel 2 (V.8 section 5).
enum class Channel { Ch1, Ch2 };

constexpr std::string_view to_string(Channel c) noexcept {
    switch (c) {
    case Channel::Ch1: return "ch1";
    case Channel::Ch2: return "ch2";
    }
    return "?";
}

inline constexpr double kCh1MarkHz = 980.0;    ///< V.21 channel 1, binary 1 (mark, condition Z)
inline constexpr double kCh1SpaceHz = 1180.0;  ///< V.21 channel 1, binary 0 (space, condition A)
inline constexpr double kCh2MarkHz = 1650.0;   ///< V.21 channel 2, binary 1
inline constexpr double kCh2SpaceHz = 1850.0;  ///< V.21 channel 2, binary 0
inline constexpr int kBitRateBps = 300;        ///< V.21 maximum rate, the rate V.8 uses

/// Mark and space frequencies of one channel.
struct ChannelFreqs {
    double mark_hz;
    double space_hz;
    [[nodiscard]] constexpr double centre_hz() const noexcept { return 0.5 * (mark_hz + space_hz); }
};

constexpr ChannelFreqs frequencies(Channel c) noexcept {
    switch (c) {
    case Channel::Ch1: return {kCh1MarkHz, kCh1SpaceHz};
    case Channel::Ch2: return {kCh2MarkHz, kCh2SpaceHz};
    }
    return {kCh1MarkHz, kCh1SpaceHz};
}

/// The other channel (the one a duplex modem transmits while it receives `c`).
constexpr Channel other(Channel c) noexcept { return c == Channel::Ch1 ? Channel::Ch2 : Channel::Ch1; }

}  // namespace modem::v21
