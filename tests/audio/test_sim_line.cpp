// SPDX-License-Identifier: MIT
/// \file
/// SimLine: each impairment measured against its configuration, determinism, lockstep behaviour.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "../dsp/naive.hpp"
#include "audio/sim_line.hpp"
#include "dsp/biquad.hpp"
#include "dsp/types.hpp"
#include "support/noise.hpp"

using namespace modem;
using audio::SimLine;

namespace {

std::vector<std::int16_t> to_s16(const std::vector<float>& x) {
    std::vector<std::int16_t> v(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) v[i] = static_cast<std::int16_t>(std::lrint(std::clamp(x[i] * 32768.0f, -32768.0f, 32767.0f)));
    return v;
}
std::vector<double> to_f(const std::vector<std::int16_t>& x) {
    std::vector<double> v(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) v[i] = x[i] / 32768.0;
    return v;
}

struct Received {
    std::vector<std::int16_t> at_a, at_b;
};

/// A sends tx_a, B sends tx_b (silence if empty), both in blocks of `block`, write then read.
Received run(SimLine& line, const std::vector<std::int16_t>& tx_a, std::vector<std::int16_t> tx_b = {}, std::size_t block = 160) {
    if (tx_b.empty()) tx_b.assign(tx_a.size(), 0);
    Received r{std::vector<std::int16_t>(tx_a.size()), std::vector<std::int16_t>(tx_a.size())};
    for (std::size_t i = 0; i < tx_a.size(); i += block) {
        const std::size_t n = std::min(block, tx_a.size() - i);
        line.a().write(std::span<const std::int16_t>(tx_a.data() + i, n));
        line.b().write(std::span<const std::int16_t>(tx_b.data() + i, n));
        CHECK(line.a().read(std::span<std::int16_t>(r.at_a.data() + i, n)) == n);
        CHECK(line.b().read(std::span<std::int16_t>(r.at_b.data() + i, n)) == n);
    }
    return r;
}

SimLine::Config one_way(const SimLine::Direction& d, std::uint64_t seed = 1) { return {.a_to_b = d, .b_to_a = {}, .seed = seed}; }

}  // namespace

TEST_CASE("SimLine: a clean line is transparent and the delay is exact in samples") {
    const auto tx = to_s16(test::white_noise(8000, 1, 0.2));
    for (double ms : {0.0, 0.125, 12.5, 100.0}) {
        CAPTURE(ms);
        SimLine line(one_way({.delay_ms = ms}));
        const auto rx = run(line, tx).at_b;
        const auto d = static_cast<std::size_t>(std::llround(ms * 8));
        for (std::size_t n = 0; n < tx.size(); ++n) REQUIRE(rx[n] == (n >= d ? tx[n - d] : 0));
    }
}

TEST_CASE("SimLine: gain is applied exactly") {
    const auto tx = to_s16(test::white_noise(8000, 2, 0.1));
    for (double g : {-6.0, -20.0, 3.0}) {
        CAPTURE(g);
        SimLine line(one_way({.gain_db = g}));
        const auto rx = run(line, tx).at_b;
        const double a = std::pow(10.0, g / 20.0);
        for (std::size_t n = 0; n < tx.size(); ++n) REQUIRE(std::abs(rx[n] - std::nearbyint(tx[n] * a)) <= 1.0);
        const auto x = to_f(tx), y = to_f(rx);
        CHECK(std::abs(10.0 * std::log10(naive::power(y, 0, y.size()) / naive::power(x, 0, x.size())) - g) < 0.01);
    }
}

TEST_CASE("SimLine: SNR relative to the signal is within 0.5 dB; absolute noise level is as set") {
    const auto tx = to_s16(naive::tone(40000, 1000, dsp::dbm0_to_peak(-10)));  // 5 s at -10 dBm0
    for (double snr : {10.0, 20.0, 30.0}) {
        CAPTURE(snr);
        SimLine line(one_way({.gain_db = -3, .snr_db = snr}, 7));
        const auto rx = run(line, tx).at_b;
        // Noise = received - (scaled sent); skip the first 100 ms window (no reference yet).
        const double a = std::pow(10.0, -3.0 / 20.0);
        std::vector<double> sig, noise;
        for (std::size_t n = 800; n < tx.size(); ++n) {
            sig.push_back(a * tx[n] / 32768.0);
            noise.push_back(rx[n] / 32768.0 - a * tx[n] / 32768.0);
        }
        const double measured = 10.0 * std::log10(naive::power(sig, 0, sig.size()) / naive::power(noise, 0, noise.size()));
        CHECK(std::abs(measured - snr) < 0.5);
    }
    SimLine quiet(one_way({.noise_dbm0 = -40}, 8));
    const auto rx = run(quiet, std::vector<std::int16_t>(40000, 0)).at_b;
    const auto y = to_f(rx);
    CHECK(std::abs(dsp::power_to_dbm0(naive::power(y, 0, y.size())) - (-40.0)) < 0.5);
}

