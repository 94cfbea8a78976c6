// SPDX-License-Identifier: MIT
/// \file
/// Tests of the V.14 converters against the naive model in reference.hpp: bit-exact transmit,
/// round trips, overspeed deletion, parity, break, idle, back-pressure and resynchronisation.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <random>
#include <span>
#include <stdexcept>
#include <vector>

#include "modem/v14/v14.hpp"
#include "reference.hpp"

using modem::v14::AsyncRx;
using modem::v14::AsyncTx;
using modem::v14::Format;
using modem::v14::Parity;
using modem::v14::RxChar;
using namespace test::v14;

namespace {

/// Drains the transmitter until idle, then `extra_marks` more bits.
std::vector<std::uint8_t> drain(AsyncTx& tx, std::size_t extra = 0) {
    std::vector<std::uint8_t> bits;
    while (!tx.idle()) bits.push_back(tx.next_bit());
    for (std::size_t i = 0; i < extra; ++i) bits.push_back(tx.next_bit());
    return bits;
}

struct Collector {
    std::vector<RxChar> got;
    AsyncRx rx;
    explicit Collector(const Format& f) : rx(AsyncRx::Config{.format = f}, [this](const RxChar& c) { got.push_back(c); }) {}
    void feed(const std::vector<std::uint8_t>& bits) {
        for (auto b : bits) rx.push_bit(b);
    }
    std::vector<std::uint8_t> values() const {
        std::vector<std::uint8_t> v;
        for (const auto& c : got)
            if (!c.is_break) v.push_back(c.value);
        return v;
    }
};

}  // namespace

TEST_CASE("AsyncTx: line bits equal the reference model for every format") {
    std::uint64_t seed = 100;
    for (const Format& f : all_formats()) {
        CAPTURE(f.name());
        const auto data = random_bytes(300, ++seed);
        AsyncTx tx({.format = f});
        CHECK(tx.push(data) == data.size());
        auto bits = drain(tx, 5);
        auto expect = ref_encode(f, data);
        expect.insert(expect.end(), 5, 1);  // idle marks after the last character
        CHECK(bits == expect);
        CHECK(tx.chars_sent() == data.size());
    }
}

TEST_CASE("AsyncTx: stop deletion 1 in 8 and 1 in 4 matches the reference model") {
    for (int every : {8, 4}) {
        for (const char* name : {"8N1", "7E1", "8N2", "5S2"}) {
            CAPTURE(every);
            CAPTURE(name);
            const Format f = Format::parse(name);
            const auto data = random_bytes(200, 7);
            AsyncTx tx({.format = f, .delete_stop_every = every});
            tx.push(data);
            const auto bits = drain(tx);
            CHECK(bits == ref_encode(f, data, every));
            CHECK(bits.size() == data.size() * static_cast<std::size_t>(f.bits_per_char()) - data.size() / static_cast<std::size_t>(every));
        }
    }
}

TEST_CASE("AsyncTx: idle line is mark, and idle() follows the queue") {
    AsyncTx tx({});
    CHECK(tx.idle());
    for (int i = 0; i < 50; ++i) CHECK(tx.next_bit() == 1);
    const std::uint8_t c = 0x41;
    tx.push(std::span(&c, 1));
    CHECK_FALSE(tx.idle());
    CHECK(tx.queued() == 1);
    CHECK(tx.next_bit() == 0);  // the start bit goes out at once
    CHECK(tx.queued() == 0);
    CHECK_FALSE(tx.idle());
    for (int i = 0; i < 9; ++i) (void)tx.next_bit();
    CHECK(tx.idle());
    CHECK(tx.chars_sent() == 1);
    CHECK(tx.next_bit() == 1);
}

TEST_CASE("AsyncRx: idle marks deliver nothing") {
    Collector c(Format{});
    c.feed(std::vector<std::uint8_t>(10000, 1));
    CHECK(c.got.empty());
    CHECK(c.rx.stats().chars == 0);
}

TEST_CASE("AsyncTx/AsyncRx: every format round-trips random data") {
    std::uint64_t seed = 500;
    for (const Format& f : all_formats()) {
        CAPTURE(f.name());
        const auto data = random_bytes(1000, ++seed);
        AsyncTx tx({.format = f});
        tx.push(data);
        Collector c(f);
        c.feed(drain(tx, 3));
        CHECK(c.values() == masked(f, data));
        CHECK(c.rx.stats().chars == data.size());
        CHECK(c.rx.stats().parity_errors == 0);
        CHECK(c.rx.stats().framing_errors == 0);
        CHECK(c.rx.stats().breaks == 0);
        CHECK(c.rx.stats().stops_reinserted == 0);
    }
}

