// SPDX-License-Identifier: MIT
/// \file
/// Tests of the V.21 FSK transmitter and receiver: frequencies, exact bit timing, block-size
/// invariance, loopback BER with noise, frequency offset, adjacent-channel rejection, carrier detect.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "dsp/goertzel.hpp"
#include "fsk_reference.hpp"
#include "modem/v21/fsk_rx.hpp"
#include "modem/v21/fsk_tx.hpp"
#include "support/blocks.hpp"

using modem::dsp::SampleTime;
using modem::v21::Channel;
using modem::v21::FskRx;
using modem::v21::FskTx;
using modem::v21::RxEvent;

namespace {

constexpr double kLevelDbm0 = -13.0;
// Lead-in before the data: 29 bits of mark (carrier detect) and one space, so that the receiver
// has seen a transition, and therefore knows the bit timing, when the data starts.
constexpr std::size_t kLeadBits = 30;

/// Transmitter output for `bits` after the lead-in, followed by `tail_bits` of mark.
std::vector<float> transmit(const FskTx::Config& cfg, const std::vector<std::uint8_t>& bits, std::size_t tail_bits = 30) {
    FskTx tx(cfg);
    for (std::size_t i = 0; i < kLeadBits; ++i) tx.push_bit(i + 1 < kLeadBits ? 1 : 0);
    for (auto b : bits) REQUIRE(tx.push_bit(b));
    const auto total_bits = kLeadBits + bits.size() + tail_bits;
    std::vector<float> out(static_cast<std::size_t>((total_bits * 80 + 2) / 3));
    tx.process(out);
    return out;
}

/// Start of data bit 0 in transmit(): ceil(kLeadBits * 80 / 3).
constexpr SampleTime kDataStart = static_cast<SampleTime>((kLeadBits * 80 + 2) / 3);

test::BitScore loopback(Channel ch, double snr_db, std::size_t n_bits, std::uint64_t seed, double offset_hz = 0.0) {
    const auto bits = test::random_bits(n_bits, seed);
    auto x = transmit({.channel = ch, .level_dbm0 = kLevelDbm0, .freq_offset_hz = offset_hz, .queue_capacity = n_bits + 64},
                      bits);
    test::add_noise(x, kLevelDbm0, snr_db, seed + 1);
    FskRx rx({.channel = ch});
    return test::score_bits(bits, kDataStart, 300.0, test::receive(rx, x, 160));
}

double goertzel_power(std::span<const float> x, double freq_hz, std::size_t window) {
    modem::dsp::Goertzel g({.freq_hz = freq_hz, .window = window});
    double p = 0.0;
    g.process(x, [&](const modem::dsp::GoertzelReport& r) { p = r.power; });
    return p;
}

}  // namespace

TEST_CASE("FskTx: idle mark is 980 Hz on channel 1 and 1650 Hz on channel 2") {
    for (const Channel ch : {Channel::Ch1, Channel::Ch2}) {
        CAPTURE(modem::v21::to_string(ch));
        const auto f = modem::v21::frequencies(ch);
        FskTx tx({.channel = ch, .level_dbm0 = kLevelDbm0, .idle = FskTx::Idle::Mark});
        std::vector<float> x(8000);
        tx.process(x);
        // 800-sample windows: bins every 10 Hz, so 980/1180/1650/1850 Hz fall on bins. A tone 1 Hz
        // off the bin would lose 0.014 dB; 0.01 dB of tolerance therefore pins the frequency.
        const std::span<const float> tail(x.data() + 800, 800);
        const double expected = modem::dsp::dbm0_to_power(kLevelDbm0);
        CHECK(std::abs(modem::dsp::power_to_db(goertzel_power(tail, f.mark_hz, 800) / expected)) < 0.01);
        CHECK(goertzel_power(tail, f.space_hz, 800) < expected * 1e-6);
        CHECK(goertzel_power(tail, f.mark_hz + 1.0, 800) < goertzel_power(tail, f.mark_hz, 800));
    }
    CHECK(modem::v21::frequencies(Channel::Ch1).mark_hz == 980.0);
    CHECK(modem::v21::frequencies(Channel::Ch2).mark_hz == 1650.0);
}

TEST_CASE("FskTx: space tones are 1180 and 1850 Hz") {
    for (const Channel ch : {Channel::Ch1, Channel::Ch2}) {
        FskTx tx({.channel = ch, .idle = FskTx::Idle::Silence});
        for (int i = 0; i < 300; ++i) tx.push_bit(0);
        std::vector<float> x(8000);
        tx.process(x);
        const std::span<const float> mid(x.data() + 800, 800);
        const double f = ch == Channel::Ch1 ? 1180.0 : 1850.0;
        CHECK(goertzel_power(mid, f, 800) > 0.999 * modem::dsp::dbm0_to_power(-13.0));
    }
}

