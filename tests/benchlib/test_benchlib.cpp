// SPDX-License-Identifier: MIT
/// \file
/// The bench library: error counting with alignment, threshold interpolation, the noisy replay's
/// SNR, trial lines, JSON round trip, table verdicts, CSV and PNG files, and a short BER sweep of
/// our modem on a recorded call.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "dsp/types.hpp"
#include "modem/bench/ber.hpp"
#include "modem/bench/measure.hpp"
#include "modem/bench/ours.hpp"
#include "modem/bench/report.hpp"
#include "modem/bench/signals.hpp"

using namespace modem::bench;
using modem::v22bis::Rate;
using modem::v22bis::Role;

namespace {

std::vector<std::uint8_t> random_bits(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng() & 1);
    return v;
}

std::filesystem::path temp_dir(const std::string& name) {
    auto d = std::filesystem::temp_directory_path() / ("squeal_benchlib_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
}

Figures sample_figures(const std::string& name, double threshold_db) {
    Figures f{.implementation = name, .version = "1"};
    BerCurve c{.rate_bps = 2400, .receiver = Role::Caller};
    c.points = {{.snr_db = 10, .bits = 1000, .errors = 100, .aligned = true},
                {.snr_db = 12, .bits = 100000, .errors = 1, .aligned = true},
                {.snr_db = 14, .bits = 100000, .errors = 0, .aligned = true}};
    c.threshold = {Threshold::Kind::Found, threshold_db};
    f.curves.push_back(c);
    f.handshake = HandshakeResult{.snr_db = 16, .trials = 100, .at_2400 = 99, .at_1200 = 1, .failed = 0};
    f.rx_ns_per_sample = 5.0;
    f.pump_ns_per_sample = 9.0;
    f.run_seconds = 1.5;
    f.inputs_fingerprint = 0xFEDCBA9876543210ull;
    return f;
}

}  // namespace

TEST_CASE("BerCounter: counts exactly the injected errors after a lead of training ones") {
    const auto sent = random_bits(20000, 5);
    std::vector<std::uint8_t> got(700 + sent.size(), 1);  // scrambled ones delivered before the data
    for (std::size_t i = 0; i < sent.size(); ++i) got[700 + i] = sent[i];
    const std::size_t skip = 1000;
    std::size_t injected = 0;
    for (std::size_t j = 5; j < sent.size(); j += 397) {  // some inside the skipped part, uncounted
        got[700 + j] ^= 1;
        if (j >= skip && j < skip + 15000) ++injected;
    }
    BerCounter c(sent, {.skip_bits = skip, .max_bits = 15000});
    for (auto b : got) c.push(b);
    CHECK(c.aligned());
    CHECK(c.lead() == 700);
    CHECK(c.done());
    CHECK(c.bits() == 15000);
    CHECK(c.errors() == injected);
    const BerPoint p = c.result(9.0, true);
    CHECK(p.errors == injected);
    CHECK(p.bits == 15000);
}

TEST_CASE("BerCounter: bits never delivered count as errors, an unaligned stream as half wrong") {
    const auto sent = random_bits(10000, 6);
    BerCounter short_stream(sent, {.skip_bits = 0, .max_bits = 8000});
    for (std::size_t i = 0; i < 3000; ++i) short_stream.push(sent[i]);
    CHECK(short_stream.errors() == 0);
    CHECK(short_stream.result(0, false).bits == 3000);
    CHECK(short_stream.result(0, false).errors == 0);
    CHECK(short_stream.result(0, true).bits == 8000);
    CHECK(short_stream.result(0, true).errors == 5000);

    BerCounter garbage(sent, {.skip_bits = 0, .max_bits = 8000, .max_lead = 500});
    for (auto b : random_bits(2000, 99)) garbage.push(b);
    CHECK_FALSE(garbage.aligned());
    CHECK(garbage.gave_up());
    CHECK(garbage.result(0, true).errors == 4000);
    CHECK_THROWS_AS(BerCounter(sent, {.skip_bits = 9900}), std::invalid_argument);
}