TEST_CASE("AsyncRx: overspeed with one stop deleted in 8 or in 4 is recovered byte-exact") {
    std::uint64_t seed = 900;
    for (int every : {8, 4}) {
        for (const Format& f : all_formats()) {
            CAPTURE(every);
            CAPTURE(f.name());
            const auto data = random_bytes(800, ++seed);
            Collector c(f);
            auto bits = ref_encode(f, data, every);  // the reference model is the far end
            bits.push_back(1);
            c.feed(bits);
            CHECK(c.values() == masked(f, data));
            CHECK(c.rx.stats().framing_errors == 0);
            CHECK(c.rx.stats().parity_errors == 0);
            CHECK(c.rx.stats().breaks == 0);
            // The last character's deletion is invisible (idle mark follows): (n - 1) / every.
            CHECK(c.rx.stats().stops_reinserted == (data.size() - 1) / static_cast<std::size_t>(every));
        }
    }
}

TEST_CASE("AsyncRx: deletions closer than 1 in 4 are framing errors, then it resynchronises") {
    const Format f = Format::parse("8N1");
    std::vector<std::uint8_t> bits;
    // 'A' and 'B' both without stop bits: two deletions in a row exceed V.14's extended range.
    ref_char(bits, f, 'A', 0);
    ref_char(bits, f, 'B', 0);
    ref_char(bits, f, 'C', 1);
    bits.insert(bits.end(), 20, 1);
    ref_char(bits, f, 'D', 1);
    Collector c(f);
    c.feed(bits);
    REQUIRE(c.got.size() >= 3);
    CHECK(c.got[0] == RxChar{.value = 'A'});
    CHECK(c.got[1].value == 'B');
    CHECK(c.got[1].framing_error);
    CHECK(c.got.back() == RxChar{.value = 'D'});
    CHECK(c.rx.stats().stops_reinserted == 1);
    CHECK(c.rx.stats().framing_errors >= 1);
}

TEST_CASE("AsyncRx: a zero first stop bit of two is a framing error") {
    const Format f = Format::parse("8N2");
    std::vector<std::uint8_t> bits;
    ref_char(bits, f, 0x5A, 2);
    ref_char(bits, f, 0x3C, 0);  // both stop elements missing: only one may be deleted
    bits.push_back(0);
    bits.insert(bits.end(), 30, 1);
    ref_char(bits, f, 0x7E, 2);
    Collector c(f);
    c.feed(bits);
    REQUIRE(c.got.size() == 3);
    CHECK(c.got[0] == RxChar{.value = 0x5A});
    CHECK(c.got[1] == RxChar{.value = 0x3C, .framing_error = true});
    CHECK(c.got[2] == RxChar{.value = 0x7E});
}

TEST_CASE("AsyncRx: flipped data or parity bits give exactly that many parity errors") {
    std::mt19937_64 rng(42);
    for (const Format& f : all_formats()) {
        if (f.parity == Parity::None) continue;
        CAPTURE(f.name());
        const auto data = random_bytes(500, rng());
        auto bits = ref_encode(f, data);
        const std::size_t m = static_cast<std::size_t>(f.bits_per_char());
        std::vector<bool> flipped(data.size(), false);
        std::size_t n_flipped = 0;
        for (std::size_t i = 0; i < data.size(); ++i) {
            if (rng() % 5 != 0) continue;
            // Even/Odd: any data or parity bit; Mark/Space: only the parity bit is checkable.
            const bool fixed = f.parity == Parity::Mark || f.parity == Parity::Space;
            const std::size_t pos = fixed ? static_cast<std::size_t>(1 + f.data_bits)
                                          : 1 + rng() % static_cast<std::size_t>(f.data_bits + 1);
            bits[i * m + pos] ^= 1u;
            flipped[i] = true;
            ++n_flipped;
        }
        bits.push_back(1);
        Collector c(f);
        c.feed(bits);
        REQUIRE(c.got.size() == data.size());
        CHECK(c.rx.stats().parity_errors == n_flipped);
        CHECK(c.rx.stats().framing_errors == 0);
        for (std::size_t i = 0; i < data.size(); ++i) CHECK(c.got[i].parity_error == flipped[i]);
    }
}

