// SPDX-License-Identifier: MIT
/// \file
/// Receiver loopback tests: transmitter -> line -> receiver at both rates, with noise, frequency
/// offset and clock skew, bit errors counted against the sent bits; detector checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <random>

#include "loopback.hpp"
#include "modem/v22bis/rx.hpp"
#include "modem/v22bis/tx.hpp"

using namespace modem::v22bis;
using modem::dsp::ms_to_samples;

namespace {

struct PumpRun {
    test::v22::BerResult ber;
    double snr_est_db = 0.0;
    double freq_est_hz = 0.0;
    double ppm_est = 0.0;
};

/// Trains like the V.22bis handshake (S1, SB1 at 1200, then SB1 at 2400 for the 2400 case), then
/// sends random data; noise (SNR over 0-4 kHz relative to the data power) starts with the data.
PumpRun pump_loopback(Rate rate, std::optional<double> snr_db, const test::v22::OneWay::Config& line_cfg,
                      std::size_t n_bits, Role tx_role = Role::Caller, std::uint64_t seed = 1) {
    const double level = -13.0;
    Tx tx({.role = tx_role, .level_dbm0 = level});
    Rx rx({.role = tx_role == Role::Caller ? Role::Answerer : Role::Caller});
    test::v22::BitLog log(seed);
    tx.set_bit_source([&] { return log.next(); });
    test::v22::OneWay line(line_cfg);
    std::vector<std::uint8_t> got;
    const bool r2400 = rate == Rate::Bps2400;
    const SampleTime t_s1_end = ms_to_samples(100);
    const SampleTime t_16 = ms_to_samples(550);
    const SampleTime t_sb2400 = ms_to_samples(700);
    const SampleTime t_data = ms_to_samples(r2400 ? 900 : 800);
    const SampleTime t_rx_data = t_data + ms_to_samples(100);
    std::vector<float> block(160);
    SampleTime t = 0;
    SampleTime rx_t0 = kNever;
    tx.set_signal(TxSignal::S1);
    const std::size_t max_samples = static_cast<std::size_t>(t_rx_data) + 4000 + n_bits * 8000 / static_cast<std::size_t>(rate) + 16000;
    for (std::size_t s = 0; s < max_samples && got.size() < n_bits; s += block.size(), t += 160) {
        if (t >= t_s1_end) tx.set_signal(TxSignal::ScrambledOnes1200);
        // Receiver switches follow the signal's arrival (SimLine adds delay with clock skew).
        if (rx_t0 == kNever && rx.status().carrier) rx_t0 = t;
        const SampleTime tr = rx_t0 == kNever ? 0 : t - rx_t0;
        if (r2400 && tr >= t_16) rx.set_sixteen_point(true);
        if (r2400 && t >= t_sb2400) tx.set_signal(TxSignal::ScrambledOnes2400);
        if (t >= t_data) {
            tx.set_signal(r2400 ? TxSignal::Data2400 : TxSignal::Data1200);
            if (snr_db) line.set_noise_power(modem::dsp::dbm0_to_power(level) / modem::dsp::db_to_power(*snr_db));
        }
        if (tr >= t_rx_data) rx.set_data_mode(true);
        tx.process(block);
        line.run(block);
        rx.process(block, [&](const RxSymbol& sym) {
            if (tr < t_rx_data) return;
            for (std::size_t i = 0; i < sym.n_bits; ++i) got.push_back(sym.bits[i]);
        });
    }
    PumpRun r;
    r.ber = test::v22::count_errors(log.bits, got, 200, 20000);
    r.snr_est_db = rx.status().snr_db;
    r.freq_est_hz = rx.status().freq_offset_hz;
    r.ppm_est = rx.status().clock_ppm;
    return r;
}

}  // namespace

