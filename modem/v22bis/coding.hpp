// SPDX-License-Identifier: MIT
/// \file
/// V.22/V.22bis bit coding: the 1 + x^-14 + x^-17 scrambler with the 64-ones rule, the V.22 dibit
/// quadrant-change table and the V.22bis 16-point constellation (V.22 section 5, V.22bis 2.5).
#pragma once

#include <array>
#include <bit>
#include <cstdint>

#include "dsp/types.hpp"

namespace modem::v22bis {

using dsp::cf32;

/// V.22 section 5 (via protocols.md 5.1): after 64 consecutive ones on the line, the next bit is
/// inverted (transmitter: before scrambling; receiver: after descrambling).
inline constexpr int kOnesRuleLength = 64;

/// Self-synchronising scrambler, y[n] = x[n] ^ y[n-14] ^ y[n-17] (V.22 5.1), with the 64-ones rule
/// counted at its output.
class Scrambler {
public:
    /// `state`: the last 17 line bits, bit 0 the newest (V.22 leaves the initial state free).
    explicit constexpr Scrambler(std::uint32_t state = 0) noexcept : reg_(state & kMask) {}
    constexpr void reset(std::uint32_t state = 0) noexcept {
        reg_ = state & kMask;
        ones_ = 0;
    }
    /// Scrambles one data bit (0 or 1) into one line bit.
    constexpr std::uint8_t operator()(std::uint8_t bit) noexcept {
        std::uint32_t x = bit & 1u;
        if (ones_ >= kOnesRuleLength) {
            x ^= 1u;
            ones_ = 0;
        }
        const std::uint32_t y = x ^ ((reg_ >> 13) & 1u) ^ ((reg_ >> 16) & 1u);
        reg_ = ((reg_ << 1) | y) & kMask;
        ones_ = (ones_ + 1) & -static_cast<int>(y);  // as a mask: a branch here mispredicts every other bit
        return static_cast<std::uint8_t>(y);
    }

    /// Scrambles n data bits (1..4) at once: `data` holds them with the first in time in bit n - 1
    /// and the last in bit 0; the line bits come back in the same order. The same result as n calls
    /// of operator(): every tap lies at least 14 bits back, so all n outputs depend only on line bits
    /// already sent, and the 64-ones rule takes the bit-by-bit path when it could fire.
    constexpr std::uint32_t block(std::uint32_t data, int n) noexcept {
        const std::uint32_t mask = (1u << n) - 1u;
        data &= mask;
        if (ones_ + n > kOnesRuleLength) {
            std::uint32_t out = 0;
            for (int t = n - 1; t >= 0; --t) out = (out << 1) | (*this)(static_cast<std::uint8_t>((data >> t) & 1u));
            return out;
        }
        const std::uint32_t r = reg_ << n;  // line bit t back from the newest output is bit n - 1 + t
        const std::uint32_t y = (data ^ (r >> 14) ^ (r >> 17)) & mask;
        reg_ = (r | y) & kMask;
        // Consecutive ones at the newest end: all n added to the run, or the run restarts.
        ones_ = y == mask ? ones_ + n : std::countr_one(y);
        return y;
    }

private:
    static constexpr std::uint32_t kMask = (1u << 17) - 1u;
    std::uint32_t reg_;
    int ones_ = 0;
};

/// Inverse of Scrambler: x[n] = y[n] ^ y[n-14] ^ y[n-17], with the 64-ones rule counted at its input.
class Descrambler {
public:
    explicit constexpr Descrambler(std::uint32_t state = 0) noexcept : reg_(state & kMask) {}
    constexpr void reset(std::uint32_t state = 0) noexcept {
        reg_ = state & kMask;
        ones_ = 0;
    }
    /// Descrambles one line bit into one data bit.
    constexpr std::uint8_t operator()(std::uint8_t line_bit) noexcept {
        const std::uint32_t y = line_bit & 1u;
        std::uint32_t x = y ^ ((reg_ >> 13) & 1u) ^ ((reg_ >> 16) & 1u);
        reg_ = ((reg_ << 1) | y) & kMask;
        if (ones_ >= kOnesRuleLength) {  // rare: a predictable branch
            x ^= 1u;
            ones_ = 0;
        }
        // (ones + 1) if y else 0, as a mask: line bits are random, and GCC compiles the ternary
        // to a branch that mispredicts every other bit.
        ones_ = (ones_ + 1) & -static_cast<int>(y);
        return static_cast<std::uint8_t>(x);
    }

