// SPDX-License-Identifier: MIT
/// \file
/// Tests of the LAPM state machine: establishment and XID negotiation, byte-exact transfer,
/// window edge cases (k outstanding, lost RR, lost I frame with SREJ and with REJ), RNR flow
/// control, break, release, time-outs, and a bit-level link with random bit errors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "modem/v42/frames.hpp"
#include "modem/v42/lapm.hpp"

using namespace modem::v42;
using modem::dsp::SampleTime;

namespace {

std::vector<std::uint8_t> random_bytes(std::uint64_t seed, std::size_t n) {
    std::mt19937_64 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng() & 0xFF);
    return v;
}

struct Sent {
    bool from_a;
    Frame f;
};

/// Two LAPM engines joined frame by frame. Each step lets each side send at most one frame;
/// `drop` decides whether a frame is lost. Time advances by `step` samples per step.
struct FramePair {
    Lapm a, b;
    SampleTime now = 0;
    SampleTime step = 200;
    std::function<bool(bool from_a, const Frame&)> drop = [](bool, const Frame&) { return false; };
    std::vector<Sent> log;  // frames sent (decoded), lost or not
    std::vector<std::uint8_t> out_a, out_b;  // what each side read
    std::vector<std::uint8_t> buf = std::vector<std::uint8_t>(2048);

    FramePair(const Lapm::Config& ca, const Lapm::Config& cb) : a(ca), b(cb) {}

    void send(Lapm& from, Lapm& to, bool from_a) {
        const auto n = from.next_frame(now, buf);
        if (n == 0) return;
        const std::vector<std::uint8_t> octets(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        Frame f;
        REQUIRE(decode(octets, f));
        log.push_back({from_a, f});
        log.back().f.info = {};
        if (!drop(from_a, f)) to.on_frame(now, octets);
    }
    void run_steps(int steps) {
        for (int i = 0; i < steps; ++i) {
            send(a, b, true);
            send(b, a, false);
            std::uint8_t tmp[512];
            for (std::size_t n; (n = a.read(tmp)) > 0;) out_a.insert(out_a.end(), tmp, tmp + n);
            for (std::size_t n; (n = b.read(tmp)) > 0;) out_b.insert(out_b.end(), tmp, tmp + n);
            now += step;
        }
    }
    void connect() {
        a.start(now);
        b.start(now);
        run_steps(10);
        REQUIRE(a.connected());
        REQUIRE(b.connected());
    }
    int count(bool from_a, FrameType t) const {
        int n = 0;
        for (const auto& s : log) n += (s.from_a == from_a && s.f.type == t) ? 1 : 0;
        return n;
    }
};

Lapm::Config orig() { return {.originator = true}; }
Lapm::Config ans() { return {.originator = false}; }

}  // namespace

TEST_CASE("Lapm: XID then SABME/UA brings both ends up with the smaller offers agreed") {
    Lapm::Config cb = ans();
    cb.n401 = 64;
    cb.k = 7;
    cb.srej = false;
    FramePair p(orig(), cb);
    p.connect();
    // Originator: XID command, SABME; answerer: XID response, UA.
    REQUIRE(p.log.size() >= 4);
    CHECK(p.log[0].from_a);
    CHECK(p.log[0].f.type == FrameType::XID);
    CHECK(p.log[0].f.address == make_address(true));  // originator's command: C/R = 1
    CHECK(p.log[1].f.type == FrameType::XID);
    CHECK(p.log[1].f.address == make_address(true));  // answerer's response: C/R = 1
    CHECK(p.count(true, FrameType::SABME) == 1);
    CHECK(p.count(false, FrameType::UA) == 1);
    for (const Lapm* l : {&p.a, &p.b}) {
        CHECK(l->agreed().n401_tx == 64);
        CHECK(l->agreed().n401_rx == 64);
        CHECK(l->agreed().k_tx == 7);
        CHECK(l->agreed().k_rx == 7);
        CHECK_FALSE(l->agreed().srej);
        CHECK(l->agreed().fcs == FcsSize::Fcs16);
    }
}

