// SPDX-License-Identifier: MIT
/// \file
/// The bench library: error counting with alignment, threshold interpolation, the noisy replay's
/// SNR, trial lines, JSON round trip, table verdicts, CSV and PNG files, and a short BER sweep of
/// our modem on a recorded call.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>

#include "dsp/types.hpp"
#include "modem/bench/baseline.hpp"
#include "modem/bench/ber.hpp"
#include "modem/bench/channels.hpp"
#include "modem/bench/measure.hpp"
#include "modem/bench/ours.hpp"
#include "modem/bench/pipeline.hpp"
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
    OurImplementation ours;
    std::size_t bits = 0;
    auto tx = ours.make_tx_only(Role::Caller, Rate::Bps2400, [&bits](std::span<const std::uint8_t> b) { bits += b.size(); });
    const std::vector<std::int16_t> silence(160, 0);
    for (int i = 0; i < 50; ++i) tx->receive(silence);  // 1 s in the pump: no data yet
    CHECK(bits == 0);
    tx->start_timing();
    for (int i = 0; i < 50; ++i) tx->receive(silence);  // 1 s of data: 2400 bits, +/- a symbol
    CHECK(bits >= 2392);
    CHECK(bits <= 2408);
}

TEST_CASE("OurImplementation: the receiver alone trains on the recorded handshake and decodes the far end error-free") {
    // The receive-only figure must time a receiver doing the real work: in data, every bit right.
    OurImplementation ours;
    for (Rate rate : {Rate::Bps2400, Rate::Bps1200}) {
        CAPTURE(static_cast<int>(rate));
        const Recording rec = record_call({.rate = rate, .data_bits = 6000, .seed = 5});
        BerCounter counter(rec.from_answerer.bits, {.skip_bits = 600, .max_bits = 4000});
        auto rx = ours.make_rx_only(Role::Caller, rate, [&](std::span<const std::uint8_t> b) {
            for (std::uint8_t v : b) counter.push(v);
        });
        REQUIRE(rx != nullptr);
        const std::span<const std::int16_t> x(rec.from_answerer.samples);
        for (std::size_t pos = 0; pos < x.size(); pos += 160) rx->receive(x.subspan(pos, std::min<std::size_t>(160, x.size() - pos)));
        const BerPoint p = counter.result(99.0, true);
        CHECK(p.aligned);
        CHECK(p.bits == 4000);
        CHECK(p.errors == 0);
    }
}

TEST_CASE("make_v21_signal: our V.21 receiver gets the bits back; time_signal and the V.8 answerer run on it") {
    std::vector<std::uint8_t> sent;
    const auto x = make_v21_signal(2.0, 3, sent);
    CHECK(x.size() == 16000);
    CHECK(sent.size() >= 600);  // 300 bit/s for 2 s, plus what is queued
    OurImplementation ours;
    std::vector<std::uint8_t> got;
    auto rx = ours.make_v21_rx([&got](std::span<const std::uint8_t> b) { got.insert(got.end(), b.begin(), b.end()); });
    for (std::size_t pos = 0; pos < x.size(); pos += 160) rx->receive(std::span<const std::int16_t>(x).subspan(pos, 160));
    // After the carrier comes on the bits are the sent ones from some offset (carrier detect delay).
    REQUIRE(got.size() >= 550);
    // got[40 + i] == sent[40 + i + d] for one shift d (bits lost or gained before lock), 500 bits.
    bool found = false;
    for (int d = -30; d <= 30 && !found; ++d) {
        bool same = true;
        for (std::size_t i = 0; i < 500 && same; ++i)
            same = got[40 + i] == sent[static_cast<std::size_t>(40 + static_cast<int>(i) + d)];
        found = same;
    }
    CHECK(found);
    const double ns = time_signal([&] { return ours.make_v21_rx({}); }, x, 1);
    CHECK(ns > 0.0);
    CHECK(ns < 1e5);
    const auto v8 = make_v8_caller_signal();
    CHECK(v8.size() > 8000);  // a negotiation takes more than a second
    CHECK(time_signal([&] { return ours.make_v8_answerer(); }, v8, 1) > 0.0);
}

// The heap figures come from glibc's mallinfo2(); AddressSanitizer replaces malloc, so under it
// they are 0 and mean nothing (the memory targets are measured in the normal build).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kHeapCounted = false;
#else
constexpr bool kHeapCounted = true;
#endif

TEST_CASE("heap_bytes_per_instance: counts what each instance allocates") {
    if (!kHeapCounted) {
        MESSAGE("skipped: ASan's allocator bypasses mallinfo2");
        return;
    }
    const double b = heap_bytes_per_instance([] { return std::shared_ptr<void>(std::make_shared<std::vector<char>>(10000)); }, 16);
    CHECK(b >= 10000.0);
    CHECK(b <= 10000.0 + 256.0);  // the control block, the vector object and malloc's headers
    CHECK_THROWS_AS(heap_bytes_per_instance([] { return std::shared_ptr<void>(); }, 0), std::invalid_argument);
}

