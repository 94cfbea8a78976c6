// SPDX-License-Identifier: MIT
/// \file
/// Naive V.14 models written from the text (protocols.md section 7), the independent truth for
/// the converter tests: a character is start (0), data LSB first, parity, stop bits (1).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "modem/v14/v14.hpp"

namespace test::v14 {

using modem::v14::Format;
using modem::v14::Parity;

/// The parity bit counted out bit by bit (no popcount, no shared code with the library).
inline int ref_parity(const Format& f, unsigned data) {
    int ones = 0;
    for (int i = 0; i < f.data_bits; ++i) ones += static_cast<int>((data >> i) & 1u);
    switch (f.parity) {
    case Parity::Even: return ones % 2 == 0 ? 0 : 1;
    case Parity::Odd: return ones % 2 == 0 ? 1 : 0;
    case Parity::Mark: return 1;
    case Parity::Space: return 0;
    case Parity::None: return -1;
    }
    return -1;
}

/// Appends one character. `stops` is normally f.stop_bits (one fewer for a deleted element).
inline void ref_char(std::vector<std::uint8_t>& bits, const Format& f, unsigned data, int stops) {
    bits.push_back(0);  // start element: space
    for (int i = 0; i < f.data_bits; ++i) bits.push_back(static_cast<std::uint8_t>((data >> i) & 1u));
    if (f.parity != Parity::None) bits.push_back(static_cast<std::uint8_t>(ref_parity(f, data)));
    for (int i = 0; i < stops; ++i) bits.push_back(1);  // stop elements: mark
}

/// Back-to-back characters; when `delete_every` > 0 the delete_every-th, 2*delete_every-th...
/// character loses one stop element (V.14 overspeed).
inline std::vector<std::uint8_t> ref_encode(const Format& f, const std::vector<std::uint8_t>& data,
                                            int delete_every = 0) {
    std::vector<std::uint8_t> bits;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const bool del = delete_every > 0 && (i + 1) % static_cast<std::size_t>(delete_every) == 0;
        ref_char(bits, f, data[i], f.stop_bits - (del ? 1 : 0));
    }
    return bits;
}

inline std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng() & 0xFFu);
    return v;
}

inline std::vector<std::uint8_t> masked(const Format& f, std::vector<std::uint8_t> v) {
    for (auto& b : v) b = static_cast<std::uint8_t>(b & ((1u << f.data_bits) - 1u));
    return v;
}

/// Every format the tests sweep: 5..8 data bits, all parities, 1 and 2 stop bits.
inline std::vector<Format> all_formats() {
    std::vector<Format> out;
    for (int d = 5; d <= 8; ++d)
        for (Parity p : {Parity::None, Parity::Even, Parity::Odd, Parity::Mark, Parity::Space})
            for (int s = 1; s <= 2; ++s) out.push_back(Format{.data_bits = d, .parity = p, .stop_bits = s});
    return out;
}

}  // namespace test::v14