TEST_CASE("snr_at_ber: log-linear interpolation finds the crossing of an exact exponential curve") {
    // log10(BER) = -0.5 (snr - 2): 1e-5 at exactly 12 dB.
    std::vector<BerPoint> pts;
    for (double s = 8.0; s <= 14.0; s += 1.0) {
        const double ber = std::pow(10.0, -0.5 * (s - 2.0));
        pts.push_back({.snr_db = s, .bits = 100000000, .errors = static_cast<std::size_t>(std::llround(ber * 1e8)), .aligned = true});
    }
    const Threshold t = snr_at_ber(pts, 1e-5);
    CHECK(t.kind == Threshold::Kind::Found);
    CHECK(t.snr_db == doctest::Approx(12.0).epsilon(1e-6));
    // Grid order does not matter.
    std::reverse(pts.begin(), pts.end());
    CHECK(snr_at_ber(pts, 1e-5).snr_db == doctest::Approx(12.0).epsilon(1e-6));
}

TEST_CASE("snr_at_ber: a point without errors counts as 0.5/bits; off-grid crossings are bounds") {
    // 1e-3 at 10 dB, no errors in 1e6 bits at 11 dB (taken as 5e-7):
    // 10 + (log 1e-5 - log 1e-3) / (log 5e-7 - log 1e-3) = 10 + 2 / 3.30103.
    const std::vector<BerPoint> pts{{.snr_db = 10, .bits = 1000000, .errors = 1000, .aligned = true},
                                    {.snr_db = 11, .bits = 1000000, .errors = 0, .aligned = true}};
    const Threshold t = snr_at_ber(pts, 1e-5);
    CHECK(t.kind == Threshold::Kind::Found);
    CHECK(t.snr_db == doctest::Approx(10.0 + 2.0 / (3.0 - std::log10(0.5))).epsilon(1e-9));

    const std::vector<BerPoint> all_good{{.snr_db = 4, .bits = 1000000, .errors = 2, .aligned = true}};
    CHECK(snr_at_ber(all_good, 1e-5).kind == Threshold::Kind::BelowGrid);
    const std::vector<BerPoint> all_bad{{.snr_db = 4, .bits = 1000, .errors = 200, .aligned = true},
                                        {.snr_db = 5, .bits = 1000, .errors = 100, .aligned = true}};
    const Threshold above = snr_at_ber(all_bad, 1e-5);
    CHECK(above.kind == Threshold::Kind::AboveGrid);
    CHECK(above.snr_db == 5.0);
    CHECK(snr_at_ber({}, 1e-5).kind == Threshold::Kind::NoData);
    CHECK(snr_grid(8.0, 9.0, 0.5) == std::vector<double>{8.0, 8.5, 9.0});
}

TEST_CASE("NoisyPlayback: noise only from noise_from, at the requested SNR, the same for the same seed") {
    std::vector<std::int16_t> clean(200000);
    for (std::size_t i = 0; i < clean.size(); ++i)
        clean[i] = static_cast<std::int16_t>(std::lround(4000.0 * std::sin(0.3 * static_cast<double>(i))));
    const double p = mean_power(clean, 0, clean.size());
    CHECK(p == doctest::Approx(4000.0 * 4000.0 / 2.0 / (32768.0 * 32768.0)).epsilon(0.01));
    const NoisyPlayback::Config cfg{.snr_db = 10.0, .noise_from = 1000, .signal_power = p, .seed = 3};
    auto play = [&](const NoisyPlayback::Config& c) {
        NoisyPlayback pb(clean, c);
        std::vector<std::int16_t> out(clean.size());
        std::size_t pos = 0;
        while (const std::size_t n = pb.read(std::span<std::int16_t>(out).subspan(pos, std::min<std::size_t>(160, out.size() - pos))))
            pos += n;
        CHECK(pos == clean.size());
        return out;
    };
    const auto a = play(cfg);
    CHECK(std::equal(a.begin(), a.begin() + 1000, clean.begin()));
    double noise = 0.0;
    for (std::size_t i = 1000; i < a.size(); ++i) {
        const double d = (a[i] - clean[i]) / 32768.0;
        noise += d * d;
    }
    noise /= static_cast<double>(a.size() - 1000);
    CHECK(10.0 * std::log10(p / noise) == doctest::Approx(10.0).epsilon(0.005));  // 199000 samples: +/-0.03 dB
    CHECK(play(cfg) == a);
    NoisyPlayback::Config other = cfg;
    other.seed = 4;
    CHECK(play(other) != a);
    CHECK_THROWS_AS(NoisyPlayback(clean, {.snr_db = 10.0, .signal_power = 0.0}), std::invalid_argument);
}

