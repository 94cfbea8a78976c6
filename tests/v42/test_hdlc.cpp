// SPDX-License-Identifier: MIT
/// \file
/// Tests of the V.42 HDLC layer: FCS against the published CRC check values and a bitwise
/// model, the transmitter's bits against a naive framer, zero insertion on all-ones data, round
/// trips with FCS-16 and FCS-32, aborts, bad FCS, idle marks and over-long frames.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "modem/v42/hdlc.hpp"

using namespace modem::v42;

namespace {

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

/// Bit-at-a-time CRC with the generator written MSB-first and the data reflected by hand: a
/// different route to the same FCS as the table-driven code.
std::uint32_t naive_crc(const std::vector<std::uint8_t>& data, int width, std::uint32_t poly_msb_first) {
    const std::uint32_t top = 1u << (width - 1);
    const std::uint32_t mask = width == 32 ? 0xFFFFFFFFu : (1u << width) - 1;
    std::uint32_t reg = mask;
    for (auto octet : data)
        for (int i = 0; i < 8; ++i) {  // LSB of each octet first, as on the line
            const bool in = ((octet >> i) & 1) != 0;
            const bool fb = ((reg & top) != 0) != in;
            reg = (reg << 1) & mask;
            if (fb) reg ^= poly_msb_first;
        }
    reg = ~reg & mask;
    std::uint32_t out = 0;  // the register's top bit goes out first: reflect to "LSB first"
    for (int i = 0; i < width; ++i)
        if ((reg >> i) & 1) out |= 1u << (width - 1 - i);
    return out;
}

/// Naive framer: flag, stuffed bits of frame + FCS (LSB first), flag.
std::vector<std::uint8_t> naive_frame_bits(const std::vector<std::uint8_t>& frame, bool fcs32) {
    std::vector<std::uint8_t> body = frame;
    if (fcs32) {
        const auto f = naive_crc(frame, 32, 0x04C11DB7);
        for (int i = 0; i < 4; ++i) body.push_back(static_cast<std::uint8_t>(f >> (8 * i)));
    } else {
        const auto f = naive_crc(frame, 16, 0x1021);
        body.push_back(static_cast<std::uint8_t>(f));
        body.push_back(static_cast<std::uint8_t>(f >> 8));
    }
    std::vector<std::uint8_t> bits;
    auto flag = [&] {
        for (int i = 0; i < 8; ++i) bits.push_back(static_cast<std::uint8_t>((0x7E >> i) & 1));
    };
    flag();
    int ones = 0;
    for (auto o : body)
        for (int i = 0; i < 8; ++i) {
            const auto b = static_cast<std::uint8_t>((o >> i) & 1);
            bits.push_back(b);
            ones = b ? ones + 1 : 0;
            if (ones == 5) {
                bits.push_back(0);
                ones = 0;
            }
        }
    flag();
    return bits;
}

std::vector<std::uint8_t> random_bytes(std::mt19937_64& rng, std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng() & 0xFF);
    return v;
}

/// Sends frames through tx -> rx bit by bit; returns the good frames received.
std::vector<std::vector<std::uint8_t>> round_trip(HdlcTx& tx, HdlcRx& rx, const std::vector<std::vector<std::uint8_t>>& frames,
                                                  std::size_t tail_bits = 64) {
    std::vector<std::vector<std::uint8_t>> got;
    std::size_t next = 0;
    std::size_t tail = 0;
    while (tail < tail_bits) {
        if (next < frames.size() && tx.ready()) REQUIRE(tx.load(frames[next++]));
        if (next == frames.size() && tx.idle()) ++tail;
        const auto e = rx.push_bit(tx.next_bit());
        if (e == RxEvent::Frame) got.emplace_back(rx.frame().begin(), rx.frame().end());
    }
    return got;
}

}  // namespace

TEST_CASE("Fcs: published check values for \"123456789\"") {
    const auto s = bytes_of("123456789");
    CHECK(fcs16(s) == 0x906E);      // CRC-16/X.25 check value
    CHECK(fcs32(s) == 0xCBF43926);  // CRC-32 (ISO-HDLC) check value
}

TEST_CASE("Fcs: table-driven values equal a bitwise MSB-first model") {
    std::mt19937_64 rng(42);
    for (std::size_t n : {0u, 1u, 2u, 7u, 64u, 255u}) {
        CAPTURE(n);
        const auto d = random_bytes(rng, n);
        CHECK(fcs16(d) == naive_crc(d, 16, 0x1021));
        CHECK(fcs32(d) == naive_crc(d, 32, 0x04C11DB7));
    }
}

