// SPDX-License-Identifier: MIT
/// \file
/// A naive HDLC framer for decoder tests (ISO 13239 as T.30 and V.42 use it): flags, octets LSB
/// first, a zero after five ones, CRC-16 computed bit by bit. Independent of modem/v42.
#pragma once

#include <cstdint>
#include <vector>

namespace test {

/// CRC-16 of ISO 13239 (x^16 + x^12 + x^5 + 1, reflected, preset ones, ones' complement sent).
inline std::uint16_t naive_fcs(const std::vector<std::uint8_t>& bytes) {
    std::uint16_t crc = 0xFFFF;
    for (auto b : bytes) {
        crc = static_cast<std::uint16_t>(crc ^ b);
        for (int i = 0; i < 8; ++i) crc = static_cast<std::uint16_t>((crc & 1u) ? (crc >> 1) ^ 0x8408u : crc >> 1);
    }
    return static_cast<std::uint16_t>(crc ^ 0xFFFF);
}

inline void push_flag(std::vector<std::uint8_t>& bits) {
    for (int i = 0; i < 8; ++i) bits.push_back(static_cast<std::uint8_t>((0x7E >> i) & 1));
}

/// One frame: octets, FCS (low octet first; `corrupt` flips one FCS bit), a zero inserted after
/// five ones, then a closing flag.
inline void push_frame(std::vector<std::uint8_t>& bits, std::vector<std::uint8_t> octets, bool corrupt = false) {
    const auto fcs = static_cast<std::uint16_t>(naive_fcs(octets) ^ (corrupt ? 0x0100 : 0));
    octets.push_back(static_cast<std::uint8_t>(fcs & 0xFF));
    octets.push_back(static_cast<std::uint8_t>(fcs >> 8));
    int ones = 0;
    for (auto o : octets)
        for (int i = 0; i < 8; ++i) {
            const auto b = static_cast<std::uint8_t>((o >> i) & 1);
            bits.push_back(b);
            ones = b ? ones + 1 : 0;
            if (ones == 5) {
                bits.push_back(0);
                ones = 0;
            }
        }
    push_flag(bits);
}

/// One start-stop character 8N1 (V.14), LSB first, then `marks` stop/idle bits.
inline void push_char(std::vector<std::uint8_t>& bits, std::uint8_t c, int marks) {
    bits.push_back(0);
    for (int i = 0; i < 8; ++i) bits.push_back(static_cast<std::uint8_t>((c >> i) & 1));
    for (int i = 0; i < marks; ++i) bits.push_back(1);
}

}  // namespace test