TEST_CASE("trial_line: offsets alternate in sign, noise sits snr_db below each sender's received power") {
    const HandshakeConfig hc{.snr_db = 16.0, .caller_rx_power = 1e-3, .answerer_rx_power = 2e-3};
    for (int trial = 0; trial < 4; ++trial) {
        CAPTURE(trial);
        const auto lc = trial_line(hc, trial);
        CHECK(std::abs(lc.a_to_b.freq_offset_hz) == 7.0);
        CHECK(lc.a_to_b.freq_offset_hz == lc.b_to_a.freq_offset_hz);
        CHECK(std::abs(lc.a_to_b.clock_ppm) == 100.0);
        CHECK(lc.a_to_b.clock_ppm == -lc.b_to_a.clock_ppm);
        CHECK(lc.a_to_b.bandpass);
        CHECK(lc.b_to_a.delay_distortion);
        REQUIRE(lc.a_to_b.noise_dbm0.has_value());
        CHECK(modem::dsp::dbm0_to_power(*lc.a_to_b.noise_dbm0) == doctest::Approx(1e-3 / std::pow(10.0, 1.6)));
        CHECK(modem::dsp::dbm0_to_power(*lc.b_to_a.noise_dbm0) == doctest::Approx(2e-3 / std::pow(10.0, 1.6)));
    }
    CHECK(trial_line(hc, 0).a_to_b.freq_offset_hz != trial_line(hc, 1).a_to_b.freq_offset_hz);
    CHECK(trial_line(hc, 0).a_to_b.clock_ppm != trial_line(hc, 2).a_to_b.clock_ppm);
    CHECK_THROWS_AS(trial_line(HandshakeConfig{}, 0), std::invalid_argument);
}

TEST_CASE("Figures: JSON round trip keeps every figure") {
    const Figures f = sample_figures("spandsp", 12.5);
    const Figures g = figures_from_json(nlohmann::json::parse(to_json(f).dump()));
    CHECK(g.implementation == "spandsp");
    REQUIRE(g.curves.size() == 1);
    CHECK(g.curves[0].points.size() == 3);
    CHECK(g.curves[0].points[1].errors == 1);
    CHECK(g.curves[0].threshold.snr_db == 12.5);
    CHECK(g.curves[0].receiver == Role::Caller);
    REQUIRE(g.handshake.has_value());
    CHECK(g.handshake->at_2400 == 99);
    CHECK(g.rx_ns_per_sample == 5.0);
    CHECK(g.inputs_fingerprint == 0xFEDCBA9876543210ull);  // 64 bits survive (sent as a string)
    CHECK_THROWS_AS(figures_from_json(nlohmann::json::parse(R"({"implementation": 3})")), std::runtime_error);
}

TEST_CASE("print_table: verdicts follow the targets; a missing companion is named") {
    std::ostringstream os;
    const Figures ours = sample_figures("squeal", 12.0);
    Figures theirs = sample_figures("spandsp", 13.0);
    theirs.rx_ns_per_sample = 18.0;
    print_table(os, ours, &theirs, "");
    const std::string t = os.str();
    CHECK(t.find("12.00 dB") != std::string::npos);
    CHECK(t.find("13.00 dB") != std::string::npos);
    CHECK(t.find("<= 6.0 (spandsp/3)") != std::string::npos);
    CHECK(t.find("NO") == std::string::npos);  // 12.0 <= 12.2, 99/100, 5 <= 6

    std::ostringstream os2;
    const Figures slow = sample_figures("squeal", 12.5);
    print_table(os2, slow, nullptr, "not built (needs libspandsp-dev)");
    CHECK(os2.str().find("not built (needs libspandsp-dev)") != std::string::npos);
    CHECK(os2.str().find("NO") != std::string::npos);  // 12.5 > 12.2
}

