// SPDX-License-Identifier: MIT
/// \file
/// Two V.22bis pumps through audio::SimLine: handshake to the right rate, events, data both ways,
/// fallback to 1200 against a 1200-limited peer, impairments, block-size invariance.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "loopback.hpp"
#include "modem/v22bis/modem.hpp"

using namespace modem::v22bis;
using modem::dsp::ms_to_samples;

namespace {
struct CallResult {
    bool caller_connected = false, answerer_connected = false;
    Rate caller_rate{}, answerer_rate{};
    SampleTime caller_at = -1, answerer_at = -1;
    test::v22::BerResult a_to_b, b_to_a;
    std::vector<modem::Event> caller_events, answerer_events;
};

struct CallConfig {
    Rate caller_max = Rate::Bps2400;
    Rate answerer_max = Rate::Bps2400;
    GuardTone guard = GuardTone::None;
    modem::audio::SimLine::Direction line{};
    double seconds = 8.0;
    std::size_t block = 160;
    std::uint64_t seed = 1;
};

CallResult run_call(const CallConfig& c) {
    modem::audio::SimLine::Config lc{.a_to_b = c.line, .b_to_a = c.line, .seed = c.seed};
    modem::audio::SimLine line(lc);
    modem::TraceBuffer ta, tb;
    Modem a({.role = Role::Caller, .max_rate = c.caller_max, .trace = &ta});
    Modem b({.role = Role::Answerer, .max_rate = c.answerer_max, .guard = c.guard, .trace = &tb});
    test::v22::BitLog la(c.seed * 3 + 1), lb(c.seed * 3 + 2);
    std::vector<std::uint8_t> got_a, got_b;  // received by the caller, by the answerer
    a.set_bit_source([&] { return la.next(); });
    b.set_bit_source([&] { return lb.next(); });
    a.set_bit_sink([&](std::uint8_t bit) { got_a.push_back(bit); });
    b.set_bit_sink([&](std::uint8_t bit) { got_b.push_back(bit); });
    const std::size_t n = c.block;
    std::vector<float> rxa(n, 0.0f), rxb(n, 0.0f), txa(n), txb(n);
    std::vector<std::int16_t> buf(n);
    CallResult r;
    for (SampleTime t = 0; t < ms_to_samples(c.seconds * 1000.0); t += static_cast<SampleTime>(n)) {
        a.process(rxa, txa);
        b.process(rxb, txb);
        modem::dsp::kernels::f32_to_s16(txa, buf);
        line.a().write(buf);
        modem::dsp::kernels::f32_to_s16(txb, buf);
        line.b().write(buf);
        line.a().read(buf);
        modem::dsp::kernels::s16_to_f32(buf, rxa);
        line.b().read(buf);
        modem::dsp::kernels::s16_to_f32(buf, rxb);
        if (a.connected() && r.caller_at < 0) r.caller_at = t;
        if (b.connected() && r.answerer_at < 0) r.answerer_at = t;
    }
    r.caller_connected = a.connected();
    r.answerer_connected = b.connected();
    r.caller_rate = a.rate();
    r.answerer_rate = b.rate();
    // The first delivered bits are the far end's SB1 (ones) until its data starts: skip them.
    r.a_to_b = test::v22::count_errors(la.bits, got_b, 0, 200);
    r.b_to_a = test::v22::count_errors(lb.bits, got_a, 0, 200);
    // Align on the first delivered data: search the received stream for the start of the sent one.
    auto align = [](const std::vector<std::uint8_t>& sent, const std::vector<std::uint8_t>& got) {
        test::v22::BerResult best;
        for (std::size_t skip = 0; skip + 64 < got.size() && skip < 20000; ++skip) {
            int m = 0;
            for (std::size_t i = 0; i < 64; ++i) m += got[skip + i] == sent[i];
            if (m == 64) return test::v22::count_errors(sent, got, skip, 1);
        }
        return best;
    };
    r.a_to_b = align(la.bits, got_b);
    r.b_to_a = align(lb.bits, got_a);
    r.caller_events.assign(ta.events().begin(), ta.events().end());
    r.answerer_events.assign(tb.events().begin(), tb.events().end());
    return r;
}
}  // namespace

