// SPDX-License-Identifier: MIT
/// \file
/// Interoperability with libspandsp's V.22bis modem (test-only independent implementation): both
/// roles, 2400 and 1200, every guard tone, 2 kB each way byte-exact, and fallback against a
/// 1200-only spandsp in both roles. Started after the answer tone (protocols.md, spandsp-notes).
#include <doctest/doctest.h>

#include <cstdint>
#include <deque>
#include <vector>

#include "dsp/kernels/kernels.hpp"
#include "modem/v22bis/modem.hpp"

extern "C" {
#include <spandsp.h>
}
#undef ms_to_samples  // spandsp's macro of the same name

using namespace modem::v22bis;
using modem::dsp::ms_to_samples;

namespace {

/// Start-stop framing written here for the test (V.14-like: start 0, 8 bits LSB first, stop 1),
/// marks when idle.
struct Framer {
    std::vector<std::uint8_t> bytes;
    std::size_t byte = 0;
    int bit = -1;  // -1: idle before the next start bit
    std::uint8_t next() {
        if (byte >= bytes.size()) return 1;
        if (bit < 0) {
            bit = 0;
            return 0;  // start
        }
        if (bit < 8) return static_cast<std::uint8_t>((bytes[byte] >> bit++) & 1);
        bit = -1;
        ++byte;
        return 1;  // stop
    }
};
struct Deframer {
    std::vector<std::uint8_t> bytes;
    int bit = -1;
    std::uint8_t acc = 0;
    bool ok = true;
    void put(int b) {
        if (bit < 0) {
            if (b == 0) {
                bit = 0;
                acc = 0;
            }
            return;
        }
        if (bit < 8) {
            acc = static_cast<std::uint8_t>(acc | ((b & 1) << bit++));
            return;
        }
        if (b != 1) ok = false;  // framing error
        bytes.push_back(acc);
        bit = -1;
    }
};

std::vector<std::uint8_t> payload(std::size_t n, std::uint32_t seed) {
    std::vector<std::uint8_t> v(n);
    std::uint32_t x = seed;
    for (auto& b : v) {
        x = x * 1664525u + 1013904223u;
        b = static_cast<std::uint8_t>(x >> 24);
    }
    return v;
}

int spandsp_guard(GuardTone g) {
    switch (g) {
    case GuardTone::None: return V22BIS_GUARD_TONE_NONE;
    case GuardTone::Hz550: return V22BIS_GUARD_TONE_550HZ;
    case GuardTone::Hz1800: return V22BIS_GUARD_TONE_1800HZ;
    }
    return V22BIS_GUARD_TONE_NONE;
}

struct InteropResult {
    bool ours_connected = false;
    Rate ours_rate{};
    std::vector<std::uint8_t> ours_got, theirs_got;
    std::vector<std::uint8_t> ours_sent, theirs_sent;
    bool ours_framing_ok = true, theirs_framing_ok = true;
};

InteropResult interop(Role our_role, Rate our_max, int spandsp_rate, GuardTone guard, std::size_t n_bytes, double seconds) {
    InteropResult r;
    Framer our_tx{payload(n_bytes, 1), 0, -1}, their_tx{payload(n_bytes, 2), 0, -1};
    Deframer our_rx, their_rx;
    Modem ours({.role = our_role, .max_rate = our_max, .guard = our_role == Role::Answerer ? guard : GuardTone::None});
    ours.set_bit_source([&] { return our_tx.next(); });
    ours.set_bit_sink([&](std::uint8_t b) { our_rx.put(b); });
    auto get_bit = [](void* user) -> int { return static_cast<Framer*>(user)->next(); };
    auto put_bit = [](void* user, int bit) {
        if (bit >= 0) static_cast<Deframer*>(user)->put(bit);  // negative values are status reports
    };
    v22bis_state_t* sp = v22bis_init(nullptr, spandsp_rate, our_role == Role::Caller ? spandsp_guard(guard) : V22BIS_GUARD_TONE_NONE,
                                     our_role == Role::Answerer, get_bit, &their_tx, put_bit, &their_rx);
    REQUIRE(sp != nullptr);
    const std::size_t n = 160;
    std::vector<std::int16_t> from_us(n, 0), from_them(n, 0);
    std::vector<float> rx(n), tx(n);
    for (SampleTime t = 0; t < ms_to_samples(seconds * 1000.0); t += static_cast<SampleTime>(n)) {
        modem::dsp::kernels::s16_to_f32(from_them, rx);
        ours.process(rx, tx);
        modem::dsp::kernels::f32_to_s16(tx, from_us);
        v22bis_rx(sp, from_us.data(), static_cast<int>(n));
        const int made = v22bis_tx(sp, from_them.data(), static_cast<int>(n));
        for (std::size_t i = static_cast<std::size_t>(made); i < n; ++i) from_them[i] = 0;
    }
    v22bis_free(sp);
    r.ours_connected = ours.connected();
    r.ours_rate = ours.rate();
    r.ours_got = our_rx.bytes;
    r.theirs_got = their_rx.bytes;
    r.ours_sent = our_tx.bytes;
    r.theirs_sent = their_tx.bytes;
    r.ours_framing_ok = our_rx.ok;
    r.theirs_framing_ok = their_rx.ok;
    return r;
}

void check_exchange(const InteropResult& r, Rate expected) {
    CHECK(r.ours_connected);
    CHECK(r.ours_rate == expected);
    CHECK(r.ours_framing_ok);
    CHECK(r.theirs_framing_ok);
    CHECK(r.ours_got == r.theirs_sent);  // spandsp -> us, byte-exact
    CHECK(r.theirs_got == r.ours_sent);  // us -> spandsp, byte-exact
}

}  // namespace

TEST_CASE("spandsp interop: our caller and our answerer at 2400 with each guard tone, 2 kB each way") {
    for (Role role : {Role::Caller, Role::Answerer})
        for (GuardTone g : {GuardTone::None, GuardTone::Hz550, GuardTone::Hz1800}) {
            CAPTURE(to_string(role));
            CAPTURE(to_string(g));
            // 2048 bytes * 10 bits / 2400 bit/s = 8.5 s, after about 2 s of handshake.
            check_exchange(interop(role, Rate::Bps2400, 2400, g, 2048, 12.0), Rate::Bps2400);
        }
}

TEST_CASE("spandsp interop: both ends at 1200 bit/s, both roles, 2 kB each way") {
    for (Role role : {Role::Caller, Role::Answerer}) {
        CAPTURE(to_string(role));
        check_exchange(interop(role, Rate::Bps1200, 1200, GuardTone::Hz1800, 2048, 21.0), Rate::Bps1200);
    }
}

TEST_CASE("spandsp interop: our 2400 modem falls back to 1200 against a 1200-only spandsp, both roles") {
    for (Role role : {Role::Caller, Role::Answerer}) {
        CAPTURE(to_string(role));
        check_exchange(interop(role, Rate::Bps2400, 1200, GuardTone::None, 2048, 21.0), Rate::Bps1200);
    }
}