TEST_CASE("Fcs: octets followed by their FCS leave the ISO 13239 good residue") {
    std::mt19937_64 rng(5);
    const auto d = random_bytes(rng, 40);
    std::uint16_t r16 = 0xFFFF;
    for (auto o : d) r16 = fcs16_update(r16, o);
    const auto f16 = fcs16(d);
    r16 = fcs16_update(r16, static_cast<std::uint8_t>(f16));
    r16 = fcs16_update(r16, static_cast<std::uint8_t>(f16 >> 8));
    CHECK(r16 == kFcs16Good);
    std::uint32_t r32 = 0xFFFFFFFFu;
    for (auto o : d) r32 = fcs32_update(r32, o);
    const auto f32 = fcs32(d);
    for (int i = 0; i < 4; ++i) r32 = fcs32_update(r32, static_cast<std::uint8_t>(f32 >> (8 * i)));
    CHECK(r32 == kFcs32Good);
}

TEST_CASE("HdlcTx: one frame is flag, stuffed frame and FCS, flag (naive framer)") {
    for (bool f32 : {false, true}) {
        CAPTURE(f32);
        HdlcTx tx({.fcs = f32 ? FcsSize::Fcs32 : FcsSize::Fcs16});
        // Let one idle flag go out, then load: the frame follows at the flag boundary.
        std::vector<std::uint8_t> bits;
        for (int i = 0; i < 8; ++i) bits.push_back(tx.next_bit());
        const std::vector<std::uint8_t> frame{0x03, 0x7F, 0xFF, 0x00, 0x7E, 0xF8, 0x1F, 0xFF, 0xFF};
        REQUIRE(tx.load(frame));
        const auto expect = naive_frame_bits(frame, f32);
        // The first idle flag doubles as the opening flag; skip it in the expectation.
        std::vector<std::uint8_t> got;
        for (std::size_t i = 0; i + 8 < expect.size(); ++i) got.push_back(tx.next_bit());
        CHECK(std::vector<std::uint8_t>(bits.begin(), bits.end()) ==
              std::vector<std::uint8_t>(expect.begin(), expect.begin() + 8));
        CHECK(got == std::vector<std::uint8_t>(expect.begin() + 8, expect.end()));
        CHECK(tx.idle());
    }
}

TEST_CASE("HdlcTx: all-ones data never shows six ones in a row and comes back intact") {
    HdlcTx tx({});
    HdlcRx rx({});
    const std::vector<std::uint8_t> ones(200, 0xFF);
    REQUIRE(tx.load(ones));
    std::vector<std::uint8_t> bits;
    for (int i = 0; i < 8; ++i) bits.push_back(tx.next_bit());  // opening flag
    while (!tx.idle()) bits.push_back(tx.next_bit());
    // Inside the frame (between the flags): at most five ones, then a zero.
    int run = 0, worst = 0;
    for (std::size_t i = 8; i + 8 < bits.size(); ++i) {
        run = bits[i] ? run + 1 : 0;
        worst = std::max(worst, run);
    }
    CHECK(worst == 5);
    // Opening flag, 1600 data bits of ones with 320 inserted zeros, 16 FCS bits (and their own
    // inserted zeros), the first bit of the closing flag.
    CHECK(bits.size() >= 8 + 1600 + 320 + 16 + 1);
    std::vector<std::vector<std::uint8_t>> got;
    for (auto b : bits)
        if (rx.push_bit(b) == RxEvent::Frame) got.emplace_back(rx.frame().begin(), rx.frame().end());
    for (int i = 0; i < 16; ++i)
        if (rx.push_bit(tx.next_bit()) == RxEvent::Frame) got.emplace_back(rx.frame().begin(), rx.frame().end());
    REQUIRE(got.size() == 1);
    CHECK(got[0] == ones);
}

TEST_CASE("HdlcRx: random frames back to back round-trip with FCS-16 and FCS-32") {
    std::mt19937_64 rng(2024);
    for (auto fcs : {FcsSize::Fcs16, FcsSize::Fcs32}) {
        CAPTURE(static_cast<int>(fcs));
        HdlcTx tx({.fcs = fcs});
        HdlcRx rx({.fcs = fcs});
        std::vector<std::vector<std::uint8_t>> frames;
        for (int i = 0; i < 200; ++i) frames.push_back(random_bytes(rng, 2 + rng() % 259));
        const auto got = round_trip(tx, rx, frames);
        CHECK(got == frames);
        CHECK(rx.stats().bad_fcs == 0);
        CHECK(rx.stats().invalid == 0);
        CHECK(tx.frames_sent() == 200);
    }
}

TEST_CASE("HdlcRx: marks between frames (idle_flags false) still frame correctly") {
    HdlcTx tx({.idle_flags = false});
    HdlcRx rx({});
    std::vector<std::uint8_t> idle;
    for (int i = 0; i < 24; ++i) idle.push_back(tx.next_bit());
    CHECK(idle == std::vector<std::uint8_t>(24, 1));
    std::mt19937_64 rng(9);
    const std::vector<std::vector<std::uint8_t>> frames{random_bytes(rng, 10), random_bytes(rng, 3)};
    CHECK(round_trip(tx, rx, frames) == frames);
    CHECK(rx.stats().aborts == 0);  // ones after a closing flag are idle, not an abort
}