TEST_CASE("OurImplementation: a short whole call connects at 2400 and moves every byte both ways") {
    OurImplementation ours;
    const auto r = ours.run_whole_call({.bytes = 300, .seed = 2});
    REQUIRE(r.has_value());
    CHECK(r->ok);
    CHECK(r->note.empty());
    CHECK(r->line_seconds > 2.0);   // V.8 and the handshake alone take seconds
    CHECK(r->line_seconds < 20.0);
    CHECK(r->wall_seconds > 0.0);
    const auto mem = ours.memory(4);
    REQUIRE(mem.size() == 3);
    if (!kHeapCounted) return;
    for (const MemoryFigure& m : mem) {
        CAPTURE(m.key);
        CHECK(m.bytes > 1000.0);
        CHECK(m.bytes < 4.0 * 1024 * 1024);
    }
}

TEST_CASE("run_channels: every modem of a small bank reaches data and receives in the timed part") {
    const ChannelsResult r = run_channels({.channels = 4, .seconds = 0.5, .threads = 2});
    CHECK(r.all_in_data);
    CHECK(r.data_flowed);
    CHECK(r.line_seconds == doctest::Approx(0.5));
    CHECK(r.x_real_time() > 1.0);
    CHECK(r.sustained() == doctest::Approx(4 * r.x_real_time()));
    CHECK_THROWS_AS(run_channels({.channels = 6, .threads = 2}), std::invalid_argument);  // 3 ends per thread
}

namespace {

Figures pipeline_figures(const std::string& name, double rx_ns) {
    Figures f = sample_figures(name, 12.0);
    f.speeds = {{.key = "v22bis_rx_2400", .what = "rx", .ns_per_sample = rx_ns, .signal_seconds = 20.0},
                {.key = "whole_call", .what = "call", .ns_per_sample = 20.0, .signal_seconds = 100.0, .ok = true},
                {.key = "decode", .what = "decode", .ns_per_sample = 100.0, .signal_seconds = 600.0, .ok = false, .note = "n"}};
    f.memory = {{"v22bis_modem", "pump", 50000.0}};
    f.extra = {{"channels_per_core", "per core", 5000.0, "modems"}, {"startup_version_ms", "start", 3.0, "ms"}};
    return f;
}

}  // namespace

TEST_CASE("Figures JSON: every pipeline field is written and read back") {
    const Figures f = pipeline_figures("squeal", 5.0);
    const auto j = to_json(f);
    for (const char* k : {"implementation", "version", "run_seconds", "inputs_fingerprint", "ber", "handshake",
                          "rx_ns_per_sample", "rx_by_difference", "tx_ns_per_sample", "pump_ns_per_sample", "speeds",
                          "memory", "extra"})
        CHECK_MESSAGE(j.contains(k), k);
    for (const char* k : {"key", "what", "ns_per_sample", "x_real_time", "signal_seconds", "ok", "note"})
        CHECK_MESSAGE(j["speeds"][0].contains(k), k);
    CHECK(j["speeds"][0]["x_real_time"].get<double>() == doctest::Approx(1e9 / (5.0 * 8000.0)));
    const Figures g = figures_from_json(nlohmann::json::parse(j.dump()));
    REQUIRE(g.speeds.size() == 3);
    CHECK(g.speeds[2].key == "decode");
    CHECK_FALSE(g.speeds[2].ok);
    CHECK(g.speeds[2].note == "n");
    CHECK(g.speed("whole_call")->ns_per_sample == 20.0);
    REQUIRE(g.memory_of("v22bis_modem") != nullptr);
    CHECK(g.memory_of("v22bis_modem")->bytes == 50000.0);
    CHECK(g.extra_of("channels_per_core")->value == 5000.0);
    CHECK(g.extra_of("startup_version_ms")->unit == "ms");
}

TEST_CASE("print_pipeline_table: speed-ups over spandsp and real-time targets get verdicts") {
    const Figures ours = pipeline_figures("squeal", 5.0);
    const Figures theirs = pipeline_figures("spandsp", 18.0);
    std::ostringstream os;
    print_pipeline_table(os, ours, &theirs, "");
    const std::string t = os.str();
    CHECK(t.find("3.60x") != std::string::npos);   // 18 / 5
    CHECK(t.find("6250") != std::string::npos);    // whole call: 1e9 / (20 * 8000) x real time
    auto row = [](const std::string& table, const std::string& start) {
        std::istringstream in(table);
        for (std::string line; std::getline(in, line);)
            if (line.rfind(start, 0) == 0) return line;
        return std::string();
    };
    CHECK(row(t, "call").find(">= 5000x real time") != std::string::npos);
    CHECK(row(t, "call").ends_with("| yes"));
    CHECK(row(t, "rx").ends_with("| yes"));
    CHECK(t.find("NOT OK") != std::string::npos);  // the decode figure that failed says so
    std::ostringstream slow;
    print_pipeline_table(slow, pipeline_figures("squeal", 7.0), &theirs, "");
    CHECK(row(slow.str(), "rx").ends_with("| NO"));  // 18 / 7 < 3
}