TEST_CASE("AsyncTx/AsyncRx: a break between characters is one break, never NULs") {
    std::uint64_t seed = 1300;
    for (const Format& f : all_formats()) {
        CAPTURE(f.name());
        const auto a = random_bytes(20, ++seed);
        const auto b = random_bytes(20, ++seed);
        AsyncTx tx({.format = f});
        tx.push(a);
        tx.send_break();
        tx.push(b);
        const auto bits = drain(tx, 2);
        // The break is 2M+3 zeros on the line: find the longest zero run.
        std::size_t run = 0, longest = 0;
        for (auto bit : bits) {
            run = bit ? 0 : run + 1;
            longest = std::max(longest, run);
        }
        CHECK(longest >= static_cast<std::size_t>(2 * f.bits_per_char() + 3));
        Collector c(f);
        c.feed(bits);
        REQUIRE(c.got.size() == a.size() + 1 + b.size());
        CHECK(c.got[a.size()] == RxChar{.is_break = true});
        auto vals = masked(f, a);
        const auto mb = masked(f, b);
        vals.insert(vals.end(), mb.begin(), mb.end());
        CHECK(c.values() == vals);
        CHECK(c.rx.stats().breaks == 1);
        CHECK(c.rx.stats().framing_errors == 0);
    }
}

TEST_CASE("AsyncRx: break detection threshold is 2M+3 zeros, and a long run is one break") {
    for (const Format& f : all_formats()) {
        CAPTURE(f.name());
        const std::size_t m = static_cast<std::size_t>(f.bits_per_char());
        {
            Collector c(f);
            std::vector<std::uint8_t> bits(2 * m + 2, 0);  // one short of a break
            bits.insert(bits.end(), 3 * m, 1);
            c.feed(bits);
            CHECK(c.rx.stats().breaks == 0);
            CHECK(c.got.size() >= 1);  // NULs, whatever their flags
            for (const auto& ch : c.got) CHECK(ch.value == 0);
        }
        {
            Collector c(f);
            std::vector<std::uint8_t> bits(2 * m + 3, 0);
            bits.insert(bits.end(), 1, 1);
            c.feed(bits);
            CHECK(c.got == std::vector<RxChar>{RxChar{.is_break = true}});
        }
        {
            Collector c(f);
            std::vector<std::uint8_t> bits(500, 0);
            bits.insert(bits.end(), 1, 1);
            ref_char(bits, f, 0x15, f.stop_bits);  // a character right after the mark
            c.feed(bits);
            CHECK(c.got == std::vector<RxChar>{RxChar{.is_break = true}, RxChar{.value = 0x15}});
        }
    }
}

TEST_CASE("AsyncRx: a stream of NUL characters is not a break") {
    for (const Format& f : all_formats()) {
        CAPTURE(f.name());
        const std::vector<std::uint8_t> nuls(100, 0);
        Collector c(f);
        auto bits = ref_encode(f, nuls);
        bits.push_back(1);
        c.feed(bits);
        CHECK(c.values() == nuls);
        CHECK(c.rx.stats().breaks == 0);
        CHECK(c.rx.stats().framing_errors == 0);
    }
}

TEST_CASE("AsyncTx: push applies back-pressure and drops nothing") {
    const Format f = Format::parse("7E1");
    AsyncTx tx({.format = f, .queue_capacity = 16});
    const auto data = random_bytes(1000, 77);
    std::size_t first = tx.push(data);
    CHECK(first == 16);
    CHECK(tx.free_space() == 0);
    CHECK(tx.push(std::span(data).subspan(first)) == 0);
    Collector c(f);
    std::size_t sent = first;
    std::size_t partial = 0;
    while (sent < data.size()) {
        for (int i = 0; i < 37; ++i) c.rx.push_bit(tx.next_bit());  // an odd number of bits per round
        const std::size_t n = tx.push(std::span(data).subspan(sent));
        CHECK(n <= 16);
        if (n < data.size() - sent) ++partial;
        sent += n;
    }
    c.feed(drain(tx, 2));
    CHECK(partial > 0);
    CHECK(c.values() == masked(f, data));
}