TEST_CASE("FskTx: 3 bits take exactly 80 samples, with no drift over 100 s") {
    const std::size_t n_bits = 30000;  // 100 s at 300 bit/s
    const auto bits = test::random_bits(n_bits, 42);
    FskTx tx({.channel = Channel::Ch2, .level_dbm0 = kLevelDbm0, .idle = FskTx::Idle::Silence, .queue_capacity = n_bits});
    for (auto b : bits) REQUIRE(tx.push_bit(b));
    std::vector<float> x(n_bits * 80 / 3 + 100);
    tx.process(x);
    CHECK(tx.bits_started() == n_bits);
    CHECK_FALSE(tx.busy());
    // The burst ends exactly at 30000 * 80 / 3 = 800000 samples, then silence.
    CHECK(x[n_bits * 80 / 3 - 1] != 0.0f);
    CHECK(std::all_of(x.begin() + static_cast<std::ptrdiff_t>(n_bits * 80 / 3), x.end(), [](float v) { return v == 0.0f; }));
    // Sample by sample against the double-precision model: any misplaced bit boundary would
    // leave a phase error of 2 pi * 200 / 8000 = 0.157 rad, i.e. a difference of ~0.03 at this level.
    const auto ref = test::reference_fsk(bits, 1650.0, 1850.0, modem::dsp::dbm0_to_peak(kLevelDbm0));
    REQUIRE(ref.size() == n_bits * 80 / 3);
    float worst = 0.0f;
    for (std::size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::abs(ref[i] - x[i]));
    CHECK(worst < 2e-4f);
}

TEST_CASE("FskTx: output does not depend on block size") {
    const auto bits = test::random_bits(200, 7);
    auto make = [&] {
        FskTx tx({.channel = Channel::Ch1, .idle = FskTx::Idle::Silence});
        for (auto b : bits) tx.push_bit(b);
        return tx;
    };
    auto whole_tx = make();
    std::vector<float> whole(8000);
    whole_tx.process(whole);
    for (std::size_t block : {1u, 7u, 64u, 160u, 1023u}) {
        CAPTURE(block);
        auto tx = make();
        std::vector<float> out(whole.size());
        for (std::size_t i = 0; i < out.size(); i += block) tx.process(std::span<float>(out).subspan(i, std::min(block, out.size() - i)));
        CHECK(out == whole);
    }
}

TEST_CASE("FskTx: Idle::Silence bursts start at once and abort() silences mid-bit") {
    FskTx tx({.channel = Channel::Ch1, .idle = FskTx::Idle::Silence});
    std::vector<float> x(100);
    tx.process(x);
    CHECK(std::all_of(x.begin(), x.end(), [](float v) { return v == 0.0f; }));
    tx.push_word(0x3FF, 10);
    CHECK(tx.queued() == 10);
    tx.process(std::span<float>(x).first(40));  // bit 0 (27 samples) and part of bit 1
    CHECK(tx.bits_started() == 2);
    CHECK(tx.busy());
    tx.abort();
    CHECK_FALSE(tx.busy());
    tx.process(std::span<float>(x).subspan(40, 60));
    CHECK(std::all_of(x.begin() + 40, x.end(), [](float v) { return v == 0.0f; }));
}

TEST_CASE("FskTx: samples_to_boundary() is the distance to the next sample that takes a bit") {
    // Bit k of a burst starts at ceil(k * 8000 / rate) (V.21 300 bit/s, and slower rates): the
    // count must land exactly on the sample whose tick takes a queued bit, with none before it.
    for (const int rate : {300, 110}) {
        CAPTURE(rate);
        FskTx tx({.channel = Channel::Ch1, .idle = FskTx::Idle::Silence, .bit_rate_bps = rate});
        CHECK(tx.samples_to_boundary() == std::numeric_limits<std::size_t>::max());  // silent, empty
        for (int i = 0; i < 40; ++i) tx.push_bit(static_cast<std::uint8_t>(i & 1));
        std::vector<float> y(1);
        SampleTime t = 0;
        std::vector<SampleTime> starts;
        while (tx.queued() > 0) {
            const std::size_t n = tx.samples_to_boundary();
            REQUIRE(n >= 1);
            const auto before = tx.bits_started();
            for (std::size_t i = 0; i + 1 < n; ++i, ++t) {
                tx.process(y);
                REQUIRE(tx.bits_started() == before);
            }
            tx.process(y);
            REQUIRE(tx.bits_started() == before + 1);
            starts.push_back(t++);
        }
        for (std::size_t k = 0; k < starts.size(); ++k)
            CHECK(starts[k] == (static_cast<SampleTime>(k) * 8000 + rate - 1) / rate);
    }
}