TEST_CASE("Rx: clean loopback at 2400 and 1200 bit/s is error-free, both channels") {
    for (Role role : {Role::Caller, Role::Answerer})
        for (Rate rate : {Rate::Bps2400, Rate::Bps1200}) {
            CAPTURE(static_cast<int>(rate));
            CAPTURE(static_cast<int>(role));
            const PumpRun r = pump_loopback(rate, std::nullopt, {}, 20000, role);
            std::printf("clean %d role %d: aligned %d bits %zu errors %zu snr %.1f\n", static_cast<int>(rate),
                        static_cast<int>(role), r.ber.aligned, r.ber.bits, r.ber.errors, r.snr_est_db);
            CHECK(r.ber.aligned);
            CHECK(r.ber.bits > 15000);
            CHECK(r.ber.errors == 0);
            CHECK(r.snr_est_db > 30.0);
        }
}

TEST_CASE("Rx: BER over AWGN stays under the stated limits at 2400 (13 dB) and 1200 (6 dB)") {
    // Limits (project choice): the slow sweep measured 0 errors in 1e6 bits at 12.5 dB (2400) and
    // 6.0 dB (1200), and about 1e-5 at 12.2 / 5.0 dB; the targets are 1e-5 at 12.2 / 5.5 dB.
    // 300k bits at 0.3-0.5 dB above the 1e-5 point: allow 6 errors (2e-5, two descrambler bursts).
    for (auto [rate, snr] : {std::pair{Rate::Bps2400, 12.5}, std::pair{Rate::Bps1200, 5.5}}) {
        CAPTURE(static_cast<int>(rate));
        const PumpRun r = pump_loopback(rate, snr, {}, 300000, Role::Caller, 5);
        CHECK(r.ber.aligned);
        CHECK(r.ber.bits > 290000);
        CHECK(r.ber.errors <= 6);
        // Es/N0 = SNR + 10 log10(4000 / 600) for noise over 0-4 kHz: the estimate is within 1 dB.
        CHECK(r.snr_est_db == doctest::Approx(snr + 8.24).epsilon(1.0 / 20.0));
    }
}

TEST_CASE("Rx: +/-7 Hz carrier offset and +/-200 ppm clock error are tolerated at both rates") {
    for (Rate rate : {Rate::Bps2400, Rate::Bps1200})
        for (double f : {-7.0, 7.0})
            for (double ppm : {-200.0, 200.0}) {
                CAPTURE(static_cast<int>(rate));
                CAPTURE(f);
                CAPTURE(ppm);
                const PumpRun r = pump_loopback(rate, std::nullopt,
                                                {.freq_offset_hz = f, .clock_ppm = ppm, .bandpass = true,
                                                 .delay_distortion = true, .seed = 3},
                                                30000);
                CHECK(r.ber.aligned);
                CHECK(r.ber.bits > 25000);
                CHECK(r.ber.errors == 0);
                CHECK(r.freq_est_hz == doctest::Approx(f).epsilon(0.1));
                CHECK(r.ppm_est == doctest::Approx(ppm).epsilon(0.3));
            }
}