TEST_CASE("AsyncRx: resynchronises after random garbage and idle marks") {
    std::mt19937_64 rng(2024);
    for (const Format& f : all_formats()) {
        CAPTURE(f.name());
        const auto msg = random_bytes(50, rng());
        std::vector<std::uint8_t> bits;
        for (int i = 0; i < 777; ++i) bits.push_back(static_cast<std::uint8_t>(rng() & 1u));
        bits.insert(bits.end(), static_cast<std::size_t>(f.bits_per_char() + 1), 1);  // idle marks
        const std::size_t garbage_end = bits.size();
        const auto clean = ref_encode(f, msg);
        bits.insert(bits.end(), clean.begin(), clean.end());
        bits.push_back(1);
        Collector c(f);
        for (std::size_t i = 0; i < garbage_end; ++i) c.rx.push_bit(bits[i]);
        const std::size_t before = c.got.size();
        for (std::size_t i = garbage_end; i < bits.size(); ++i) c.rx.push_bit(bits[i]);
        const std::vector<RxChar> tail(c.got.begin() + static_cast<std::ptrdiff_t>(before), c.got.end());
        REQUIRE(tail.size() == msg.size());
        for (std::size_t i = 0; i < msg.size(); ++i) CHECK(tail[i] == RxChar{.value = masked(f, msg)[i]});
    }
}

TEST_CASE("AsyncRx: a slipped bit is followed by recovery after idle marks") {
    const Format f = Format::parse("8N1");
    const auto a = random_bytes(40, 5);
    const auto b = random_bytes(40, 6);
    auto bits = ref_encode(f, a);
    bits.erase(bits.begin() + 123);  // one bit lost in the middle of the stream
    bits.insert(bits.end(), 11, 1);
    const auto clean = ref_encode(f, b);
    bits.insert(bits.end(), clean.begin(), clean.end());
    bits.push_back(1);
    Collector c(f);
    c.feed(bits);
    const auto v = c.values();
    REQUIRE(v.size() >= b.size());
    CHECK(std::vector<std::uint8_t>(v.end() - static_cast<std::ptrdiff_t>(b.size()), v.end()) == b);
    // Before the slip everything is intact: 123 / 10 = 12 whole characters.
    CHECK(std::vector<std::uint8_t>(v.begin(), v.begin() + 12) == std::vector<std::uint8_t>(a.begin(), a.begin() + 12));
}

TEST_CASE("AsyncRx/AsyncTx: reset gives the just-constructed behaviour") {
    const Format f = Format::parse("7O1");
    const auto data = random_bytes(64, 9);
    AsyncTx tx({.format = f});
    tx.push(data);
    for (int i = 0; i < 55; ++i) (void)tx.next_bit();
    tx.reset();
    CHECK(tx.idle());
    CHECK(tx.chars_sent() == 0);
    tx.push(data);
    const auto bits = drain(tx);
    CHECK(bits == ref_encode(f, data));
    Collector c(f);
    c.feed(std::vector<std::uint8_t>(bits.begin(), bits.begin() + 33));
    c.rx.reset();
    c.got.clear();
    CHECK(c.rx.stats().chars == 0);
    c.feed(bits);
    c.rx.push_bit(1);
    CHECK(c.values() == masked(f, data));
}

TEST_CASE("AsyncTx/AsyncRx: bad configuration throws invalid_argument") {
    CHECK_THROWS_AS(AsyncTx({.format = Format{.data_bits = 4}}), std::invalid_argument);
    CHECK_THROWS_AS(AsyncTx({.queue_capacity = 0}), std::invalid_argument);
    CHECK_THROWS_AS(AsyncTx({.delete_stop_every = 3}), std::invalid_argument);
    CHECK_THROWS_AS(AsyncTx({.delete_stop_every = -1}), std::invalid_argument);
    CHECK_NOTHROW(AsyncTx({.delete_stop_every = 4}));
    CHECK_THROWS_AS(AsyncRx({.format = Format{.stop_bits = 0}}, [](const RxChar&) {}), std::invalid_argument);
    CHECK_THROWS_AS(AsyncRx({}, nullptr), std::invalid_argument);
}

