// SPDX-License-Identifier: MIT
/// \file
/// V.14 start-stop character formats: parsing "8N1"-style names, bits per character, parity.
#include <bit>
#include <stdexcept>

#include "modem/v14/v14.hpp"

namespace modem::v14 {

namespace {
constexpr int kMinDataBits = 5;  // project choice: 5..8 data bits, as UARTs offer
constexpr int kMaxDataBits = 8;
constexpr int kMinStopBits = 1;
constexpr int kMaxStopBits = 2;

char parity_letter(Parity p) {
    switch (p) {
    case Parity::None: return 'N';
    case Parity::Even: return 'E';
    case Parity::Odd: return 'O';
    case Parity::Mark: return 'M';
    case Parity::Space: return 'S';
    }
    return '?';
}
}  // namespace

Format Format::parse(std::string_view text) {
    const auto bad = [&](const char* why) {
        return std::invalid_argument("character format \"" + std::string(text) + "\": " + why +
                                     " (expected e.g. 8N1, 7E1, 7O1, 7M1, 7S1, 8N2)");
    };
    if (text.size() != 3) throw bad("must be 3 characters: data bits, parity letter, stop bits");
    Format f;
    if (text[0] < '0' + kMinDataBits || text[0] > '0' + kMaxDataBits) throw bad("data bits must be 5..8");
    f.data_bits = text[0] - '0';
    switch (text[1]) {
    case 'N': case 'n': f.parity = Parity::None; break;
    case 'E': case 'e': f.parity = Parity::Even; break;
    case 'O': case 'o': f.parity = Parity::Odd; break;
    case 'M': case 'm': f.parity = Parity::Mark; break;
    case 'S': case 's': f.parity = Parity::Space; break;
    default: throw bad("parity must be one of N, E, O, M, S");
    }
    if (text[2] < '0' + kMinStopBits || text[2] > '0' + kMaxStopBits) throw bad("stop bits must be 1 or 2");
    f.stop_bits = text[2] - '0';
    return f;
}

std::string Format::name() const {
    std::string s;
    s += static_cast<char>('0' + data_bits);
    s += parity_letter(parity);
    s += static_cast<char>('0' + stop_bits);
    return s;
}

int Format::bits_per_char() const { return 1 + data_bits + (parity == Parity::None ? 0 : 1) + stop_bits; }

void Format::validate() const {
    if (data_bits < kMinDataBits || data_bits > kMaxDataBits)
        throw std::invalid_argument("character format: data_bits " + std::to_string(data_bits) + " is not in 5..8");
    if (stop_bits < kMinStopBits || stop_bits > kMaxStopBits)
        throw std::invalid_argument("character format: stop_bits " + std::to_string(stop_bits) + " is not 1 or 2");
    if (parity_letter(parity) == '?') throw std::invalid_argument("character format: unknown parity value");
}

std::uint8_t Format::parity_bit(std::uint8_t data) const noexcept {
    const unsigned mask = (1u << data_bits) - 1u;
    const auto ones = static_cast<unsigned>(std::popcount(static_cast<unsigned>(data) & mask));
    switch (parity) {
    case Parity::None: return 0;
    case Parity::Even: return static_cast<std::uint8_t>(ones & 1u);          // total ones even
    case Parity::Odd: return static_cast<std::uint8_t>((ones & 1u) ^ 1u);    // total ones odd
    case Parity::Mark: return 1;
    case Parity::Space: return 0;
    }
    return 0;
}

}  // namespace modem::v14