TEST_CASE("Modem: caller and answerer connect at 2400 on a clean line and move data both ways") {
    for (GuardTone g : {GuardTone::None, GuardTone::Hz550, GuardTone::Hz1800}) {
        CAPTURE(to_string(g));
        const CallResult r = run_call({.guard = g});
        CHECK(r.caller_connected);
        CHECK(r.answerer_connected);
        CHECK(r.caller_rate == Rate::Bps2400);
        CHECK(r.answerer_rate == Rate::Bps2400);
        // protocols.md 6.6: data at about 1.6-1.8 s after the answerer starts (spandsp back to back).
        CHECK(r.caller_at < ms_to_samples(2200));
        CHECK(r.answerer_at < ms_to_samples(2200));
        CHECK(r.a_to_b.aligned);
        CHECK(r.b_to_a.aligned);
        CHECK(r.a_to_b.bits > 10000);
        CHECK(r.b_to_a.bits > 10000);
        CHECK(r.a_to_b.errors == 0);
        CHECK(r.b_to_a.errors == 0);
    }
}

TEST_CASE("Modem: a 1200-limited peer makes both ends fall back to 1200, either role") {
    for (int which : {0, 1}) {
        CAPTURE(which);
        const CallResult r = run_call({.caller_max = which == 0 ? Rate::Bps1200 : Rate::Bps2400,
                                       .answerer_max = which == 1 ? Rate::Bps1200 : Rate::Bps2400});
        CHECK(r.caller_connected);
        CHECK(r.answerer_connected);
        CHECK(r.caller_rate == Rate::Bps1200);
        CHECK(r.answerer_rate == Rate::Bps1200);
        CHECK(r.a_to_b.aligned);
        CHECK(r.b_to_a.aligned);
        CHECK(r.a_to_b.errors == 0);
        CHECK(r.b_to_a.errors == 0);
    }
}

TEST_CASE("Modem: connects at 2400 through +/-7 Hz, 100 ppm, band-pass with delay distortion, echo and 20 dB noise") {
    for (double f : {-7.0, 7.0}) {
        CAPTURE(f);
        modem::audio::SimLine::Direction d{};
        d.freq_offset_hz = f;
        d.clock_ppm = f > 0 ? 100.0 : -100.0;
        d.bandpass = true;
        d.delay_distortion = true;
        d.snr_db = 20.0;
        d.echo = modem::audio::SimLine::Echo{.gain_db = -20.0, .delay_ms = 10.0};
        const CallResult r = run_call({.guard = GuardTone::Hz1800, .line = d, .seed = 9});
        CHECK(r.caller_rate == Rate::Bps2400);
        CHECK(r.answerer_rate == Rate::Bps2400);
        CHECK(r.caller_connected);
        CHECK(r.answerer_connected);
        CHECK(r.a_to_b.aligned);
        CHECK(r.b_to_a.aligned);
        CHECK(r.a_to_b.errors == 0);  // 20 dB is 7.8 dB above the 1e-5 point
        CHECK(r.b_to_a.errors == 0);
    }
}

TEST_CASE("Modem: events name the states, the connection rate and the quality") {
    const CallResult r = run_call({.seconds = 4.0});
    std::vector<std::string_view> states;
    bool connected = false, quality = false, carrier_on = false;
    for (const auto& e : r.answerer_events) {
        if (e.kind == modem::EventKind::StateEntered) states.push_back(e.name);
        if (e.kind == modem::EventKind::Connected) connected = e.name == "2400";
        if (e.kind == modem::EventKind::Info && e.name == "quality") quality = true;
        if (e.kind == modem::EventKind::CarrierOn) carrier_on = true;
    }
    CHECK(states == std::vector<std::string_view>{"SendUsb1", "S1Heard", "SendS1Reply", "Train1200", "Train1200Sixteen",
                                                  "SendSb2400", "Data"});
    CHECK(connected);
    CHECK(quality);
    CHECK(carrier_on);
}

TEST_CASE("Modem: the far end going silent in data gives a carrier-lost failure") {
    Modem a({.role = Role::Answerer});
    Modem c({.role = Role::Caller});
    std::vector<float> ra(160, 0.0f), rc(160, 0.0f), ta(160), tc(160);
    for (int i = 0; i < 400; ++i) {  // 8 s, the caller stops transmitting after 4 s
        a.process(ra, ta);
        c.process(rc, tc);
        ra = i < 200 ? tc : std::vector<float>(160, 0.0f);
        rc = ta;
        if (i == 199) CHECK(a.connected());
    }
    CHECK(a.failed());
}

