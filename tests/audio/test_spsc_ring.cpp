// SPDX-License-Identifier: MIT
/// \file
/// Tests of the lock-free SPSC ring against a std::deque model, single-threaded and under a
/// two-thread stress of a million items.
#include <cstdint>
#include <deque>
#include <random>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "audio/spsc_ring.hpp"

using modem::audio::SpscRing;

TEST_CASE("SpscRing: capacity is rounded up to a power of two and never exceeded") {
    CHECK(SpscRing<float>(1).capacity() == 1);
    CHECK(SpscRing<float>(5).capacity() == 8);
    CHECK(SpscRing<float>(1024).capacity() == 1024);
    SpscRing<int> r(5);
    const std::vector<int> ten{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK(r.push(ten) == 8);
    CHECK(r.readable() == 8);
    CHECK(r.writable() == 0);
    CHECK(r.push(ten) == 0);
    CHECK(r.push_fill(5, 3) == 0);
    std::vector<int> out(10, -1);
    CHECK(r.pop(out) == 8);
    CHECK(std::vector<int>(out.begin(), out.begin() + 8) == std::vector<int>(ten.begin(), ten.begin() + 8));
    CHECK(r.pop(out) == 0);
}

TEST_CASE("SpscRing: matches a deque model over many random pushes and pops with wrap-around") {
    SpscRing<std::uint16_t> r(100);  // capacity 128
    std::deque<std::uint16_t> model;
    std::mt19937_64 rng(42);
    std::uint16_t next = 0;
    std::vector<std::uint16_t> buf(300);
    for (int step = 0; step < 20000; ++step) {
        const std::size_t n = rng() % 200;
        const auto op = rng() % 5;
        if (op < 2) {  // push a ramp
            for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<std::uint16_t>(next + i);
            const std::size_t pushed = r.push(std::span<const std::uint16_t>(buf.data(), n));
            REQUIRE(pushed == std::min(n, 128 - model.size()));
            for (std::size_t i = 0; i < pushed; ++i) model.push_back(buf[i]);
            next = static_cast<std::uint16_t>(next + pushed);
        } else if (op == 2) {  // push copies of one value
            const std::size_t pushed = r.push_fill(next, n);
            REQUIRE(pushed == std::min(n, 128 - model.size()));
            for (std::size_t i = 0; i < pushed; ++i) model.push_back(next);
            ++next;
        } else {
            const std::size_t got = r.pop(std::span<std::uint16_t>(buf.data(), n));
            REQUIRE(got == std::min(n, model.size()));
            for (std::size_t i = 0; i < got; ++i) {
                REQUIRE(buf[i] == model.front());
                model.pop_front();
            }
        }
        REQUIRE(r.readable() == model.size());
    }
}

TEST_CASE("SpscRing: two threads move a million items in order") {
    constexpr std::uint32_t kItems = 1'000'000;
    SpscRing<std::uint32_t> r(1000);  // small, so both sides often meet a full or empty ring
    std::thread producer([&] {
        std::mt19937_64 rng(7);
        std::vector<std::uint32_t> buf(300);
        std::uint32_t next = 0;
        while (next < kItems) {
            const std::size_t n = std::min<std::size_t>(1 + rng() % 300, kItems - next);
            for (std::size_t i = 0; i < n; ++i) buf[i] = next + static_cast<std::uint32_t>(i);
            std::span<const std::uint32_t> rest(buf.data(), n);
            while (!rest.empty()) {
                rest = rest.subspan(r.push(rest));
                if (!rest.empty()) std::this_thread::yield();
            }
            next += static_cast<std::uint32_t>(n);
        }
    });
    std::mt19937_64 rng(8);
    std::vector<std::uint32_t> buf(300);
    std::uint32_t expect = 0;
    std::uint64_t errors = 0;
    while (expect < kItems) {
        const std::size_t got = r.pop(std::span<std::uint32_t>(buf.data(), 1 + rng() % 300));
        for (std::size_t i = 0; i < got; ++i, ++expect) errors += buf[i] != expect ? 1 : 0;
        if (got == 0) std::this_thread::yield();
    }
    producer.join();
    CHECK(errors == 0);
    CHECK(expect == kItems);
    CHECK(r.readable() == 0);
}