TEST_CASE("Rx: detectors see USB1 at its start, S1 and its end, and runs of scrambled ones") {
    Tx tx({.role = Role::Answerer, .guard = GuardTone::Hz1800});
    Rx rx({.role = Role::Caller});
    std::vector<float> b(1);
    SampleTime usb1_first = kNever, s1_first = kNever, s1_end = kNever, ones_first = kNever;
    bool false_s1 = false;
    // Line time: silence 0-50 ms, USB1 50-300 ms, S1 300-400 ms, SB1 from 400 ms (+80 samples of shaping).
    for (SampleTime t = 0; t < ms_to_samples(800); ++t) {
        if (t == ms_to_samples(50)) tx.set_signal(TxSignal::UnscrambledOnes);
        if (t == ms_to_samples(300)) tx.set_signal(TxSignal::S1);
        if (t == ms_to_samples(400)) tx.set_signal(TxSignal::ScrambledOnes1200);
        tx.process(b);
        if (rx.push(b[0])) {
            const RxStatus& st = rx.status();
            if (usb1_first == kNever && st.usb1_since != kNever) usb1_first = st.usb1_since;
            if (st.s1_since != kNever && t < ms_to_samples(250)) false_s1 = true;
            if (s1_first == kNever && st.s1_since != kNever) s1_first = st.s1_since;
            if (s1_first != kNever && st.s1_since == kNever && s1_end == kNever) s1_end = st.s1_last;
            if (ones_first == kNever && st.ones_run >= 32 && t > ms_to_samples(400)) ones_first = st.ones_since;
        }
    }
    const SampleTime shaping = Tx::kDelaySamples;
    CHECK_FALSE(false_s1);
    CHECK(std::abs(usb1_first - (ms_to_samples(50) + shaping)) <= ms_to_samples(30));  // includes AGC/PLL settling
    CHECK(std::abs(s1_first - (ms_to_samples(300) + shaping)) <= ms_to_samples(10));
    CHECK(std::abs(s1_end - (ms_to_samples(400) + shaping)) <= ms_to_samples(6));
    CHECK(std::abs(ones_first - (ms_to_samples(400) + shaping)) <= ms_to_samples(40));  // descrambler sync
}

TEST_CASE("Rx: carrier detect has hysteresis between -43 and -48 dBm0, and noise alone gives no detection") {
    for (double level : {-40.0, -46.0, -50.0}) {
        Tx tx({.role = Role::Caller, .level_dbm0 = level});
        Rx rx({.role = Role::Answerer});
        tx.set_signal(TxSignal::ScrambledOnes1200);
        std::vector<float> b(8000);
        tx.process(b);
        rx.process(b, [](const RxSymbol&) {});
        CAPTURE(level);
        CHECK(rx.status().carrier == (level > -43.0));
        CHECK(rx.status().level_dbm0 == doctest::Approx(level).epsilon(0.03));
    }
    // 10 s of -40 dBm0 white noise over 0-4 kHz: in-band share is about -48 dBm0, below ON.
    Rx rx({.role = Role::Caller});
    test::Gaussian g(77);
    const double sigma = std::sqrt(modem::dsp::dbm0_to_power(-40.0));
    bool any = false;
    for (int i = 0; i < 80000; ++i) {
        rx.push(static_cast<float>(sigma * g()));
        const RxStatus& st = rx.status();
        any |= st.carrier || st.usb1_since != kNever || st.s1_since != kNever;
    }
    CHECK_FALSE(any);
}

TEST_CASE("Rx: output does not depend on the block size") {
    Tx tx({.role = Role::Caller});
    tx.set_signal(TxSignal::ScrambledOnes1200);
    std::vector<float> x(20000);
    tx.process(x);
    auto run = [&](std::size_t block) {
        Rx rx({.role = Role::Answerer});
        std::vector<cf32> pts;
        for (std::size_t i = 0; i < x.size(); i += block)
            rx.process(std::span<const float>(x.data() + i, std::min(block, x.size() - i)),
                       [&](const RxSymbol& s) { pts.push_back(s.point); });
        return pts;
    };
    const auto whole = run(x.size());
    for (std::size_t block : {1u, 7u, 64u, 160u, 1023u}) CHECK(run(block) == whole);
}

TEST_CASE("Rx: BER sweep over AWGN at 2400 and 1200 bit/s, written to v22bis_ber.csv" * doctest::test_suite("slow")) {
    std::ofstream csv("v22bis_ber.csv");
    csv << "rate,snr_db,bits,errors,ber\n";
    for (Rate rate : {Rate::Bps2400, Rate::Bps1200}) {
        const double base = rate == Rate::Bps2400 ? 10.0 : 3.5;
        for (double snr = base; snr <= base + 4.01; snr += 0.5) {
            const PumpRun r = pump_loopback(rate, snr, {}, 1000000, Role::Caller, 11);
            csv << static_cast<int>(rate) << ',' << snr << ',' << r.ber.bits << ',' << r.ber.errors << ',' << r.ber.ber() << '\n';
            std::printf("rate %d snr %.1f bits %zu errors %zu ber %.2e est %.1f\n", static_cast<int>(rate), snr, r.ber.bits,
                        r.ber.errors, r.ber.ber(), r.snr_est_db);
            CHECK(r.ber.aligned);
        }
    }
}