namespace {

/// A hard stream for the receiver: characters with deleted stop elements (1 in 4, and closer:
/// framing errors), flipped bits, NULs, breaks, zero runs just short of a break, garbage, idle.
std::vector<std::uint8_t> hard_stream(const Format& f, std::mt19937_64& rng) {
    std::vector<std::uint8_t> bits;
    const auto m = static_cast<std::size_t>(f.bits_per_char());
    for (int part = 0; part < 60; ++part) {
        switch (rng() % 8) {
        case 0:
        case 1: {
            const auto data = random_bytes(5 + rng() % 40, rng());
            const auto enc = ref_encode(f, data, rng() % 2 == 0 ? 4 : 0);
            bits.insert(bits.end(), enc.begin(), enc.end());
            break;
        }
        case 2:  // deletions too close together
            for (int i = 0; i < 6; ++i) ref_char(bits, f, static_cast<unsigned>(rng()), f.stop_bits - (i % 2 == 0 ? 1 : 0));
            break;
        case 3: {  // characters with flipped bits
            const auto data = random_bytes(20, rng());
            auto enc = ref_encode(f, data);
            for (int i = 0; i < 6; ++i) enc[rng() % enc.size()] ^= 1u;
            bits.insert(bits.end(), enc.begin(), enc.end());
            break;
        }
        case 4: {  // NULs, then a break or a zero run one short of it
            const auto nuls = ref_encode(f, std::vector<std::uint8_t>(1 + rng() % 3, 0));
            bits.insert(bits.end(), nuls.begin(), nuls.end());
            bits.insert(bits.end(), 2 * m + 2 + rng() % 3, 0);
            bits.push_back(1);
            break;
        }
        case 5:  // a long zero run
            bits.insert(bits.end(), 2 * m + rng() % (4 * m), 0);
            break;
        case 6:  // garbage
            for (int i = 0; i < 50; ++i) bits.push_back(static_cast<std::uint8_t>(rng() & 1u));
            break;
        default:  // idle marks
            bits.insert(bits.end(), rng() % 15, 1);
            break;
        }
    }
    bits.insert(bits.end(), 2 * m, 1);
    return bits;
}

}  // namespace

TEST_CASE("AsyncRx: push_bits in runs of 1 to 4 bits gives exactly what push_bit gives") {
    std::mt19937_64 rng(8080);
    for (const Format& f : all_formats()) {
        CAPTURE(f.name());
        const auto bits = hard_stream(f, rng);
        Collector by_bit(f);
        by_bit.feed(bits);
        // The stream must reach every path of push_bit, or the comparison proves little.
        const auto& s = by_bit.rx.stats();
        CHECK(s.chars > 300);
        CHECK(s.breaks > 0);
        CHECK(s.framing_errors > 0);
        CHECK(s.stops_reinserted > 0);
        if (f.parity == Parity::Even || f.parity == Parity::Odd) CHECK(s.parity_errors > 0);
        for (int run : {4, 2, 3, 1, 0}) {  // 0: random run lengths
            CAPTURE(run);
            Collector by_run(f);
            for (std::size_t i = 0; i < bits.size();) {
                const std::size_t n = std::min<std::size_t>(bits.size() - i, run > 0 ? static_cast<std::size_t>(run) : 1 + rng() % 4);
                by_run.rx.push_bits(std::span(bits).subspan(i, n));
                i += n;
            }
            CHECK(by_run.got == by_bit.got);
            CHECK(by_run.rx.stats().chars == s.chars);
            CHECK(by_run.rx.stats().parity_errors == s.parity_errors);
            CHECK(by_run.rx.stats().framing_errors == s.framing_errors);
            CHECK(by_run.rx.stats().breaks == s.breaks);
            CHECK(by_run.rx.stats().stops_reinserted == s.stops_reinserted);
        }
    }
}

TEST_CASE("AsyncTx: next_bits gives the bits and counts of next_bit") {
    for (const char* name : {"8N1", "7E1", "5S2", "8O2"}) {
        CAPTURE(name);
        const Format f = Format::parse(name);
        const auto data = random_bytes(300, 31);
        AsyncTx a({.format = f, .delete_stop_every = 5});
        AsyncTx b({.format = f, .delete_stop_every = 5});
        for (AsyncTx* tx : {&a, &b}) {
            tx->push(std::span(data).first(150));
            tx->send_break();
            tx->push(std::span(data).subspan(150));
        }
        std::vector<std::uint8_t> by_bit, by_run;
        std::array<std::uint8_t, 4> buf{};
        std::mt19937_64 rng(3);
        for (std::size_t after_idle = 0; after_idle < 20;) {  // then a few idle marks
            const std::size_t n = 1 + rng() % 4;
            a.next_bits(std::span(buf).first(n));
            by_run.insert(by_run.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
            for (std::size_t i = 0; i < n; ++i) by_bit.push_back(b.next_bit());
            CHECK(a.chars_sent() == b.chars_sent());
            CHECK(a.idle() == b.idle());
            if (a.idle()) after_idle += n;
        }
        CHECK(by_run == by_bit);
        CHECK(a.chars_sent() == data.size());
    }
}