TEST_CASE("Lapm: bytes cross both ways exactly, in frames of at most N401 octets") {
    Lapm::Config ca = orig();
    ca.n401 = 32;
    FramePair p(ca, ans());
    p.connect();
    const auto da = random_bytes(1, 3000), db = random_bytes(2, 2000);
    std::size_t ia = 0, ib = 0;
    for (int i = 0; i < 2000 && (p.out_b.size() < da.size() || p.out_a.size() < db.size()); ++i) {
        ia += p.a.write(std::span(da).subspan(ia));
        ib += p.b.write(std::span(db).subspan(ib));
        p.run_steps(1);
    }
    CHECK(p.out_b == da);
    CHECK(p.out_a == db);
    CHECK(p.a.stats().retransmissions == 0);
    CHECK(p.a.stats().i_sent == (3000 + 31) / 32);
    CHECK(p.b.stats().i_sent == (2000 + 31) / 32);
    p.run_steps(5);
    CHECK(p.a.tx_drained());
    CHECK(p.a.stats().bytes_sent == 3000);
    // Acknowledgements within 25 ms: the timer stays at the configured 2 s.
    CHECK(p.a.t401() == modem::dsp::ms_to_samples(2000.0));
    CHECK(p.b.t401() == modem::dsp::ms_to_samples(2000.0));
}

namespace {
/// Both directions of a line at `bps` with a one-way delay: each side sends a frame when its
/// previous one has left (flags and FCS counted: 3 octets more than the frame, bit stuffing
/// not), the far end gets it whole `delay` after its last bit. Both ends keep their transmit
/// queues full from `data` and read everything. Returns the sample time by which both have
/// received all of it, or -1 if they had not by `limit`.
struct TimedLink {
    Lapm a, b;
    double bps = 2400.0;
    SampleTime delay = 0;
    struct InFlight {
        SampleTime at;
        bool to_a;
        std::vector<std::uint8_t> octets;
    };
    std::vector<InFlight> flight;

    TimedLink(const Lapm::Config& ca, const Lapm::Config& cb) : a(ca), b(cb) {}

    SampleTime run(const std::vector<std::uint8_t>& data, SampleTime limit) {
        std::vector<std::uint8_t> buf(2048), got_a, got_b;
        SampleTime free_a = 0, free_b = 0;
        std::size_t ia = 0, ib = 0;
        a.start(0);
        b.start(0);
        for (SampleTime now = 0; now < limit; now += 8) {
            if (a.connected()) ia += a.write(std::span(data).subspan(ia));
            if (b.connected()) ib += b.write(std::span(data).subspan(ib));
            for (bool from_a : {true, false}) {
                Lapm& l = from_a ? a : b;
                SampleTime& free = from_a ? free_a : free_b;
                if (now < free) {
                    l.tick(now);
                    continue;
                }
                const std::size_t n = l.next_frame(now, buf);
                if (n == 0) continue;
                const auto bits = static_cast<double>(8 * (n + 3));
                free = now + static_cast<SampleTime>(std::ceil(bits * 8000.0 / bps));
                flight.push_back({free + delay, !from_a, {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)}});
            }
            for (std::size_t i = 0; i < flight.size();) {
                if (flight[i].at <= now) {
                    (flight[i].to_a ? a : b).on_frame(now, flight[i].octets);
                    flight.erase(flight.begin() + static_cast<std::ptrdiff_t>(i));
                } else {
                    ++i;
                }
            }
            std::uint8_t tmp[512];
            for (std::size_t n; (n = a.read(tmp)) > 0;) got_a.insert(got_a.end(), tmp, tmp + n);
            for (std::size_t n; (n = b.read(tmp)) > 0;) got_b.insert(got_b.end(), tmp, tmp + n);
            if (got_a.size() == data.size() && got_b.size() == data.size()) {
                REQUIRE(got_a == data);
                REQUIRE(got_b == data);
                return now;
            }
        }
        return -1;
    }
};
}  // namespace