TEST_CASE("SimLine: frequency offset moves a 1000 Hz tone to 1000 + offset within 0.1 Hz") {
    const auto tx = to_s16(naive::tone(16000, 1000, 0.3));
    for (double off : {7.5, -12.0, 0.5}) {
        CAPTURE(off);
        SimLine line(one_way({.freq_offset_hz = off}));
        const auto rx = to_f(run(line, tx).at_b);
        CHECK(std::abs(naive::measure_freq(rx, 1000.0 + off, 400) - (1000.0 + off)) < 0.1);
        // Level unchanged (within the Hilbert transformer's ripple).
        CHECK(std::abs(2.0 * std::abs(naive::correlate(rx, 1000.0 + off, 400, 8400)) / 0.3 - 1.0) < 0.01);
    }
}

TEST_CASE("SimLine: clock offset measured from a 10 s tone is within 10 ppm") {
    const auto tx = to_s16(naive::tone(80000, 1000, 0.3));
    for (double ppm : {150.0, -200.0}) {
        CAPTURE(ppm);
        SimLine line(one_way({.clock_ppm = ppm}));
        const auto rx = to_f(run(line, tx).at_b);
        const double f = naive::measure_freq(rx, 1000.0, 800, 800);
        CHECK(std::abs((f / 1000.0 - 1.0) * 1e6 - ppm) < 10.0);
    }
}

TEST_CASE("SimLine: band-pass passes 1000 Hz within 1 dB and attenuates 100 Hz and 3800 Hz by 20 dB") {
    SimLine::Direction d{.bandpass = true};
    for (bool distort : {false, true}) {
        CAPTURE(distort);
        d.delay_distortion = distort;
        for (auto [f, lo_db, hi_db] : {std::tuple{1000.0, -1.0, 1.0}, std::tuple{100.0, -200.0, -20.0}, std::tuple{3800.0, -200.0, -20.0}}) {
            CAPTURE(f);
            SimLine line(one_way(d));
            const auto tx = to_s16(naive::tone(16000, f, 0.3));
            const auto rx = to_f(run(line, tx).at_b);
            const double g = 20.0 * std::log10(2.0 * std::abs(naive::correlate(rx, f, 8000, 16000)) / 0.3);
            CHECK(g >= lo_db);
            CHECK(g <= hi_db);
        }
    }
}

TEST_CASE("SimLine: delay distortion adds a few hundred microseconds of group delay at the band edges") {
    const dsp::Biquad plain({.sections = SimLine::line_sections({.bandpass = true})});
    const dsp::Biquad loaded({.sections = SimLine::line_sections({.bandpass = true, .delay_distortion = true})});
    auto extra_us = [&](double f) {
        const double rel_loaded = loaded.group_delay_s(f) - loaded.group_delay_s(1700);
        const double rel_plain = plain.group_delay_s(f) - plain.group_delay_s(1700);
        return (rel_loaded - rel_plain) * 1e6;
    };
    CAPTURE(extra_us(400));
    CAPTURE(extra_us(3200));
    CHECK(extra_us(400) > 200.0);
    CHECK(extra_us(400) < 800.0);
    CHECK(extra_us(3200) > 200.0);
    CHECK(extra_us(3200) < 800.0);
    CHECK(SimLine::line_sections({}).empty());
}

TEST_CASE("SimLine: echo of an endpoint's own transmission returns at the set delay and level") {
    const auto tx = to_s16(test::white_noise(8000, 3, 0.2));
    SimLine line({.a_to_b = {.echo = SimLine::Echo{.gain_db = -10, .delay_ms = 20}}});
    const auto r = run(line, tx);
    const double g = std::pow(10.0, -10.0 / 20.0);
    const std::size_t d = 160;
    for (std::size_t n = 0; n < tx.size(); ++n) REQUIRE(std::abs(r.at_a[n] - (n >= d ? tx[n - d] * g : 0.0)) <= 1.0);
    // B hears A normally; B has no echo of its own (it sent silence, and B->A has none).
    for (std::size_t n = 0; n < tx.size(); ++n) REQUIRE(r.at_b[n] == tx[n]);
}