TEST_CASE("Modem: events and bits do not depend on the block size") {
    auto sig = [](std::size_t block) {
        const CallResult r = run_call({.seconds = 2.5, .block = block});
        std::vector<std::pair<SampleTime, std::string_view>> ev;
        for (const auto& e : r.caller_events) ev.emplace_back(e.at, e.name);
        return std::make_pair(ev, r.b_to_a.bits);
    };
    const auto ref = sig(160);
    for (std::size_t b : {1u, 7u, 64u, 1023u}) {
        CAPTURE(b);
        const auto s = sig(b);
        // SimLine's lockstep delay changes with the block, so compare relative to the first event.
        REQUIRE(s.first.size() == ref.first.size());
        for (std::size_t i = 0; i < ref.first.size(); ++i) CHECK(s.first[i].second == ref.first[i].second);
    }
}


TEST_CASE("Modem: on a fixed input, transmitted samples, bits and events do not depend on the block size") {
    // The answerer's line signal from a 4 s call in 160-sample blocks, replayed to fresh callers in
    // other block sizes: their input is then identical, so everything they do must be.
    std::vector<float> answerer_line;
    {
        Modem a({.role = Role::Caller});
        Modem b({.role = Role::Answerer});
        test::v22::BitLog lb(41);
        b.set_bit_source([&] { return lb.next(); });
        std::vector<float> rxa(160, 0.0f), rxb(160, 0.0f), txa(160), txb(160);
        for (int i = 0; i < 200; ++i) {
            a.process(rxa, txa);
            b.process(rxb, txb);
            answerer_line.insert(answerer_line.end(), txb.begin(), txb.end());
            rxa = txb;
            rxb = txa;
        }
    }
    struct Run {
        std::vector<float> tx;
        std::vector<std::uint8_t> bits;
        std::vector<std::pair<SampleTime, std::string>> events;
    };
    auto run = [&](std::size_t block) {
        modem::TraceBuffer trace;
        Modem c({.role = Role::Caller, .trace = &trace});
        test::v22::BitLog lc(42);
        Run r;
        c.set_bit_source([&] { return lc.next(); });
        c.set_bit_sink([&](std::uint8_t bit) { r.bits.push_back(bit); });
        r.tx.resize(answerer_line.size());
        for (std::size_t i = 0; i < answerer_line.size(); i += block) {
            const std::size_t n = std::min(block, answerer_line.size() - i);
            c.process(std::span<const float>(answerer_line.data() + i, n), std::span<float>(r.tx.data() + i, n));
        }
        CHECK(c.connected());
        for (const auto& e : trace.events()) r.events.emplace_back(e.at, std::string(e.name));
        return r;
    };
    const Run ref = run(160);
    CHECK(ref.bits.size() > 2000);
    for (std::size_t block : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{1023}, answerer_line.size()}) {
        CAPTURE(block);
        const Run r = run(block);
        CHECK(r.tx == ref.tx);
        CHECK(r.bits == ref.bits);
        CHECK(r.events == ref.events);
    }
}

TEST_CASE("Modem: block sources and sinks move the same bits as per-bit ones") {
    // Two identical calls, 5 s back to back: per-bit source and sink, then one call per symbol.
    auto call = [](bool blocks) {
        Modem a({.role = Role::Caller});
        Modem b({.role = Role::Answerer});
        test::v22::BitLog la(21), lb(22);
        std::vector<std::uint8_t> got_a, got_b;
        std::size_t block_calls = 0;
        if (blocks) {
            a.set_block_source([&](std::span<std::uint8_t> bits) {
                for (auto& x : bits) x = la.next();
            });
            b.set_block_source([&](std::span<std::uint8_t> bits) {
                for (auto& x : bits) x = lb.next();
            });
            a.set_block_sink([&](std::span<const std::uint8_t> bits) {
                ++block_calls;
                got_a.insert(got_a.end(), bits.begin(), bits.end());
            });
            b.set_block_sink([&](std::span<const std::uint8_t> bits) { got_b.insert(got_b.end(), bits.begin(), bits.end()); });
        } else {
            a.set_bit_source([&] { return la.next(); });
            b.set_bit_source([&] { return lb.next(); });
            a.set_bit_sink([&](std::uint8_t bit) { got_a.push_back(bit); });
            b.set_bit_sink([&](std::uint8_t bit) { got_b.push_back(bit); });
        }
        std::vector<float> rxa(160, 0.0f), rxb(160, 0.0f), txa(160), txb(160);
        for (int i = 0; i < 250; ++i) {
            a.process(rxa, txa);
            b.process(rxb, txb);
            rxa = txb;
            rxb = txa;
        }
        CHECK(a.connected());
        CHECK(b.connected());
        return std::tuple{got_a, got_b, la.bits.size(), block_calls};
    };
    const auto [bit_a, bit_b, bit_sent, none] = call(false);
    const auto [blk_a, blk_b, blk_sent, calls] = call(true);
    CHECK(none == 0);
    CHECK(bit_a.size() > 5000);  // about 3 s of data at 2400 bit/s
    CHECK(blk_a == bit_a);
    CHECK(blk_b == bit_b);
    CHECK(blk_sent == bit_sent);
    CHECK(calls * 2 <= blk_a.size());  // one call per symbol (2 or 4 bits), not per bit
}

