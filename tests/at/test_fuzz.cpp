// SPDX-License-Identifier: MIT
/// \file
/// Seeded fuzz of the AT engine: random bytes, random command lines, random session events and
/// clock steps must never throw, and the engine keeps answering a plain "AT".
#include <doctest/doctest.h>

#include <array>
#include <random>
#include <string>
#include <vector>

#include "harness.hpp"

using namespace modem::at;

TEST_CASE("AT engine fuzz: random input never throws and AT still works afterwards") {
    std::array<int, 4> mode_seen{};
    const std::string alphabet = "ATatDHZOEVQXIS&FCVL+MS=?,;!WP0123456789/\r\b \x7f" "ABCDT#*-()";
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        CAPTURE(seed);
        std::mt19937_64 rng(seed);
        Engine e;
        std::int64_t now = 0;
        std::size_t out_bytes = 0;
        CHECK_NOTHROW([&] {
            for (int step = 0; step < 4000; ++step) {
                std::vector<std::uint8_t> chunk(rng() % 12);
                for (auto& b : chunk) {
                    if (rng() % 3 == 0) b = static_cast<std::uint8_t>(rng());
                    else b = static_cast<std::uint8_t>(alphabet[rng() % alphabet.size()]);
                }
                if (rng() % 7 == 0) {  // a whole random command line
                    const std::string line = "AT" + std::string(rng() % 20, 'x');
                    chunk.assign(line.begin(), line.end());
                    for (std::size_t i = 2; i < chunk.size(); ++i)
                        chunk[i] = static_cast<std::uint8_t>(alphabet[rng() % alphabet.size()]);
                    chunk.push_back('\r');
                }
                if (rng() % 40 == 0) {  // a well-timed escape now and then, to reach OnlineCommand
                    now += 2000;
                    chunk.assign(3, '+');
                    e.feed(chunk, now);
                    now += 2000;
                    chunk.clear();
                }
                e.feed(chunk, now);
                switch (rng() % 16) {
                case 0: e.on_connect(static_cast<int>(rng() % 3000), modem::v14::Format{}); break;
                case 1: e.on_no_carrier(); break;
                case 2: e.on_ring(); break;
                case 3: e.on_busy(); break;
                case 4: e.on_no_dialtone(); break;
                case 5: e.on_no_answer(); break;
                case 6: e.on_dial_complete(); break;
                case 7: e.on_connect(2400, modem::v14::Format{.data_bits = 3}); break;  // bad format: kept safe
                default: break;
                }
                // Mostly forward, sometimes far ahead, sometimes backwards.
                const auto r = rng() % 10;
                now += r < 7 ? static_cast<std::int64_t>(rng() % 300) : r < 9 ? 3000 : -500;
                e.tick(now);
                out_bytes += e.take_output().size();
                (void)e.take_data();
                (void)e.take_actions();
                (void)e.next_deadline_ms();
                ++mode_seen[static_cast<std::size_t>(e.mode())];
            }
        }());
        CHECK(out_bytes > 0);
        // Whatever state it is in: end the line (S3 may have been changed), drop any call, reset.
        const auto s3 = static_cast<std::uint8_t>(e.sreg(3));
        e.feed(std::vector<std::uint8_t>{s3}, now + 5000);
        e.on_no_carrier();
        e.feed(std::vector<std::uint8_t>{'A', 'T', 'Z', s3}, now + 5000);
        CHECK(e.settings() == Settings::factory());
        (void)e.take_output();
        const std::string at = "AT\r";
        e.feed(std::vector<std::uint8_t>(at.begin(), at.end()), now + 5001);
        CHECK(e.take_output() == "AT\r\r\nOK\r\n");
        CHECK(e.mode() == Engine::Mode::Command);
    }
    for (std::size_t m = 0; m < mode_seen.size(); ++m) {
        CAPTURE(m);
        CHECK(mode_seen[m] > 100);
    }  // the fuzz reached every mode, often
}