TEST_CASE("baseline: a ratio 20 % down is flagged, 5 % down is not, and the file round-trips") {
    const Figures theirs = pipeline_figures("spandsp", 18.0);
    const Ratios base = ratios_of(pipeline_figures("squeal", 5.0), &theirs);
    CHECK(base.at("speedup.v22bis_rx_2400") == doctest::Approx(3.6));
    CHECK(base.count("x_real_time.whole_call") == 1);
    CHECK(base.count("extra.channels_per_core") == 1);
    CHECK(base.count("extra.startup_version_ms") == 0);  // times are not ratios
    Ratios now = base;
    now["speedup.v22bis_rx_2400"] *= 0.8;   // 20 % drop
    now["x_real_time.whole_call"] *= 0.95;  // 5 %: noise
    const auto regs = compare(base, now);
    REQUIRE(regs.size() == 1);
    CHECK(regs[0].name == "speedup.v22bis_rx_2400");
    CHECK(regs[0].drop() == doctest::Approx(0.2));
    std::ostringstream os;
    print_regressions(os, regs, base.size());
    CHECK(os.str().find("WARNING: speedup.v22bis_rx_2400 fell 20.0 %") != std::string::npos);
    // A slower receiver measured the same way shows up as the same warning.
    const Ratios slower = ratios_of(pipeline_figures("squeal", 6.25), &theirs);  // 18/6.25 = 2.88 = 0.8 * 3.6
    CHECK(compare(base, slower).size() >= 1);
    const auto dir = temp_dir("baseline");
    save_baseline((dir / "b.json").string(), base, "test");
    CHECK(load_baseline((dir / "b.json").string()) == base);
    CHECK_THROWS_AS(load_baseline((dir / "missing.json").string()), std::runtime_error);
    CHECK_THROWS_AS(baseline_from_json(nlohmann::json::parse(R"({"ratios": {"a": "x"}})")), std::runtime_error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("squeal bench --json: one JSON document on stdout with every figure, and a baseline it can be compared with") {
    const auto dir = temp_dir("json");
    const std::string out = (dir / "out.json").string(), base = (dir / "base.json").string();
    const std::string common = std::string(SQUEAL_BINARY) +
                               " bench --quick --json --skip-ber --skip-handshake --skip-kernels --skip-spandsp"
                               " --skip-decode --channels 8 --call-bytes 200 --out-dir " + dir.string();
    REQUIRE(std::system((common + " --save-baseline " + base + " > " + out + " 2>/dev/null").c_str()) == 0);
    std::ifstream f(out);
    const nlohmann::json j = nlohmann::json::parse(f);  // throws (fails the test) unless it is all JSON
    for (const char* k : {"squeal", "spandsp", "spandsp_note", "simd", "ratios", "baseline", "regressions"})
        CHECK_MESSAGE(j.contains(k), k);
    const Figures g = figures_from_json(j["squeal"]);
    for (const char* k : {"v22bis_rx_2400", "v22bis_tx_2400", "v22bis_pump_2400", "v22bis_rx_1200", "v22bis_tx_1200",
                          "v21_rx", "v8_answer", "v8_answer_noise", "whole_call"}) {
        CAPTURE(k);
        REQUIRE(g.speed(k) != nullptr);
        CHECK(g.speed(k)->ok);
        CHECK(g.speed(k)->ns_per_sample > 0.0);
    }
    for (const char* k : {"v22bis_modem", "v8_endpoint", "session_in_data", "bank_channel"}) CHECK_MESSAGE(g.memory_of(k), k);
    for (const char* k : {"startup_version_ms", "startup_first_sample_ms", "channels_per_core", "scaling_2_cores"})
        CHECK_MESSAGE(g.extra_of(k), k);
    CHECK(j["spandsp"].is_null());
    CHECK(j["ratios"].contains("x_real_time.whole_call"));
    // The saved baseline holds the same ratios; a run against a baseline 10x better warns for each.
    Ratios high = load_baseline(base, "quick_ratios");  // a --quick run saves its own section
    CHECK(high.count("x_real_time.v22bis_rx_2400") == 1);
    CHECK_THROWS_AS(load_baseline(base, "ratios"), std::runtime_error);
    for (auto& [k, v] : high) v *= 10.0;
    save_baseline(base, high, "inflated", "quick_ratios");
    const std::string text = (dir / "text.txt").string();
    REQUIRE(std::system((common + " --baseline " + base + " > /dev/null 2> " + text).c_str()) == 0);
    std::ifstream t(text);
    const std::string s((std::istreambuf_iterator<char>(t)), std::istreambuf_iterator<char>());
    CHECK(s.find("WARNING: x_real_time.v22bis_rx_2400 fell") != std::string::npos);
    std::filesystem::remove_all(dir);
}