TEST_CASE("write_ber_csv and plot_ber_png: one CSV row per point and a valid PNG") {
    const auto dir = temp_dir("files");
    const std::vector<Figures> figs{sample_figures("squeal", 12.0), sample_figures("spandsp", 13.0)};
    write_ber_csv((dir / "b.csv").string(), figs);
    plot_ber_png((dir / "b.png").string(), figs);
    std::ifstream csv(dir / "b.csv");
    std::string line;
    std::getline(csv, line);
    CHECK(line == "implementation,rate_bps,receiver,snr_db,bits,errors,ber,aligned");
    int rows = 0;
    while (std::getline(csv, line)) ++rows;
    CHECK(rows == 6);
    std::ifstream png(dir / "b.png", std::ios::binary);
    char sig[8]{};
    png.read(sig, 8);
    CHECK(std::string(sig, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    CHECK(std::filesystem::file_size(dir / "b.png") > 1000);
    CHECK_THROWS_AS(write_ber_csv((dir / "no" / "such" / "x.csv").string(), figs), std::runtime_error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("make_inputs: the same options give the same inputs, another seed other inputs") {
    const BenchOptions opt{.seed = 3, .max_bits = 2000, .throughput = false};
    const BenchInputs a = make_inputs(opt), b = make_inputs(opt);
    CHECK(fingerprint(a) == fingerprint(b));
    CHECK(a.at_1200.from_caller.bits.size() >= 2000 + 600);
    BenchOptions other = opt;
    other.seed = 4;
    CHECK(fingerprint(make_inputs(other)) != fingerprint(a));
}

TEST_CASE("ber_sweep: our modem on the recorded far end is error-free at 20 dB and not at 2 dB") {
    const Recording rec = record_call({.rate = Rate::Bps2400, .data_bits = 30000, .seed = 7});
    CHECK(rec.from_answerer.bits.size() >= 30000);
    CHECK(rec.from_answerer.data_from > 0);
    // -13 dBm0 transmit level (our Modem's default).
    CHECK(modem::dsp::power_to_dbm0(rec.from_answerer.data_power) == doctest::Approx(-13.0).epsilon(0.03));
    OurImplementation ours;
    SweepConfig sc{.snr_db = {2.0, 20.0}, .max_bits = 20000, .skip_bits = 1200, .stop_after_clean = 5};
    const auto pts = ber_sweep(ours, rec.from_answerer, Rate::Bps2400, sc);
    REQUIRE(pts.size() == 2);
    CHECK(pts[0].ber() > 1e-2);
    CHECK(pts[1].aligned);
    CHECK(pts[1].bits == 20000);
    CHECK(pts[1].errors == 0);
    // Same input, same answer.
    CHECK(ber_sweep(ours, rec.from_answerer, Rate::Bps2400, sc)[0].errors == pts[0].errors);
}

TEST_CASE("OurImplementation: the transmitter-only path sends data at 2400 bit/s once timing starts") {
    // The receiver's throughput is the pump's minus this path's, so it must be doing the real work.
    OurImplementation ours;
    CHECK(ours.make_rx_only(Role::Caller, Rate::Bps2400, {}) == nullptr);
    std::size_t bits = 0;
    auto tx = ours.make_tx_only(Role::Caller, Rate::Bps2400, [&bits](std::uint8_t) { ++bits; });
    const std::vector<std::int16_t> silence(160, 0);
    for (int i = 0; i < 50; ++i) tx->receive(silence);  // 1 s in the pump: no data yet
    CHECK(bits == 0);
    tx->start_timing();
    for (int i = 0; i < 50; ++i) tx->receive(silence);  // 1 s of data: 2400 bits, +/- a symbol
    CHECK(bits >= 2392);
    CHECK(bits <= 2408);
}
