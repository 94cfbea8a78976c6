// SPDX-License-Identifier: MIT
/// \file
/// Tests of the lockstep pipe backend: two peers joined by two pipes never deadlock and see each
/// other's samples exactly, end of input and a vanished reader end the line without a crash.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <numeric>
#include <thread>
#include <algorithm>
#include <vector>

#include <doctest/doctest.h>

#include "audio/audio_io.hpp"

using modem::audio::AudioError;
using modem::audio::PipeLine;

namespace {

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        r = fds[0];
        w = fds[1];
    }
    ~Pipe() {
        close_r();
        close_w();
    }
    void close_r() {
        if (r >= 0) ::close(r);
        r = -1;
    }
    void close_w() {
        if (w >= 0) ::close(w);
        w = -1;
    }
};

/// Peer behaviour: read a block, then write a block computed from the block number.
std::vector<std::int16_t> run_peer(PipeLine& line, std::size_t block, std::size_t n_blocks, std::int16_t tag) {
    std::vector<std::int16_t> received, buf(block), out(block);
    for (std::size_t b = 0; b < n_blocks; ++b) {
        const std::size_t n = line.read(buf);
        received.insert(received.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        if (n < block) break;
        for (std::size_t i = 0; i < block; ++i)
            out[i] = static_cast<std::int16_t>(tag + static_cast<std::int16_t>((b * block + i) % 1000));
        line.write(out);
    }
    return received;
}

/// What a peer sends: `prime` zeros (lockstep), then the tagged ramp.
std::vector<std::int16_t> expected_stream(std::size_t prime, std::size_t n, std::int16_t tag) {
    std::vector<std::int16_t> v(prime, 0);
    for (std::size_t i = 0; v.size() < n; ++i) v.push_back(static_cast<std::int16_t>(tag + static_cast<std::int16_t>(i % 1000)));
    v.resize(n);
    return v;
}

}  // namespace

TEST_CASE("PipeLine: two lockstep peers on two pipes run without deadlock and exchange exact samples") {
    // Equal and unequal block sizes: the lockstep rule keeps both sides going either way.
    for (const auto [block_a, block_b] : {std::pair<std::size_t, std::size_t>{160, 160}, {7, 1023}, {1023, 1}}) {
        CAPTURE(block_a);
        CAPTURE(block_b);
        Pipe a_to_b, b_to_a;
        PipeLine a(b_to_a.r, a_to_b.w, /*lockstep=*/true);
        PipeLine b(a_to_b.r, b_to_a.w, /*lockstep=*/true);
        const std::size_t total = 40000;  // 5 s of audio, more than a pipe buffer holds
        auto fa = std::async(std::launch::async, [&] { return run_peer(a, block_a, total / block_a, 100); });
        auto fb = std::async(std::launch::async, [&] { return run_peer(b, block_b, total / block_b, -2000); });
        // A deadlock shows as a timeout (20 s is far beyond the few ms this takes); closing the
        // write ends then gives both blocked readers end of input, so the test fails, not hangs.
        const bool done = fa.wait_for(std::chrono::seconds(20)) == std::future_status::ready &&
                          fb.wait_for(std::chrono::seconds(1)) == std::future_status::ready;
        if (!done) {
            a_to_b.close_w();
            b_to_a.close_w();
        }
        REQUIRE(done);
        const auto got_a = fa.get();
        const auto got_b = fb.get();
        CHECK(got_a.size() == (total / block_a) * block_a);
        CHECK(got_b.size() == (total / block_b) * block_b);
        // Each side hears the other's one block of silence, then its ramp.
        CHECK(got_a == expected_stream(block_b, got_a.size(), -2000));
        CHECK(got_b == expected_stream(block_a, got_b.size(), 100));
    }
}

TEST_CASE("PipeLine: a read-only peer still feeds the other side one block per block read") {
    Pipe in, out;
    PipeLine line(in.r, out.w, /*lockstep=*/true);
    std::vector<std::int16_t> feed(480, 9);
    REQUIRE(::write(in.w, feed.data(), feed.size() * 2) == static_cast<ssize_t>(feed.size() * 2));
    std::vector<std::int16_t> buf(160);
    for (int i = 0; i < 3; ++i) CHECK(line.read(buf) == 160);
    // 3 reads of 160 and no writes: 480 samples of silence went out.
    std::vector<std::int16_t> sent(1000, 1);
    const ssize_t got = ::read(out.r, sent.data(), sent.size() * 2);
    CHECK(got == 480 * 2);
    CHECK(std::all_of(sent.begin(), sent.begin() + 480, [](std::int16_t s) { return s == 0; }));
    CHECK(line.stats().samples_read == 480);
    CHECK(line.stats().samples_written == 0);  // silence padding is not the program's output
}

TEST_CASE("PipeLine: without lockstep nothing is sent before the program writes") {
    Pipe in, out;
    PipeLine line(in.r, out.w, /*lockstep=*/false);
    const std::vector<std::int16_t> feed{1, 2, 3, 4};
    REQUIRE(::write(in.w, feed.data(), 8) == 8);
    std::vector<std::int16_t> buf(4);
    CHECK(line.read(buf) == 4);
    CHECK(buf == feed);
    pollfd p{out.r, POLLIN, 0};
    CHECK(::poll(&p, 1, 0) == 0);  // nothing to read: no silence was sent
}

TEST_CASE("PipeLine: end of input gives a short read, partial writes by the peer are reassembled") {
    Pipe in, out;
    PipeLine line(in.r, out.w, /*lockstep=*/true);
    // 5 samples written in three pieces, one splitting a sample, then a stray odd byte and EOF.
    const std::vector<std::int16_t> s{1000, -1000, 32767, -32768, 7};
    const auto* bytes = reinterpret_cast<const char*>(s.data());
    auto writer = std::async(std::launch::async, [&] {
        REQUIRE(::write(in.w, bytes, 3) == 3);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        REQUIRE(::write(in.w, bytes + 3, 6) == 6);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        REQUIRE(::write(in.w, bytes + 9, 1) == 1);
        const char odd = 0x55;
        REQUIRE(::write(in.w, &odd, 1) == 1);
        in.close_w();
    });
    std::vector<std::int16_t> buf(8, 0);
    const std::size_t n = line.read(buf);
    writer.get();
    CHECK(n == 5);
    CHECK(std::vector<std::int16_t>(buf.begin(), buf.begin() + 5) == s);
    CHECK(line.read(buf) == 0);
    CHECK_FALSE(line.ended());  // our output still works; only the input ended
}

TEST_CASE("PipeLine: a reader that went away ends the line instead of killing the process") {
    Pipe in, out;
    PipeLine line(in.r, out.w, /*lockstep=*/true);
    out.close_r();  // the peer is gone; a write now raises SIGPIPE unless it is ignored
    std::vector<std::int16_t> block(160, 3);
    CHECK_NOTHROW(line.write(block));
    CHECK(line.ended());
    CHECK_NOTHROW(line.write(block));
    CHECK(line.read(block) == 0);
    CHECK(line.stats().samples_written == 320);
    line.close();
    line.close();
    CHECK_THROWS_AS(line.write(block), AudioError);
    CHECK(line.describe().find("pipe") != std::string::npos);
}