TEST_CASE("SimLine: the same seed gives identical output, another seed does not") {
    const SimLine::Direction d{.gain_db = -2, .snr_db = 15, .noise_dbm0 = -50, .freq_offset_hz = 3, .clock_ppm = 50,
                               .delay_ms = 5, .bandpass = true, .delay_distortion = true,
                               .echo = SimLine::Echo{.gain_db = -15, .delay_ms = 3}};
    const auto tx = to_s16(test::white_noise(12000, 4, 0.1));
    auto once = [&](std::uint64_t seed, std::size_t block) {
        SimLine line({.a_to_b = d, .b_to_a = d, .seed = seed});
        return run(line, tx, tx, block);
    };
    const auto r1 = once(11, 160);
    const auto r2 = once(11, 160);
    CHECK(r1.at_a == r2.at_a);
    CHECK(r1.at_b == r2.at_b);
    CHECK(once(12, 160).at_b != r1.at_b);
    // Write-then-read lockstep: the block size does not change what is heard.
    for (std::size_t block : {1u, 7u, 64u, 1023u}) {
        CAPTURE(block);
        const auto r = once(11, block);
        CHECK(r.at_a == r1.at_a);
        CHECK(r.at_b == r1.at_b);
    }
}

TEST_CASE("SimLine: lockstep details, close, endpoint ownership, bad configuration") {
    SimLine line({.a_to_b = {.delay_ms = 1}});  // 8 samples of delay, shorter than the block
    std::vector<std::int16_t> buf(160, 0), ones(160, 1000);
    // Read before anything was written: 8 samples of line delay, then 152 inserted silence.
    CHECK(line.b().read(buf) == 160);
    CHECK(line.b().stats().xruns == 1);
    CHECK(line.b().stats().dropped_samples == 152);
    line.a().write(ones);
    CHECK(line.b().read(buf) == 160);
    CHECK(std::all_of(buf.begin(), buf.end(), [](std::int16_t v) { return v == 1000; }));
    CHECK(line.a().stats().samples_written == 160);
    CHECK(line.b().stats().samples_read == 320);
    CHECK(line.a().describe().find("endpoint A") != std::string::npos);
    line.b().close();
    line.b().close();  // idempotent
    CHECK(line.b().read(buf) == 0);
    CHECK_THROWS_AS(line.b().write(ones), audio::AudioError);

    auto [a, b] = SimLine::make_pair({.b_to_a = {.gain_db = -6.0206}});
    b->write(ones);
    CHECK(a->read(buf) == 160);
    CHECK(buf[0] == 500);

    CHECK_THROWS_AS(SimLine({.a_to_b = {.delay_ms = -1}}), audio::AudioError);
    CHECK_THROWS_AS(SimLine({.b_to_a = {.clock_ppm = 5000}}), audio::AudioError);
    CHECK_THROWS_AS(SimLine({.a_to_b = {.echo = SimLine::Echo{.gain_db = -10, .delay_ms = -3}}}), audio::AudioError);
}

TEST_CASE("G.711: code values at zero and full scale are those of the Recommendation's tables") {
    namespace g = audio::g711;
    // A-law (Table 1/G.711): 0 and -1 sit in the first interval of each sign, even bits inverted;
    // the largest decoder output is 4032 in 12-bit units (x 8 = 32256).
    CHECK(g::alaw_encode(0) == 0xD5);
    CHECK(g::alaw_encode(-1) == 0x55);
    CHECK(g::alaw_encode(32767) == 0xAA);
    CHECK(g::alaw_encode(-32768) == 0x2A);
    CHECK(g::alaw_decode(0xD5) == 8);
    CHECK(g::alaw_decode(0x55) == -8);
    CHECK(g::alaw_decode(0xAA) == 32256);
    CHECK(g::alaw_decode(0x2A) == -32256);
    // mu-law (Table 2/G.711): all bits inverted; largest output 8031 in 14-bit units (x 4 = 32124).
    CHECK(g::ulaw_encode(0) == 0xFF);
    CHECK(g::ulaw_encode(-1) == 0x7F);
    CHECK(g::ulaw_encode(32767) == 0x80);
    CHECK(g::ulaw_encode(-32768) == 0x00);
    CHECK(g::ulaw_decode(0xFF) == 0);
    CHECK(g::ulaw_decode(0x80) == 32124);
    CHECK(g::ulaw_decode(0x00) == -32124);
}

TEST_CASE("G.711: each law has 256 codes, monotone, and every decoded value lies in its own interval") {
    namespace g = audio::g711;
    for (const auto law : {g::Law::ALaw, g::Law::MuLaw}) {
        CAPTURE(static_cast<int>(law));
        std::vector<int> lo(256, 1 << 20), hi(256, -(1 << 20));
        int prev = -(1 << 20);
        bool monotone = true;
        for (int x = -32768; x <= 32767; ++x) {
            const auto s = static_cast<std::int16_t>(x);
            const std::uint8_t c = law == g::Law::ALaw ? g::alaw_encode(s) : g::ulaw_encode(s);
            lo[c] = std::min(lo[c], x);
            hi[c] = std::max(hi[c], x);
            const int y = g::code(law, s);
            monotone = monotone && y >= prev;
            prev = y;
        }
        CHECK(monotone);
        // mu-law has two codes for zero (0x7F and 0xFF); both are reached.
        int used = 0, outside = 0;
        for (int c = 0; c < 256; ++c) {
            if (lo[c] > hi[c]) continue;
            ++used;
            const int y = law == g::Law::ALaw ? g::alaw_decode(static_cast<std::uint8_t>(c)) : g::ulaw_decode(static_cast<std::uint8_t>(c));
            // The reconstruction is the interval's middle: inside [lo - 1, hi + 1] (the +-1 is
            // the one's-complement shift of negative inputs).
            if (y < lo[c] - 1 || y > hi[c] + 1) ++outside;
        }
        CHECK(used == 256);
        CHECK(outside == 0);
    }
}