TEST_CASE("Lapm: on a path slower than T401 the timer follows the measured round trip and the flow is not stopped by polls") {
    // 0.8 s each way (a sound server and a long-distance hop): a 128-octet frame at 2400 bit/s
    // takes 0.44 s, and its acknowledgement rides on the far end's next frame, so it comes back
    // 2.1-2.6 s after the frame started, more than the configured T401 of 2 s. Every expiry
    // stops new frames until the poll is answered (V.42 timer recovery).
    TimedLink link(orig(), ans());
    link.delay = modem::dsp::ms_to_samples(800.0);
    const auto data = random_bytes(11, 16000);
    const SampleTime done = link.run(data, modem::dsp::ms_to_samples(200000.0));
    REQUIRE(done > 0);
    // The link's capacity: 128 octets per 131 + 3 on the line (flags, FCS, address, control).
    const double ideal_s = 16000.0 / 128.0 * (8.0 * 134.0) / 2400.0;
    const double took_s = modem::dsp::samples_to_seconds(done);
    MESSAGE("16000 octets each way in " << took_s << " s (line capacity " << ideal_s << " s, plus set-up); T401 "
            << modem::dsp::samples_to_seconds(link.a.t401()) << " / " << modem::dsp::samples_to_seconds(link.b.t401())
            << " s; polls " << link.a.stats().polls << " / " << link.b.stats().polls);
    for (const Lapm* l : {&link.a, &link.b}) {
        CHECK(l->t401() > modem::dsp::ms_to_samples(2000.0));   // adapted upwards...
        CHECK(l->t401() <= modem::dsp::ms_to_samples(8000.0));  // ...within its cap (4 x T401)
        CHECK(l->stats().polls <= 1);                           // at most one, before any round trip was measured
        CHECK(l->stats().retransmissions == 0);                 // a lossless line: nothing resent
    }
    // Within 10 % of the line's capacity, after about 4 s of set-up (XID, SABME over the delay).
    CHECK(took_s < 1.1 * ideal_s + 4.0);
}

TEST_CASE("Lapm: with k frames outstanding and no acknowledgement the sender stops, then polls") {
    Lapm::Config ca = orig();
    ca.k = 3;
    ca.n401 = 16;
    FramePair p(ca, ans());
    p.connect();
    bool block = true;
    p.drop = [&](bool from_a, const Frame&) { return !from_a && block; };
    const auto data = random_bytes(3, 16 * 10);
    REQUIRE(p.a.write(data) == data.size());
    const auto before = p.a.stats().i_sent;
    p.run_steps(20);  // 20 * 200 samples = 0.5 s < T401
    CHECK(p.a.stats().i_sent - before == 3);  // exactly the window
    CHECK(p.a.stats().polls == 0);
    p.run_steps(100);  // past T401 = 2 s: an RR command with P = 1
    CHECK(p.a.stats().polls >= 1);
    block = false;
    p.run_steps(200);
    CHECK(p.out_b == data);
    CHECK(p.a.connected());
}

TEST_CASE("Lapm: a lost RR is recovered by the T401 poll without resending anything") {
    FramePair p(orig(), ans());
    p.connect();
    int rr_dropped = 0;
    p.drop = [&](bool from_a, const Frame& f) {
        if (!from_a && f.type == FrameType::RR && !f.pf && rr_dropped < 5) {
            ++rr_dropped;
            return true;
        }
        return false;
    };
    const auto data = random_bytes(4, 100);
    p.a.write(data);
    p.run_steps(200);
    CHECK(rr_dropped >= 1);
    CHECK(p.out_b == data);
    CHECK(p.a.stats().polls == 1);
    CHECK(p.a.stats().retransmissions == 0);  // the poll's answer acknowledged the frame
    CHECK(p.a.tx_drained());
}

TEST_CASE("Lapm: a lost I frame is asked for again by SREJ and only it is resent") {
    Lapm::Config ca = orig();
    ca.n401 = 20;
    FramePair p(ca, ans());
    p.connect();
    bool dropped = false;
    p.drop = [&](bool from_a, const Frame& f) {
        if (from_a && f.type == FrameType::I && f.ns == 2 && !dropped) {
            dropped = true;
            return true;
        }
        return false;
    };
    const auto data = random_bytes(5, 20 * 8);
    p.a.write(data);
    p.run_steps(100);
    CHECK(dropped);
    CHECK(p.out_b == data);
    CHECK(p.b.stats().srej_sent == 1);
    CHECK(p.a.stats().srej_received == 1);
    CHECK(p.a.stats().retransmissions == 1);
    CHECK(p.a.stats().i_sent == 9);
}