TEST_CASE("FskTx: bad configuration throws") {
    CHECK_THROWS_AS(FskTx({.bit_rate_bps = 1200}), std::invalid_argument);
    CHECK_THROWS_AS(FskTx({.queue_capacity = 0}), std::invalid_argument);
    CHECK_THROWS_AS(FskRx({.bit_rate_bps = 0}), std::invalid_argument);
    CHECK_THROWS_AS(FskRx({.carrier_on_dbm0 = -50, .carrier_off_dbm0 = -40}), std::invalid_argument);
}

TEST_CASE("FskRx: clean loopback is error-free on both channels and time stamps match the transmitter") {
    for (const Channel ch : {Channel::Ch1, Channel::Ch2}) {
        CAPTURE(modem::v21::to_string(ch));
        const auto bits = test::random_bits(3000, 11);
        const auto x = transmit({.channel = ch, .queue_capacity = 4096}, bits);
        FskRx rx({.channel = ch});
        const auto ev = test::receive(rx, x, 160);
        CHECK(test::score_bits(bits, kDataStart, 300.0, ev).errors == 0);
        // Every data bit's time stamp is within 2 samples of the transmitted bit start.
        SampleTime worst = 0;
        for (const auto& e : ev) {
            if (e.kind != RxEvent::Kind::Bit || e.at < kDataStart - 13) continue;
            const double k = std::round(static_cast<double>(e.at - kDataStart) * 3.0 / 80.0);
            if (k >= 3000) continue;
            const auto start = kDataStart + static_cast<SampleTime>(std::ceil(k * 80.0 / 3.0));
            worst = std::max(worst, std::abs(e.at - start));
        }
        CHECK(worst <= 2);
        REQUIRE(!ev.empty());
        CHECK(ev.front().kind == RxEvent::Kind::CarrierOn);
        CHECK(ev.front().at < 200);  // on within 25 ms of the start (filter delay + level window)
    }
}

TEST_CASE("FskRx: loopback bit error rate against SNR") {
    // SNR = signal power / white noise power over 0..4 kHz; Eb/N0 = SNR + 10 log10(4000 / 300)
    // = SNR + 11.25 dB. Textbook non-coherent orthogonal FSK gives BER = 0.5 exp(-Eb / 2 N0):
    // 6e-4 at 0 dB SNR, 8e-7 at 3 dB. V.21's tones (200 Hz apart at 300 bit/s) are not orthogonal,
    // but the noise outside the channel does not count either. Limits: no error at 6 dB and up
    // (ideal BER < 1e-11), at most 1e-3 at 3 dB and 2e-3 at 0 dB (about 3x the ideal figure, so a
    // receiver 1-2 dB worse than ideal still passes and a broken one does not). Measured over
    // 30000 bits: 0 at 3 dB, 1.3e-4 at 0 dB, 2.2e-3 at -2 dB.
    struct Point {
        double snr_db;
        std::size_t max_errors;
    };
    for (const Point p : {Point{20.0, 0}, Point{10.0, 0}, Point{6.0, 0}, Point{3.0, 6}, Point{0.0, 12}}) {
        CAPTURE(p.snr_db);
        const auto s = loopback(Channel::Ch1, p.snr_db, 6000, 100 + static_cast<std::uint64_t>(p.snr_db));
        CAPTURE(s.errors);
        CHECK(s.errors <= p.max_errors);
    }
}

TEST_CASE("FskRx: tolerates a +/-12 Hz frequency offset (V.21 receive tolerance)") {
    for (const double off : {-12.0, 12.0}) {
        for (const Channel ch : {Channel::Ch1, Channel::Ch2}) {
            CAPTURE(off);
            CAPTURE(modem::v21::to_string(ch));
            // At 10 dB SNR the offset must still cost nothing over 3000 bits.
            CHECK(loopback(ch, 10.0, 3000, 5, off).errors == 0);
        }
    }
}

TEST_CASE("FskRx: bit timing follows a transmitter 1 % fast or slow") {
    // A free-running 300 bit/s clock would slip one bit every 100 bits against these.
    for (const double rate : {297.0, 303.0}) {
        CAPTURE(rate);
        auto bits = test::random_bits(3000, 9);
        // Lead-in as in transmit(), the data, then 30 bits of mark.
        std::vector<std::uint8_t> framed(kLeadBits + bits.size() + 30, 1);
        framed[kLeadBits - 1] = 0;
        std::copy(bits.begin(), bits.end(), framed.begin() + kLeadBits);
        const auto x = test::reference_fsk(framed, 980.0, 1180.0, modem::dsp::dbm0_to_peak(kLevelDbm0), rate);
        FskRx rx({.channel = Channel::Ch1});
        const auto t0 = static_cast<SampleTime>(std::ceil(kLeadBits * modem::dsp::kFsHz / rate));
        CHECK(test::score_bits(bits, t0, rate, test::receive(rx, x, 64)).errors == 0);
    }
}