TEST_CASE("SimLine: G.711 coding equals the codec applied sample by sample, in tandem in the given order") {
    const auto tx = to_s16(naive::tone(8000, 1000, dsp::dbm0_to_peak(-10)));
    using audio::g711::Law;
    for (const std::vector<Law>& laws : {std::vector<Law>{Law::ALaw}, std::vector<Law>{Law::MuLaw},
                                          std::vector<Law>{Law::ALaw, Law::MuLaw}, std::vector<Law>{Law::MuLaw, Law::ALaw, Law::MuLaw}}) {
        CAPTURE(laws.size());
        SimLine line(one_way({.g711 = laws}));
        const auto rx = run(line, tx).at_b;
        std::size_t differ = 0;
        for (std::size_t n = 0; n < tx.size(); ++n) {
            std::int16_t y = tx[n];
            for (const Law law : laws) y = audio::g711::code(law, y);
            differ += rx[n] != y;
        }
        CHECK(differ == 0);
        // G.712 asks for at least 35 dB signal to total distortion for a sine at -10 dBm0 through
        // one codec; a tandem only loses a little more. The mean-square error is measured here.
        std::vector<double> err(tx.size());
        for (std::size_t n = 0; n < tx.size(); ++n) err[n] = (rx[n] - tx[n]) / 32768.0;
        const auto x = to_f(tx);
        const double sdr = 10.0 * std::log10(naive::power(x, 0, x.size()) / naive::power(err, 0, err.size()));
        CAPTURE(sdr);
        CHECK(sdr > (laws.size() == 1 ? 35.0 : 32.0));
        CHECK(sdr < 45.0);  // it did quantise
    }
}

TEST_CASE("SimLine: a dropout silences exactly its samples, counted before the bulk delay") {
    const auto tx = to_s16(naive::tone(16000, 1000, 0.3));
    SimLine line(one_way({.delay_ms = 10.0, .dropouts = {{.at_ms = 500.0, .duration_ms = 100.0}, {.at_ms = 1500.0, .duration_ms = 20.0}}}));
    const auto rx = run(line, tx).at_b;
    const std::size_t d = 80;  // 10 ms
    std::size_t wrong = 0;
    for (std::size_t n = d; n < rx.size(); ++n) {
        const std::size_t k = n - d;  // sample index leaving the chain
        const bool dead = (k >= 4000 && k < 4800) || (k >= 12000 && k < 12160);
        wrong += rx[n] != (dead ? 0 : tx[k]);
    }
    CHECK(wrong == 0);
}

TEST_CASE("SimLine: a noise burst has its level and place, and leaves the rest of the noise unchanged") {
    const auto tx = to_s16(naive::tone(24000, 1000, dsp::dbm0_to_peak(-10)));
    const SimLine::Direction base{.snr_db = 30.0};
    SimLine::Direction with = base;
    with.bursts = {{.at_ms = 1000.0, .duration_ms = 200.0, .level_dbm0 = -20.0}};
    SimLine plain_line(one_way(base, 5)), burst_line(one_way(with, 5));
    const auto plain = run(plain_line, tx).at_b;
    const auto burst = run(burst_line, tx).at_b;
    std::size_t differ_outside = 0;
    std::vector<double> diff;
    for (std::size_t n = 0; n < tx.size(); ++n) {
        if (n >= 8000 && n < 9600) diff.push_back((burst[n] - plain[n]) / 32768.0);
        else differ_outside += burst[n] != plain[n];
    }
    CHECK(differ_outside == 0);
    const double level = dsp::power_to_dbm0(naive::power(diff, 0, diff.size()));
    CAPTURE(level);
    CHECK(std::abs(level - (-20.0)) < 0.3);
}

TEST_CASE("SimLine: bad dropouts and bursts are refused with one line") {
    CHECK_THROWS_AS(SimLine(one_way({.dropouts = {{.at_ms = -1.0, .duration_ms = 10.0}}})), audio::AudioError);
    CHECK_THROWS_AS(SimLine(one_way({.bursts = {{.at_ms = 0.0, .duration_ms = 10.0, .level_dbm0 = NAN}}})), audio::AudioError);
}