TEST_CASE("Lapm: without SREJ a lost I frame brings one REJ and a go-back from it") {
    Lapm::Config ca = orig();
    ca.n401 = 20;
    ca.srej = false;
    FramePair p(ca, ans());
    p.connect();
    bool dropped = false;
    p.drop = [&](bool from_a, const Frame& f) {
        if (from_a && f.type == FrameType::I && f.ns == 2 && !dropped) {
            dropped = true;
            return true;
        }
        return false;
    };
    const auto data = random_bytes(6, 20 * 8);
    p.a.write(data);
    p.run_steps(100);
    CHECK(p.out_b == data);
    CHECK(p.b.stats().rej_sent == 1);
    CHECK(p.b.stats().srej_sent == 0);
    CHECK(p.a.stats().retransmissions >= 1);
}

TEST_CASE("Lapm: the resent frame lost again is recovered through T401 and the poll") {
    Lapm::Config ca = orig();
    ca.n401 = 20;
    FramePair p(ca, ans());
    p.connect();
    int drops = 0;
    p.drop = [&](bool from_a, const Frame& f) {
        if (from_a && f.type == FrameType::I && f.ns == 1 && drops < 2) {
            ++drops;
            return true;
        }
        return false;
    };
    const auto data = random_bytes(7, 20 * 5);
    p.a.write(data);
    p.run_steps(300);
    CHECK(drops == 2);
    CHECK(p.out_b == data);
    CHECK(p.a.stats().polls >= 1);
}

TEST_CASE("Lapm: a reader that stops reading makes the far sender wait (RNR), then all arrives") {
    Lapm::Config cb = ans();
    cb.rx_queue = 1;  // raised to the minimum: two windows of N401
    cb.n401 = 16;
    cb.k = 2;
    Lapm::Config ca = orig();
    ca.n401 = 16;
    FramePair p(ca, cb);
    p.connect();
    const auto data = random_bytes(8, 400);
    std::size_t in = 0;
    // Run without reading on b's side: drive the pair by hand.
    std::vector<std::uint8_t> buf(2048);
    for (int i = 0; i < 200; ++i) {
        in += p.a.write(std::span(data).subspan(in));
        p.send(p.a, p.b, true);
        p.send(p.b, p.a, false);
        p.now += p.step;
    }
    CHECK(p.b.own_busy());
    CHECK(p.a.peer_busy());
    CHECK(p.b.stats().rnr_sent >= 1);
    CHECK(p.b.readable() <= 96);  // 2 * (k + 1) * N401
    p.run_steps(400);
    CHECK(p.out_b == data);
}

TEST_CASE("Lapm: a break goes over as BRK in a UI frame and is acknowledged") {
    FramePair p(orig(), ans());
    p.connect();
    p.a.send_break();
    p.run_steps(5);
    CHECK(p.b.stats().breaks_received == 1);
    CHECK(p.count(true, FrameType::UI) == 1);
    CHECK(p.count(false, FrameType::UI) == 1);  // BRKACK
}

TEST_CASE("Lapm: DISC is answered by UA and both ends are released") {
    FramePair p(orig(), ans());
    p.connect();
    p.a.disconnect(p.now);
    p.run_steps(5);
    CHECK(p.a.state() == LapmState::Disconnected);
    CHECK(p.b.state() == LapmState::Disconnected);
    CHECK(p.b.released_by_peer());
    CHECK_FALSE(p.a.released_by_peer());
    CHECK(p.count(true, FrameType::DISC) == 1);
    CHECK(p.b.write(std::vector<std::uint8_t>{1}) == 0);
}

TEST_CASE("Lapm: an originator nobody answers fails after N400 + 1 tries of XID at T401") {
    Lapm a(orig());
    std::vector<std::uint8_t> buf(512);
    int xids = 0;
    SampleTime now = 0;
    a.start(0);
    for (; now < modem::dsp::ms_to_samples(20000) && a.state() != LapmState::Failed; now += 80)
        if (a.next_frame(now, buf) > 0) ++xids;
    CHECK(a.state() == LapmState::Failed);
    CHECK(xids == 6);  // the first and N400 = 5 more
    // Failed at (N400 + 1) * T401 = 12 s after the start, within the 10 ms step.
    CHECK(now - 80 >= modem::dsp::ms_to_samples(12000));
    CHECK(now - 80 < modem::dsp::ms_to_samples(12010));
}

