// SPDX-License-Identifier: MIT
/// \file
/// Soak: a one-hour simulated call at 2400 bit/s on an impaired line (20 dB SNR, 5 Hz, 100 ppm)
/// with both readers and both writers pausing in turn, checking every byte, the process's memory
/// and the receivers' timing, carrier and quality figures over the hour.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <vector>

#include "call_harness.hpp"

using modem::audio::SimLine;

namespace {

/// Resident set size of this process in kB (/proc/self/statm, second field, in pages).
long rss_kb() {
    std::ifstream f("/proc/self/statm");
    long size = 0, resident = 0;
    f >> size >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

struct Figures {
    double min = 1e300, max = -1e300, sum = 0.0, sum2 = 0.0;
    int n = 0;
    void add(double x) {
        min = std::min(min, x);
        max = std::max(max, x);
        sum += x;
        sum2 += x * x;
        ++n;
    }
    double mean() const { return n > 0 ? sum / n : 0.0; }
    double stddev() const { return n > 1 ? std::sqrt(std::max(0.0, sum2 / n - mean() * mean())) : 0.0; }
};

}  // namespace

TEST_CASE("Soak: an hour at 2400 bit/s with 20 dB SNR, 5 Hz, 100 ppm and pausing readers and writers loses nothing" *
          doctest::test_suite("slow")) {
    constexpr double kCallS = 3600.0;        // line time of data offered
    constexpr double kSnrDb = 20.0, kOffsetHz = 5.0, kPpm = 100.0;
    SimLine::Direction d{.snr_db = kSnrDb, .freq_offset_hz = kOffsetHz, .clock_ppm = kPpm, .delay_ms = 5.0};
    // The slow-clock direction drifts 100e-6 * 3700 s = 370 ms over the call: cushion with room.
    d.clock_cushion_ms = 500.0;
    SimLine::Config line{.a_to_b = d, .b_to_a = d, .seed = 2024};
    line.b_to_a.freq_offset_hz = -kOffsetHz;
    line.b_to_a.clock_ppm = -kPpm;

    // Flow control: each reader stops for 20-30 s every few minutes (received bytes wait in the
    // session), each writer for 10-15 s (its tx queue drains, then fills again); never all at once.
    auto paused = [](double t, double period_s, double phase_s, double length_s) {
        return std::fmod(t + phase_s, period_s) < length_s;
    };
    std::vector<std::pair<double, long>> rss;  // (line time s, kB)
    Figures ppm_c, ppm_a, hz_c, hz_a, snr_c, snr_a;
    Figures ppm_first_c, ppm_last_c;  // first and last ten minutes, for drift
    std::uint64_t retrain_seen = 0;
    double next_sample_s = 0.0;
    test::CallSpec spec{
        .line = line,
        .bytes_each_way = ~std::uint64_t{0},
        .max_s = kCallS + 120.0,
        .data_seed = 77,
        .reading = [&](modem::dsp::SampleTime now, bool caller) {
            const double t = modem::dsp::samples_to_seconds(now);
            if (t >= kCallS) return true;
            return caller ? !paused(t, 300.0, 0.0, 20.0) : !paused(t, 450.0, 100.0, 30.0);
        },
        .writing = [&](modem::dsp::SampleTime now, bool caller) {
            const double t = modem::dsp::samples_to_seconds(now);
            return caller ? !paused(t, 200.0, 50.0, 10.0) : !paused(t, 250.0, 170.0, 15.0);
        },
        .offer_until_s = kCallS,
        .monitor = [&](const modem::session::Session& c, const modem::session::Session& a) {
            const double t = modem::dsp::samples_to_seconds(c.now());
            if (t < next_sample_s || c.phase() != modem::session::Phase::Data || a.phase() != modem::session::Phase::Data) return;
            next_sample_s = t + 10.0;
            if (c.pump()->retraining() || a.pump()->retraining()) ++retrain_seen;
            if (t < 60.0) return;  // settled
            const auto& sc = c.pump()->rx_status();
            const auto& sa = a.pump()->rx_status();
            ppm_c.add(sc.clock_ppm);
            ppm_a.add(sa.clock_ppm);
            hz_c.add(sc.freq_offset_hz);
            hz_a.add(sa.freq_offset_hz);
            snr_c.add(sc.snr_db);
            snr_a.add(sa.snr_db);
            if (t < 660.0) ppm_first_c.add(sc.clock_ppm);
            if (t > kCallS - 600.0 && t <= kCallS) ppm_last_c.add(sc.clock_ppm);
            if (std::fmod(t, 300.0) < 10.0) rss.emplace_back(t, rss_kb());
        },
    };
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = test::run_call(spec);
    const double cpu_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    MESSAGE("soak: " << r.end_s << " s of line time in " << cpu_s << " s; connect " << r.connect_s << " s at " << r.rate_caller);
    MESSAGE("soak: caller->answerer " << r.c_to_a.received << " of " << r.c_to_a.sent << " bytes, " << r.c_to_a.differing
                                      << " differ; answerer->caller " << r.a_to_c.received << " of " << r.a_to_c.sent << " bytes, "
                                      << r.a_to_c.differing << " differ; framing " << r.framing_errors << ", parity "
                                      << r.parity_errors << ", retrains " << r.retrains_in_call << ", xruns " << r.xruns << " ("
                                      << r.xrun_samples << " samples)");
    MESSAGE("soak: clock ppm caller rx " << ppm_c.min << ".." << ppm_c.max << " (first 10 min " << ppm_first_c.mean()
                                         << ", last 10 min " << ppm_last_c.mean() << ", sd " << ppm_c.stddev() << "), answerer rx "
                                         << ppm_a.min << ".." << ppm_a.max << " (sd " << ppm_a.stddev() << ")");
    MESSAGE("soak: offset Hz caller rx " << hz_c.min << ".." << hz_c.max << ", answerer rx " << hz_a.min << ".." << hz_a.max
                                         << "; SNR dB caller rx " << snr_c.min << ".." << snr_c.max << ", answerer rx "
                                         << snr_a.min << ".." << snr_a.max);
    for (const auto& [t, kb] : rss) MESSAGE("soak: rss at " << t << " s: " << kb << " kB");

    CHECK(r.rate_caller == 2400);
    CHECK(r.rate_answerer == 2400);
    CHECK(r.end_caller == modem::session::End::LocalHangup);
    CHECK(r.end_answerer == modem::session::End::CarrierLost);
    CHECK(r.retrains_in_call == 0);
    // The clock cushion lasted the hour: the only padded read is the caller's very first one
    // (its incoming direction, the fast clock, has no cushion, and the harness reads before the
    // answerer has written anything).
    CHECK(r.xruns <= 1);
    CHECK(r.xrun_samples <= 160);
    // An hour at 240 characters a second, less the writers' pauses (about 5 % of the time).
    CHECK(r.c_to_a.sent > 780'000);
    CHECK(r.a_to_c.sent > 780'000);
    // Nothing lost or corrupted.
    CHECK(r.c_to_a.exact());
    CHECK(r.a_to_c.exact());
    // Timing recovery tracks the far end's clock error (+-100 ppm each way) and does not wander:
    // the means of the first and last ten minutes agree within 5 ppm (project bound).
    CHECK(std::abs(ppm_c.mean()) > 60.0);
    CHECK(std::abs(ppm_c.mean()) < 140.0);
    CHECK(std::abs(ppm_a.mean()) > 60.0);
    CHECK(std::abs(ppm_a.mean()) < 140.0);
    CHECK(std::abs(ppm_first_c.mean() - ppm_last_c.mean()) < 5.0);
    // Single readings (every 10 s) scatter by about +-50 ppm at 20 dB: bound their spread.
    CHECK(ppm_c.stddev() < 25.0);
    CHECK(ppm_a.stddev() < 25.0);
    // The carrier loop follows the 5 Hz offset (its estimate includes the clock error's 100 ppm
    // of the carrier, 0.1-0.2 Hz) and the quality stays where the line puts it.
    CHECK(std::abs(std::abs(hz_c.mean()) - kOffsetHz) < 1.0);
    CHECK(std::abs(std::abs(hz_a.mean()) - kOffsetHz) < 1.0);
    CHECK(snr_c.min > 14.0);
    CHECK(snr_a.min > 14.0);
    // Memory flat: the last sample within 1 MB of the one at five minutes. Not under
    // AddressSanitizer, whose quarantine holds freed memory back (up to 256 MB) by design.
    REQUIRE(rss.size() >= 2);
#if !defined(__SANITIZE_ADDRESS__)
    CHECK(rss.back().second - rss.front().second < 1024);
#endif
}