TEST_CASE("FskRx: receives channel 1 with channel 2 10 dB stronger on the line, and vice versa") {
    for (const Channel wanted : {Channel::Ch1, Channel::Ch2}) {
        CAPTURE(modem::v21::to_string(wanted));
        const auto bits = test::random_bits(3000, 21);
        auto x = transmit({.channel = wanted, .level_dbm0 = -20.0, .queue_capacity = 4096}, bits);
        // The other channel (our own echo, or the far end) at -10 dBm0 with unrelated data.
        const auto other_bits = test::random_bits(3100, 22);
        const auto y = transmit({.channel = modem::v21::other(wanted), .level_dbm0 = -10.0, .queue_capacity = 4096}, other_bits);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += y[i];
        test::add_noise(x, -20.0, 20.0, 23);
        FskRx rx({.channel = wanted});
        CHECK(test::score_bits(bits, kDataStart, 300.0, test::receive(rx, x, 160)).errors == 0);
    }
}

TEST_CASE("FskRx: the other channel alone does not raise carrier detect") {
    // Our own transmit echo at -20 dBm0 (a hybrid only 7 dB below our -13 dBm0 transmitter) must
    // stay under the -43 dBm0 threshold after the channel filter. What leaks is the other
    // signal's spectral tail inside our band, measured at about 29 dB down.
    for (const Channel ch : {Channel::Ch1, Channel::Ch2}) {
        CAPTURE(modem::v21::to_string(ch));
        const auto y = transmit({.channel = modem::v21::other(ch), .level_dbm0 = -20.0, .queue_capacity = 4096},
                                test::random_bits(3000, 3));
        FskRx rx({.channel = ch});
        CHECK(test::receive(rx, y, 160).empty());
    }
}

TEST_CASE("FskRx: carrier detect switches on above -43 dBm0 and off below -48 dBm0") {
    // Continuous mark at a sequence of levels; the filter passes the tone at unit gain.
    auto run = [](std::initializer_list<double> levels) {
        FskRx rx({.channel = Channel::Ch1});
        std::vector<bool> states;
        double phase = 0.0;
        for (const double lvl : levels) {
            std::vector<float> x(4000);
            const double a = modem::dsp::dbm0_to_peak(lvl);
            for (auto& v : x) {
                v = static_cast<float>(a * std::sin(phase));
                phase += modem::dsp::kTwoPi * 980.0 / modem::dsp::kFsHz;
            }
            test::receive(rx, x, 100);
            states.push_back(rx.carrier_on());
        }
        return states;
    };
    CHECK(run({-44.0, -42.0, -47.0, -49.0, -44.0}) == std::vector<bool>{false, true, true, false, false});
    CHECK(run({-30.0, -46.0, -40.0, -60.0}) == std::vector<bool>{true, true, true, false});
}

TEST_CASE("FskRx: noise at -40 dBm0 (0..4 kHz) and silence raise no carrier") {
    FskRx rx({.channel = Channel::Ch2});
    auto x = test::white_noise(80000, 77, std::sqrt(modem::dsp::dbm0_to_power(-40.0)));
    x.resize(x.size() + 8000, 0.0f);
    CHECK(test::receive(rx, x, 160).empty());
}

TEST_CASE("FskRx: events do not depend on block size") {
    const auto bits = test::random_bits(600, 31);
    auto x = transmit({.channel = Channel::Ch1, .queue_capacity = 1024}, bits);
    test::add_noise(x, kLevelDbm0, 3.0, 32);  // noisy, so that the timing loop works hard
    x.resize(x.size() + 800, 0.0f);          // and the carrier drops at the end
    FskRx ref_rx({.channel = Channel::Ch1});
    const auto whole = test::receive(ref_rx, x, x.size());
    REQUIRE(whole.back().kind == RxEvent::Kind::CarrierOff);
    for (std::size_t block : {1u, 7u, 64u, 160u, 1023u}) {
        CAPTURE(block);
        FskRx rx({.channel = Channel::Ch1});
        CHECK(test::receive(rx, x, block) == whole);
        rx.reset();
        CHECK(test::receive(rx, x, block) == whole);  // reset() == fresh
    }
}