namespace {
/// A trained 2400 bit/s signal like pump_loopback's (S1, SB1 1200, SB1 2400, then data), with
/// noise at 20 dB from the data on, and the times at which the receiver switches.
struct DataSignal {
    std::vector<float> x;
    std::vector<std::uint8_t> sent;
    SampleTime t_16 = 0, t_data = 0;
};
DataSignal data_signal_2400(double seconds, std::uint64_t seed) {
    DataSignal d;
    const double level = -13.0;
    Tx tx({.role = Role::Caller, .level_dbm0 = level});
    test::v22::BitLog log(seed);
    tx.set_bit_source([&] { return log.next(); });
    test::Gaussian g(seed + 1);
    const double sigma = std::sqrt(modem::dsp::dbm0_to_power(level) / modem::dsp::db_to_power(20.0));
    d.x.resize(static_cast<std::size_t>(seconds * modem::dsp::kFsHz));
    d.t_16 = ms_to_samples(550);
    d.t_data = ms_to_samples(1000);
    tx.set_signal(TxSignal::S1);
    for (std::size_t i = 0; i < d.x.size(); i += 160) {
        const auto t = static_cast<SampleTime>(i);
        if (t >= ms_to_samples(100)) tx.set_signal(TxSignal::ScrambledOnes1200);
        if (t >= ms_to_samples(700)) tx.set_signal(TxSignal::ScrambledOnes2400);
        if (t >= ms_to_samples(900)) tx.set_signal(TxSignal::Data2400);
        std::span<float> b(d.x.data() + i, std::min<std::size_t>(160, d.x.size() - i));
        tx.process(b);
        if (t >= ms_to_samples(900))
            for (float& v : b) v += static_cast<float>(sigma * g());
    }
    d.sent = std::move(log.bits);
    return d;
}
}  // namespace