TEST_CASE("Modem: a minute of 2400 bit/s data both ways at 20 dB SNR is error-free (timed, ns/sample)" *
          doctest::test_suite("slow")) {
    // Back to back in float: each end hears the other's previous block plus white noise 20 dB under
    // the -13 dBm0 data. Only the pumps' process() calls are timed, from 3 s on (data, both ways).
    constexpr std::size_t kBlock = 160;
    constexpr std::size_t kBlocks = 63 * 8000 / kBlock;
    constexpr std::size_t kTimedFrom = 3 * 8000 / kBlock;
    Modem a({.role = Role::Caller});
    Modem b({.role = Role::Answerer});
    // Bits drawn before the clock starts: the timed sources and sinks only index and append.
    auto random_bits = [](std::uint64_t seed) {
        std::mt19937_64 rng(seed);
        std::vector<std::uint8_t> v(64 * 2400);
        for (auto& b : v) b = static_cast<std::uint8_t>(rng() & 1);
        return v;
    };
    const std::vector<std::uint8_t> sent_a = random_bits(5), sent_b = random_bits(6);
    std::size_t next_a = 0, next_b = 0;
    std::vector<std::uint8_t> got_a, got_b;
    got_a.reserve(160000);
    got_b.reserve(160000);
    a.set_bit_source([&] { return sent_a[next_a++]; });
    b.set_bit_source([&] { return sent_b[next_b++]; });
    a.set_bit_sink([&](std::uint8_t bit) { got_a.push_back(bit); });
    b.set_bit_sink([&](std::uint8_t bit) { got_b.push_back(bit); });
    const double sigma = std::sqrt(modem::dsp::dbm0_to_power(-13.0 - 20.0));
    modem::dsp::Gaussian noise(77);
    std::vector<float> rxa(kBlock, 0.0f), rxb(kBlock, 0.0f), txa(kBlock), txb(kBlock);
    std::chrono::steady_clock::duration spent_a{}, spent_b{};
    for (std::size_t i = 0; i < kBlocks; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        a.process(rxa, txa);
        const auto t1 = std::chrono::steady_clock::now();
        b.process(rxb, txb);
        const auto t2 = std::chrono::steady_clock::now();
        if (i >= kTimedFrom) {
            spent_a += t1 - t0;
            spent_b += t2 - t1;
        }
        for (std::size_t k = 0; k < kBlock; ++k) {
            rxa[k] = txb[k] + static_cast<float>(sigma * noise());
            rxb[k] = txa[k] + static_cast<float>(sigma * noise());
        }
        if (i == kTimedFrom) {
            REQUIRE(a.connected());
            REQUIRE(b.connected());
        }
    }
    const double n = static_cast<double>((kBlocks - kTimedFrom) * kBlock);
    const double ns_a = std::chrono::duration<double, std::nano>(spent_a).count() / n;
    const double ns_b = std::chrono::duration<double, std::nano>(spent_b).count() / n;
    std::printf("Modem 2400 bit/s data: caller %.2f, answerer %.2f ns/sample (pump: tx + rx + glue)\n", ns_a, ns_b);
    // The delivered stream starts with the far end's descrambled SB1 (ones): skip to its data.
    auto errors = [](const std::vector<std::uint8_t>& sent, const std::vector<std::uint8_t>& got) {
        std::size_t skip = 0;
        while (skip < got.size() && got[skip] == 1) ++skip;
        return test::v22::count_errors(sent, got, skip, 64);
    };
    REQUIRE(next_a < sent_a.size());
    REQUIRE(next_b < sent_b.size());
    const test::v22::BerResult ab = errors(sent_a, got_b);
    const test::v22::BerResult ba = errors(sent_b, got_a);
    CHECK(ab.aligned);
    CHECK(ba.aligned);
    CHECK(ab.bits > 140000);  // 60 s at 2400 bit/s
    CHECK(ba.bits > 140000);
    CHECK(ab.errors == 0);  // 20 dB is 7.8 dB above the 1e-5 point
    CHECK(ba.errors == 0);
}