    /// Descrambles n line bits (1..4) at once: `line` holds them with the first in time in bit
    /// n - 1 and the last in bit 0; the data bits come back in the same order. The same result as
    /// n calls of operator(): every tap lies at least 14 bits back, so all n outputs depend only
    /// on bits already known, and the 64-ones rule takes the bit-by-bit path when it could fire.
    constexpr std::uint32_t block(std::uint32_t line, int n) noexcept {
        const std::uint32_t mask = (1u << n) - 1u;
        line &= mask;
        if (ones_ + n > kOnesRuleLength) {
            std::uint32_t out = 0;
            for (int t = n - 1; t >= 0; --t) out = (out << 1) | (*this)(static_cast<std::uint8_t>((line >> t) & 1u));
            return out;
        }
        const std::uint32_t r = (reg_ << n) | line;  // bit j of line is bit j of r
        reg_ = r & kMask;
        // Consecutive ones at the newest end: all n added to the run, or the run restarts.
        ones_ = line == mask ? ones_ + n : std::countr_one(line);
        return (line ^ (r >> 14) ^ (r >> 17)) & mask;
    }

private:
    static constexpr std::uint32_t kMask = (1u << 17) - 1u;
    std::uint32_t reg_;
    int ones_ = 0;
};

/// V.22 5.2 table: quadrant steps (counter-clockwise, 90 degrees each) for the dibit whose first
/// bit in time is `first`: 00 -> +1, 01 -> 0, 11 -> +3, 10 -> +2.
constexpr int dibit_to_step(int first, int second) noexcept {
    // 00 -> 1, 01 -> 0, 10 -> 2, 11 -> 3: the dibit itself with its low bit flipped when the
    // high bit is 0 (arithmetic, not a table: GCC rebuilt a local table on the stack per call).
    const int d = ((first & 1) << 1) | (second & 1);
    return d ^ (((first & 1) ^ 1));
}
/// Inverse of dibit_to_step for a step 0..3 (taken mod 4): returns first*2 + second.
constexpr int step_to_dibit(int step) noexcept {
    const int s = step & 3;  // 0 -> 01, 1 -> 00, 2 -> 10, 3 -> 11 (the same flip, its own inverse)
    return s ^ ((s >> 1) ^ 1);
}

/// One V.22bis constellation point on the integer grid {-3,-1,1,3}^2 (V.22bis 2.5, Fig. 2).
struct Point {
    int i = 0;
    int q = 0;
    constexpr bool operator==(const Point&) const noexcept = default;
};

/// Mean power of the 16 points, and the power of every point used at 1200 bit/s (V.22bis 2.5.2.2).
inline constexpr double kConstellationPower = 10.0;

/// Point labelled Q3Q4 = `q3q4` (Q3 the high bit) in quadrant `quadrant` (0 = (+,+), counting
/// counter-clockwise): first-quadrant point (1 + 2 Q4, 1 + 2 Q3) turned by quadrant * 90 degrees.
constexpr Point point_of(int quadrant, int q3q4) noexcept {
    const int x = 1 + 2 * (q3q4 & 1);
    const int y = 1 + 2 * ((q3q4 >> 1) & 1);
    switch (quadrant & 3) {
    case 0: return {x, y};
    case 1: return {-y, x};
    case 2: return {-x, -y};
    default: return {y, -x};
    }
}
/// V.22bis 2.5.2.2: at 1200 bit/s every symbol uses the point labelled 01 of its quadrant.
inline constexpr int kPoint1200 = 0b01;

/// Quadrant (0..3, as in point_of) of a grid point.
constexpr int quadrant_of(Point p) noexcept {
    if (p.i > 0) return p.q > 0 ? 0 : 3;
    return p.q > 0 ? 1 : 2;
}
/// Q3Q4 label of a grid point (inverse of point_of within its quadrant).
constexpr int label_of(Point p) noexcept {
    Point r = p;  // turn back to the first quadrant
    for (int k = quadrant_of(p); k > 0; --k) r = Point{r.q, -r.i};
    return ((r.q == 3 ? 1 : 0) << 1) | (r.i == 3 ? 1 : 0);
}

/// Nearest grid point of the 16-point constellation (per-axis slicing to -3, -1, 1, 3).
Point slice16(cf32 y) noexcept;
/// Nearest of the four 1200 bit/s points point_of(q, kPoint1200), returned as its quadrant q.
int slice4(cf32 y) noexcept;

/// Differential encoder for both rates (V.22 5.2, V.22bis 2.5): keeps the quadrant of the last symbol.
class SymbolEncoder {
public:
    constexpr void reset() noexcept { quadrant_ = 0; }
    /// The differential step alone: the quadrant turned by the dibit (`first` first in time), returned.
    constexpr int turn(int first, int second) noexcept {
        quadrant_ = (quadrant_ + dibit_to_step(first, second)) & 3;
        return quadrant_;
    }
    /// 1200 bit/s: dibit (b0 first in time) -> point labelled 01 in the new quadrant.
    constexpr Point dibit(int b0, int b1) noexcept { return point_of(turn(b0, b1), kPoint1200); }
    /// 2400 bit/s: quadbit Q1..Q4 (Q1 first): Q1Q2 turn the quadrant, Q3Q4 pick the point.
    constexpr Point quadbit(int q1, int q2, int q3, int q4) noexcept {
        return point_of(turn(q1, q2), ((q3 & 1) << 1) | (q4 & 1));
    }
    [[nodiscard]] constexpr int quadrant() const noexcept { return quadrant_; }

private:
    int quadrant_ = 0;
};

/// Differential decoder: quadrant change since the previous decided symbol.
class SymbolDecoder {
public:
    constexpr void reset() noexcept { quadrant_ = 0; }
    /// Quadrant step 0..3 from the previous symbol to one in quadrant `q`; remembers q.
    constexpr int step(int q) noexcept {
        const int s = (q - quadrant_) & 3;
        quadrant_ = q & 3;
        return s;
    }

private:
    int quadrant_ = 0;
};

}  // namespace modem::v22bis