TEST_CASE("Rx: three minutes of 2400 bit/s data at 20 dB SNR decode error-free (timed, ns/sample)" *
          doctest::test_suite("slow")) {
    const DataSignal d = data_signal_2400(180.0, 21);
    std::vector<std::uint8_t> got;
    got.reserve(d.sent.size() + 1000);
    // CPU time of this thread, best of five runs: the figure the performance target is stated in
    // (wall time on a loaded machine measures the other processes).
    double best_ns = 1e300;
    for (int run = 0; run < 5; ++run) {
        Rx rx({.role = Role::Answerer});
        got.clear();
        timespec t0{}, t1{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        for (std::size_t i = 0; i < d.x.size(); i += 160) {
            const auto t = static_cast<SampleTime>(i);
            if (t >= d.t_16) rx.set_sixteen_point(true);
            if (t >= d.t_data) rx.set_data_mode(true);
            rx.process(std::span<const float>(d.x.data() + i, std::min<std::size_t>(160, d.x.size() - i)),
                       [&](const RxSymbol& s) {
                           for (std::size_t k = 0; k < s.n_bits; ++k) got.push_back(s.bits[k]);
                       });
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        const double ns = 1e9 * static_cast<double>(t1.tv_sec - t0.tv_sec) + static_cast<double>(t1.tv_nsec - t0.tv_nsec);
        best_ns = std::min(best_ns, ns);
    }
    std::printf("Rx 2400 bit/s: %.2f ns/sample CPU time (best of 5) over %zu samples (SIMD %s)\n",
                best_ns / static_cast<double>(d.x.size()), d.x.size(),
                std::string(modem::dsp::kernels::to_string(modem::dsp::kernels::active().isa)).c_str());
    // The data start in `got` is somewhere after 1 s; count_errors finds it.
    const test::v22::BerResult r = test::v22::count_errors(d.sent, got, 4000, 40000);
    CHECK(r.aligned);
    CHECK(r.bits > 400000);
    CHECK(r.errors == 0);
}

TEST_CASE("Rx: every SIMD kernel table decodes the same bits, with points a rounding drift apart") {
    // The matched filter runs on kernels::dot; tables sum in different orders, so points may differ
    // in the last bits, but 2 s of 2400 bit/s data at 20 dB SNR must give identical decisions.
    const DataSignal d = data_signal_2400(2.0, 33);
    const std::string_view was = modem::dsp::kernels::to_string(modem::dsp::kernels::active().isa);
    auto run = [&](const modem::dsp::kernels::Table* t) {
        REQUIRE(modem::dsp::kernels::select(modem::dsp::kernels::to_string(t->isa)));
        Rx rx({.role = Role::Answerer});
        std::vector<std::uint8_t> bits;
        std::vector<cf32> pts;
        for (std::size_t i = 0; i < d.x.size(); i += 160) {
            const auto t0 = static_cast<SampleTime>(i);
            if (t0 >= d.t_16) rx.set_sixteen_point(true);
            if (t0 >= d.t_data) rx.set_data_mode(true);
            rx.process(std::span<const float>(d.x.data() + i, std::min<std::size_t>(160, d.x.size() - i)),
                       [&](const RxSymbol& s) {
                           pts.push_back(s.point);
                           for (std::size_t k = 0; k < s.n_bits; ++k) bits.push_back(s.bits[k]);
                       });
        }
        return std::pair{bits, pts};
    };
    const auto avail = modem::dsp::kernels::available();
    const auto ref = run(avail[0]);  // scalar first
    CHECK(ref.first.size() > 3000);
    for (const auto* t : avail) {
        CAPTURE(modem::dsp::kernels::to_string(t->isa));
        const auto got = run(t);
        CHECK(got.first == ref.first);
        REQUIRE(got.second.size() == ref.second.size());
        float worst = 0.0f;
        for (std::size_t i = 0; i < got.second.size(); ++i) worst = std::max(worst, std::abs(got.second[i] - ref.second[i]));
        // Grid units (points at +/-1, +/-3, decision boundaries 1 away). The adaptive loops carry a
        // rounding difference forward, so it grows past float epsilon (measured 5e-3 over 2 s); a
        // real divergence would be of the order of the noise (0.3 at 20 dB) or flip bits.
        CHECK(worst < 0.02f);
    }
    modem::dsp::kernels::select(was);
}


TEST_CASE("Descrambler: a block of 2 or 4 line bits gives the same data bits as bit by bit, across the 64-ones rule") {
    // Random line bits with long runs of ones mixed in, so the rule fires inside and across blocks.
    std::mt19937_64 rng(77);
    Descrambler one_by_one(0x1234u), blocks(0x1234u);
    int rule_points = 0;  // line bits that end a run of 65 ones or more: the rule has fired
    int run = 0;
    for (int k = 0; k < 20000; ++k) {
        const int n = (k / 500) % 2 == 0 ? 4 : 2;
        const bool run_of_ones = (rng() % 50) == 0;
        std::uint32_t line = 0;
        for (int i = 0; i < n; ++i) line = (line << 1) | (run_of_ones || k % 97 < 20 ? 1u : static_cast<std::uint32_t>(rng() & 1u));
        std::uint32_t expect = 0;
        for (int t = n - 1; t >= 0; --t) expect = (expect << 1) | one_by_one(static_cast<std::uint8_t>((line >> t) & 1u));
        REQUIRE(blocks.block(line, n) == expect);
        for (int t = n - 1; t >= 0; --t) {
            run = ((line >> t) & 1u) != 0 ? run + 1 : 0;
            rule_points += run > 64 ? 1 : 0;
        }
    }
    CHECK(rule_points > 100);
}