TEST_CASE("HdlcRx: one flipped bit gives BadFcs, the next frame is received") {
    std::mt19937_64 rng(77);
    HdlcTx tx({});
    HdlcRx rx({});
    const auto a = random_bytes(rng, 50), b = random_bytes(rng, 50);
    std::vector<std::uint8_t> bits;
    REQUIRE(tx.load(a));
    for (int i = 0; i < 8; ++i) bits.push_back(tx.next_bit());
    while (!tx.ready() || bits.size() < 100) bits.push_back(tx.next_bit());
    REQUIRE(tx.load(b));
    while (!tx.idle()) bits.push_back(tx.next_bit());
    for (int i = 0; i < 16; ++i) bits.push_back(tx.next_bit());
    bits[8 + 16] ^= 1;  // a bit of frame a's third octet (or an inserted zero: then the framing breaks)
    std::vector<RxEvent> events;
    std::vector<std::vector<std::uint8_t>> got;
    for (auto bit : bits) {
        const auto e = rx.push_bit(bit);
        if (e != RxEvent::None) events.push_back(e);
        if (e == RxEvent::Frame) got.emplace_back(rx.frame().begin(), rx.frame().end());
    }
    REQUIRE(got.size() == 1);
    CHECK(got[0] == b);
    CHECK(rx.stats().bad_fcs + rx.stats().invalid == 1);
}

TEST_CASE("HdlcRx: an abort mid-frame is reported and the following frame is good") {
    std::mt19937_64 rng(3);
    HdlcTx tx({});
    HdlcRx rx({});
    const auto a = random_bytes(rng, 40), b = random_bytes(rng, 12);
    REQUIRE(tx.load(a));
    std::vector<RxEvent> events;
    std::vector<std::vector<std::uint8_t>> got;
    auto step = [&] {
        const auto e = rx.push_bit(tx.next_bit());
        if (e != RxEvent::None) events.push_back(e);
        if (e == RxEvent::Frame) got.emplace_back(rx.frame().begin(), rx.frame().end());
    };
    for (int i = 0; i < 8 + 100; ++i) step();
    tx.abort();
    REQUIRE(tx.load(b));
    for (int i = 0; i < 400; ++i) step();
    CHECK(events == std::vector<RxEvent>{RxEvent::Abort, RxEvent::Frame});
    REQUIRE(got.size() == 1);
    CHECK(got[0] == b);
    CHECK(rx.stats().aborts == 1);
}

TEST_CASE("HdlcRx: a frame longer than max_frame is TooLong, shorter than the minimum Invalid") {
    HdlcTx tx({.max_frame = 600});
    HdlcRx rx({.max_frame = 100});
    std::mt19937_64 rng(1);
    const auto big = random_bytes(rng, 300);
    const std::vector<std::uint8_t> tiny{0x01};
    const auto ok = random_bytes(rng, 100);
    CHECK(round_trip(tx, rx, {big, tiny, ok}) == std::vector<std::vector<std::uint8_t>>{ok});
    CHECK(rx.stats().too_long == 1);
    CHECK(rx.stats().invalid == 1);
}

TEST_CASE("HdlcTx: load refuses a second waiting frame, an empty frame and an over-long one") {
    HdlcTx tx({.max_frame = 10});
    const std::vector<std::uint8_t> f(10, 0x55), big(11, 0x55);
    CHECK_FALSE(tx.load({}));
    CHECK_FALSE(tx.load(big));
    CHECK(tx.load(f));
    CHECK_FALSE(tx.ready());
    CHECK_FALSE(tx.load(f));
}

TEST_CASE("HdlcTx/HdlcRx: octet batch helpers equal bit-by-bit operation") {
    std::mt19937_64 rng(8);
    const auto a = random_bytes(rng, 33);
    HdlcTx t1({}), t2({});
    REQUIRE(t1.load(a));
    REQUIRE(t2.load(a));
    std::vector<std::uint8_t> octets(40), bits(320);
    t1.pull_octets(octets);
    t2.pull_bits(bits);
    for (std::size_t i = 0; i < bits.size(); ++i) CHECK(((octets[i / 8] >> (i % 8)) & 1) == bits[i]);
    HdlcRx rx({});
    int frames = 0;
    rx.push_octets(octets, [&](RxEvent e, const HdlcRx& r) {
        if (e == RxEvent::Frame) {
            ++frames;
            CHECK(std::vector<std::uint8_t>(r.frame().begin(), r.frame().end()) == a);
        }
    });
    CHECK(frames == 1);
}