TEST_CASE("Lapm: DM in answer to SABME fails the establishment") {
    Lapm a(orig());
    std::vector<std::uint8_t> buf(512);
    a.start(0);
    REQUIRE(a.next_frame(0, buf) > 0);  // XID
    // An XID response with nothing in it (defaults), then DM.
    std::array<std::uint8_t, 64> info{};
    const auto n = encode_xid(XidParams{}, info);
    Frame f;
    f.address = make_address(true);  // answerer's response
    f.type = FrameType::XID;
    f.info = std::span(info.data(), n);
    std::vector<std::uint8_t> octets(80);
    octets.resize(encode(f, octets));
    a.on_frame(10, octets);
    CHECK(a.state() == LapmState::SabmeSent);
    f.type = FrameType::DM;
    f.info = {};
    f.pf = true;
    octets.resize(80);
    octets.resize(encode(f, octets));
    a.on_frame(20, octets);
    CHECK(a.state() == LapmState::Failed);
}

TEST_CASE("Lapm: bit-level link with random bit errors delivers byte-exact both ways") {
    Lapm::Config ca = orig(), cb = ans();
    ca.fcs32 = cb.fcs32 = true;
    Lapm a(ca), b(cb);
    // 2400 bit/s: 10 samples per 3 bits.
    std::mt19937_64 rng(99);
    std::bernoulli_distribution flip(1e-4);
    const auto da = random_bytes(11, 12000), db = random_bytes(12, 12000);
    std::vector<std::uint8_t> ra, rb, tmp(4096);
    std::size_t ia = 0, ib = 0;
    a.start(0);
    b.start(0);
    std::uint64_t bit = 0;
    for (; bit < 400000 && (ra.size() < db.size() || rb.size() < da.size()); ++bit) {
        const auto now = static_cast<SampleTime>(bit * 10 / 3);
        if (a.connected()) ia += a.write(std::span(da).subspan(ia));
        if (b.connected()) ib += b.write(std::span(db).subspan(ib));
        const auto x = static_cast<std::uint8_t>(a.next_bit(now) ^ (flip(rng) ? 1 : 0));
        const auto y = static_cast<std::uint8_t>(b.next_bit(now) ^ (flip(rng) ? 1 : 0));
        b.push_bit(now, x);
        a.push_bit(now, y);
        for (std::size_t n; (n = a.read(tmp)) > 0;) ra.insert(ra.end(), tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(n));
        for (std::size_t n; (n = b.read(tmp)) > 0;) rb.insert(rb.end(), tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(n));
    }
    CHECK(rb == da);
    CHECK(ra == db);
    CHECK(a.agreed().fcs == FcsSize::Fcs32);
    CHECK(b.agreed().fcs == FcsSize::Fcs32);
    CHECK(a.stats().retransmissions > 0);
    CHECK(b.stats().retransmissions > 0);
    CHECK(a.stats().fcs_errors > 0);
}

TEST_CASE("Lapm: random frame loss (55% of I frames, 8% of others) both ways still delivers everything") {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        CAPTURE(seed);
        FramePair p(orig(), ans());
        p.step = 1500;  // about one 128-octet frame time at 2400 bit/s
        p.connect();
        std::mt19937_64 rng(seed);
        std::uniform_real_distribution<double> u(0.0, 1.0);
        p.drop = [&](bool, const Frame& f) { return u(rng) < (f.type == FrameType::I ? 0.55 : 0.08); };
        const auto da = random_bytes(seed * 2, 20000), db = random_bytes(seed * 2 + 1, 20000);
        std::size_t ia = 0, ib = 0;
        int steps = 0;
        for (; steps < 20000 && (p.out_b.size() < da.size() || p.out_a.size() < db.size()); ++steps) {
            ia += p.a.write(std::span(da).subspan(ia));
            ib += p.b.write(std::span(db).subspan(ib));
            p.run_steps(1);
            if (!p.a.connected() || !p.b.connected()) break;
        }
        CHECK(p.a.connected());
        CHECK(p.b.connected());
        CHECK(p.out_b == da);
        CHECK(p.out_a == db);
    }
}
