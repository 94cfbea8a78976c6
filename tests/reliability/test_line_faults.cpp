// SPDX-License-Identifier: MIT
/// \file
/// Line-fault matrix: two of our Sessions over a seeded SimLine with one impairment at a time
/// (noise, frequency offset, clock offset, level, echo, G.711 coding, dropouts, noise bursts) and
/// a combined line; each cell states what must happen and the test asserts it.
///
/// The cells sit inside the boundaries measured by the slow sweep below (`line_faults.csv`,
/// 600-1500 bytes each way, seeds 1-2; figures in the comments). Faults of a given time are
/// placed in the data phase: CONNECT is at 4.22 s on a clean line and the fault at 9.0 s.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "call_harness.hpp"

using modem::audio::SimLine;
using modem::audio::g711::Law;
using modem::session::End;

namespace {

enum class Expect {
    Connect2400,   ///< 2400 both ways, no retrain in the call, every byte exact both ways
    Fallback1200,  ///< both at 1200 (V.22 fallback of V.22bis 6.3.1.2), every byte exact
    Retrain,       ///< 2400, at least one retrain, the call goes on to a normal hang-up
    Damaged,       ///< 2400, the call goes on (a retrain allowed); bytes around the fault may be wrong
    CarrierLost,   ///< connected, then both end in CarrierLost soon after the fault; what was
                   ///< delivered is an exact prefix (nothing wrong delivered)
    DamagedOrLost, ///< on the edge between the two above, depending on the noise: either
    Fails,         ///< no connection; each side ends as stated; nothing delivered
    NoCall,        ///< the answerer never connects and ends in NoCarrier; the caller ends in
                   ///< NoCarrier, or (the answerer's S1 missed in the noise and its SB1 taken
                   ///< for a V.22 modem's) connects at 1200 and loses the carrier when the
                   ///< answerer gives up, having delivered at most a bounded stretch of noise
};

struct Cell {
    std::string name;
    SimLine::Config line;
    Expect expect;
    std::uint64_t bytes = 600;
    End fail_caller = End::None, fail_answerer = End::None;  // for Fails
};

constexpr double kFaultMs = 9000.0;   // in data: CONNECT at 4.22 s, transfer until about 11 s
constexpr double kDelayMs = 5.0;      // project choice: a short 4-wire delay each way
constexpr double kTxLevelDbm0 = -13.0;  // Session default transmit level

/// The same impairment both ways (the far direction with the opposite frequency offset and
/// clock error, so both signs are exercised).
SimLine::Config both(SimLine::Direction d, std::uint64_t seed = 1) {
    d.delay_ms = kDelayMs;
    SimLine::Config c{.a_to_b = d, .b_to_a = d, .seed = seed};
    c.b_to_a.freq_offset_hz = -d.freq_offset_hz;
    c.b_to_a.clock_ppm = -d.clock_ppm;
    return c;
}
/// Received level in dBm0 on a line with a -70 dBm0 noise floor.
SimLine::Direction level(double dbm0) { return {.gain_db = dbm0 - kTxLevelDbm0, .noise_dbm0 = -70.0}; }

std::vector<Cell> cells() {
    std::vector<Cell> v;
    auto add = [&](std::string name, SimLine::Config line, Expect e, std::uint64_t bytes = 600) {
        v.push_back({std::move(name), line, e, bytes});
    };
    auto fails = [&](std::string name, SimLine::Config line, End c, End a) {
        v.push_back({std::move(name), line, Expect::Fails, 600, c, a});
    };
    // Noise: exact down to 12 dB; bytes go wrong at 10 dB; 8 dB connects and delivers noise as
    // characters (reported); 4 dB and below: the answerer gives up with NO CARRIER. V.8 itself
    // still succeeds at 2 dB (the V.21 receiver decodes down to about 0 dB), so the V.22bis
    // training runs in the noise. A chance run of 32 ones in it used to end one side's training
    // (V.22bis 6.3.1.1 f) now and then (3 of 40 seeds): it connected alone and delivered noise.
    // The decision SNR gate at 16-way decisions (HandshakeFsm::kMinTrainSnrDb) now fails both
    // ends first. Left (1 of 40 seeds, `squeal loopback --snr 2 --seed 35`): the caller misses
    // the answerer's S1, takes its SB1 for a V.22 answerer's and connects at 1200 alone
    // (6.3.1.2), loses the carrier when the answerer hangs up (reported as a weakness).
    for (double snr : {30.0, 20.0, 15.0}) add("snr " + std::to_string(int(snr)) + " dB", both({.snr_db = snr}), Expect::Connect2400);
    add("snr 2 dB", both({.snr_db = 2.0}), Expect::NoCall);
    // Level (received, both ways): 2400 from -9 to -42.5 dBm0, 1200 at -42.8..-43.0, nothing
    // at -43.2 and below (V.22 carrier detect: ON above -43 dBm0, OFF below -48 dBm0): NO CARRIER
    // both sides to -44 dBm0, from -46 dBm0 the caller hears no answer tone at all.
    for (double l : {-9.0, -20.0, -30.0, -40.0}) add("level " + std::to_string(int(l)) + " dBm0", both(level(l)), Expect::Connect2400);
    fails("level -48 dBm0", both(level(-48.0)), End::NoAnswer, End::NoCarrier);
    // Frequency offset (V.22bis asks for +-7 Hz): exact to +-17 Hz; at 20 Hz the call connects
    // and delivers garbage (reported); at 30 Hz V.8 itself fails.
    for (double f : {7.0, -7.0, 10.0, 15.0}) add("offset " + std::to_string(int(f)) + " Hz", both({.snr_db = 25.0, .freq_offset_hz = f}), Expect::Connect2400);
    fails("offset 30 Hz", both({.snr_db = 25.0, .freq_offset_hz = 30.0}), End::NoAnswer, End::NoCarrier);
    fails("offset 50 Hz", both({.snr_db = 25.0, .freq_offset_hz = 50.0}), End::NoAnswer, End::NoCarrier);
    // Clock offset: exact at +-100 and +-1000 ppm (the 250 ms cushion lasts 41 min at 100 ppm).
    for (double p : {100.0, -100.0, 1000.0, -1000.0}) add("clock " + std::to_string(int(p)) + " ppm", both({.snr_db = 25.0, .clock_ppm = p}), Expect::Connect2400);
    // Talker echo of our own signal: no effect up to +3 dB (other band, and V.21 channels differ).
    for (auto [g, d] : {std::pair{-20.0, 10.0}, {-6.0, 40.0}, {0.0, 10.0}, {3.0, 40.0}})
        add("echo " + std::to_string(int(g)) + " dB " + std::to_string(int(d)) + " ms",
            both({.snr_db = 25.0, .echo = SimLine::Echo{.gain_db = g, .delay_ms = d}}), Expect::Connect2400);
    // G.711 coding on a band-limited line, one codec and tandems, also at -40 dBm0.
    for (auto laws : {std::vector<Law>{Law::ALaw}, std::vector<Law>{Law::MuLaw}, std::vector<Law>{Law::ALaw, Law::MuLaw},
                      std::vector<Law>{Law::ALaw, Law::MuLaw, Law::ALaw, Law::MuLaw}})
        add("g711 x" + std::to_string(laws.size()) + (laws[0] == Law::ALaw ? " A" : " mu"),
            both({.bandpass = true, .g711 = laws}), Expect::Connect2400);
    {
        auto d = level(-40.0);
        d.bandpass = true;
        d.g711 = {Law::ALaw, Law::MuLaw};
        add("g711 A+mu at -40 dBm0", both(d), Expect::Connect2400);
    }
    // A fallback: the caller's S1 lost to a 200 ms dropout at 3.15 s (exact at 1200 for starts
    // 3.1-3.2 s; 2400 at 3.0 and 3.3 s): the answerer hears only SB1 at 1200 and takes the
    // caller for a V.22 modem (V.22bis 6.3.1.2). The same at the level edge (-42.9 dBm0).
    {
        SimLine::Config c = both({.snr_db = 30.0});
        c.a_to_b.dropouts = {{.at_ms = 3150.0, .duration_ms = 200.0}};
        add("caller S1 lost", c, Expect::Fallback1200);
    }
    // Dropouts in data (both ways at once): 20 ms: a retrain, after which the call either goes
    // on or both sides lose the carrier, depending on the noise (reported as a weakness); 50-100
    // ms: retrain, the call goes on, bytes of the stretch wrong; 150 ms and longer: carrier
    // lost at once, nothing wrong delivered.
    auto drop = [](double ms) { return both({.snr_db = 30.0, .dropouts = {{.at_ms = kFaultMs, .duration_ms = ms}}}); };
    add("dropout 20 ms", drop(20.0), Expect::DamagedOrLost, 1500);
    add("dropout 50 ms", drop(50.0), Expect::Retrain, 1500);
    add("dropout 100 ms", drop(100.0), Expect::Retrain, 1500);
    add("dropout 150 ms", drop(150.0), Expect::CarrierLost, 1500);
    add("dropout 200 ms", drop(200.0), Expect::CarrierLost, 1500);
    // Noise bursts in data: -30 dBm0 (17 dB under the signal) does nothing; -20 dBm0 and louder
    // corrupt bytes (no V.42 yet), -13 dBm0 for 200 ms sometimes with a retrain.
    auto burst = [](double dbm0, double ms) {
        return both({.snr_db = 30.0, .bursts = {{.at_ms = kFaultMs, .duration_ms = ms, .level_dbm0 = dbm0}}});
    };
    add("burst -30 dBm0 200 ms", burst(-30.0, 200.0), Expect::Connect2400, 1500);
    add("burst -20 dBm0 100 ms", burst(-20.0, 100.0), Expect::Damaged, 1500);
    add("burst -6 dBm0 20 ms", burst(-6.0, 20.0), Expect::Damaged, 1500);
    add("burst -13 dBm0 200 ms", burst(-13.0, 200.0), Expect::Damaged, 1500);
    // Everything at once, moderately.
    {
        SimLine::Config c = both({.snr_db = 20.0, .freq_offset_hz = 5.0, .clock_ppm = 100.0, .bandpass = true,
                                  .delay_distortion = true, .echo = SimLine::Echo{.gain_db = -10.0, .delay_ms = 20.0},
                                  .g711 = {Law::ALaw}});
        add("combined 20 dB, 5 Hz, 100 ppm, band, echo, A-law", c, Expect::Connect2400);
    }
    return v;
}

const char* name_of(Expect e) {
    switch (e) {
    case Expect::Connect2400: return "connects at 2400";
    case Expect::Fallback1200: return "falls back to 1200";
    case Expect::Retrain: return "retrains";
    case Expect::Damaged: return "damaged stretch";
    case Expect::CarrierLost: return "carrier lost";
    case Expect::DamagedOrLost: return "damaged stretch or carrier lost";
    case Expect::Fails: return "fails";
    case Expect::NoCall: return "no call (the caller may connect alone and lose the carrier)";
    }
    return "?";
}

void check_cell(const Cell& c, const test::CallResult& r) {
    INFO(c.name << ": expected " << std::string(name_of(c.expect)));
    CAPTURE(r.rate_caller);
    CAPTURE(r.rate_answerer);
    CAPTURE(modem::session::to_string(r.end_caller));
    CAPTURE(modem::session::to_string(r.end_answerer));
    CAPTURE(r.retrains_in_call);
    CAPTURE(r.c_to_a.received);
    CAPTURE(r.c_to_a.exact_prefix);
    CAPTURE(r.a_to_c.received);
    CAPTURE(r.a_to_c.exact_prefix);
    // Bytes sent before the fault (CONNECT 4.2 s, 240 characters a second at 2400 bit/s 8N1)
    // that must have arrived exactly whatever the fault does: 3.5 s worth, a margin for the
    // session's receive hold.
    const std::uint64_t before_fault = 3 * 240;
    const bool normal_end = r.end_caller == End::LocalHangup && r.end_answerer == End::CarrierLost;
    switch (c.expect) {
    case Expect::Connect2400:
    case Expect::Fallback1200: {
        const int rate = c.expect == Expect::Connect2400 ? 2400 : 1200;
        CHECK(r.rate_caller == rate);
        CHECK(r.rate_answerer == rate);
        CHECK(r.retrains_in_call == 0);
        CHECK(r.c_to_a.exact());
        CHECK(r.a_to_c.exact());
        CHECK(normal_end);
        break;
    }
    case Expect::DamagedOrLost:
        if (r.end_caller == End::CarrierLost) check_cell({c.name, c.line, Expect::CarrierLost, c.bytes}, r);
        else check_cell({c.name, c.line, Expect::Damaged, c.bytes}, r);
        break;
    case Expect::Retrain:
    case Expect::Damaged:
        CHECK(r.rate_caller == 2400);
        CHECK(r.rate_answerer == 2400);
        if (c.expect == Expect::Retrain) CHECK(r.retrains_in_call >= 1);
        CHECK(normal_end);
        for (const auto* d : {&r.c_to_a, &r.a_to_c}) {
            CHECK(d->exact_prefix >= before_fault);
            // The stretch is bounded: no flood of noise characters, no large loss.
            CHECK(d->received + 400 >= d->sent);
            CHECK(d->received <= d->sent + 50);
        }
        break;
    case Expect::CarrierLost:
        CHECK(r.rate_caller == 2400);
        CHECK(r.rate_answerer == 2400);
        CHECK(r.end_caller == End::CarrierLost);
        CHECK(r.end_answerer == End::CarrierLost);
        CHECK(r.hangup_s < 0);                    // it ended before the transfer could finish
        CHECK(r.end_s < kFaultMs / 1000.0 + 4.0);  // promptly after the fault, with the linger
        for (const auto* d : {&r.c_to_a, &r.a_to_c}) {
            CHECK(d->prefix_only());
            CHECK(d->exact_prefix >= before_fault);
        }
        break;
    case Expect::NoCall:
        CHECK(r.rate_answerer == 0);
        CHECK(r.end_answerer == End::NoCarrier);
        CHECK(r.c_to_a.received == 0);
        if (r.rate_caller == 0) {
            CHECK(r.end_caller == End::NoCarrier);
            CHECK(r.a_to_c.received == 0);
        } else {
            CHECK(r.rate_caller == 1200);  // never 2400: the training gate stops that path
            CHECK(r.end_caller == End::CarrierLost);
            CHECK(r.a_to_c.received <= c.bytes);  // noise for a few seconds at most, never a flood
        }
        break;
    case Expect::Fails:
        CHECK(r.rate_caller == 0);
        CHECK(r.rate_answerer == 0);
        CHECK(r.end_caller == c.fail_caller);
        CHECK(r.end_answerer == c.fail_answerer);
        CHECK(r.c_to_a.received == 0);
        CHECK(r.a_to_c.received == 0);
        break;
    }
}

}  // namespace

TEST_CASE("Line faults: every cell of the matrix has its stated outcome, for three noise seeds") {
    for (const Cell& c : cells()) {
        for (std::uint64_t seed : {1, 2, 3}) {
            CAPTURE(c.name);
            CAPTURE(seed);
            test::CallSpec spec{.line = c.line, .bytes_each_way = c.bytes, .data_seed = seed};
            spec.line.seed = seed;
            check_cell(c, test::run_call(spec));
        }
    }
}

TEST_CASE("Line faults: the edges measured by the sweep (level fallback window, training-time dropouts)" *
          doctest::test_suite("slow")) {
    // Writes line_faults.csv (one call per row) and asserts only that every call ended and that
    // a call which ended normally delivered no more bytes than were sent plus a stretch.
    std::FILE* csv = std::fopen("line_faults.csv", "w");
    REQUIRE(csv != nullptr);
    std::fprintf(csv, "case,value,seed,rate_caller,rate_answerer,end_caller,end_answerer,retrains,sent,recv_c2a,exact_c2a,recv_a2c,exact_a2c\n");
    auto row = [&](const char* what, double value, std::uint64_t seed, const SimLine::Config& line, std::uint64_t bytes) {
        test::CallSpec spec{.line = line, .bytes_each_way = bytes};
        const auto r = test::run_call(spec);
        std::fprintf(csv, "%s,%g,%llu,%d,%d,%s,%s,%d,%llu,%llu,%llu,%llu,%llu\n", what, value,
                     static_cast<unsigned long long>(seed), r.rate_caller, r.rate_answerer,
                     std::string(modem::session::to_string(r.end_caller)).c_str(),
                     std::string(modem::session::to_string(r.end_answerer)).c_str(), r.retrains_in_call,
                     static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(r.c_to_a.received),
                     static_cast<unsigned long long>(r.c_to_a.exact_prefix), static_cast<unsigned long long>(r.a_to_c.received),
                     static_cast<unsigned long long>(r.a_to_c.exact_prefix));
        CHECK(r.end_caller != End::None);
        CHECK(r.end_answerer != End::None);
    };
    for (std::uint64_t seed : {1, 2}) {
        for (double snr : {20.0, 15.0, 12.0, 10.0, 9.0, 8.0, 6.0, 5.0, 4.0, 2.0}) row("snr_db", snr, seed, both({.snr_db = snr}, seed), 600);
        for (double l : {-9.0, -30.0, -40.0, -42.0, -42.5, -42.8, -43.0, -43.2, -44.0, -46.0, -48.0})
            row("level_dbm0", l, seed, both(level(l), seed), 600);
        for (double f : {7.0, 10.0, 15.0, 17.0, 20.0, 30.0, 50.0}) row("offset_hz", f, seed, both({.snr_db = 25.0, .freq_offset_hz = f}, seed), 600);
        for (double p : {100.0, 300.0, 1000.0, -1000.0}) row("clock_ppm", p, seed, both({.snr_db = 25.0, .clock_ppm = p}, seed), 600);
        for (double g : {-20.0, -6.0, 0.0, 3.0}) row("echo_db", g, seed, both({.snr_db = 25.0, .echo = SimLine::Echo{.gain_db = g, .delay_ms = 40.0}}, seed), 600);
        for (double ms : {20.0, 50.0, 100.0, 150.0, 200.0, 500.0})
            row("dropout_ms", ms, seed, both({.snr_db = 30.0, .dropouts = {{.at_ms = kFaultMs, .duration_ms = ms}}}, seed), 1500);
        for (double dbm0 : {-30.0, -20.0, -13.0, -6.0})
            row("burst_200ms_dbm0", dbm0, seed,
                both({.snr_db = 30.0, .bursts = {{.at_ms = kFaultMs, .duration_ms = 200.0, .level_dbm0 = dbm0}}}, seed), 1500);
        // 200 ms dropouts one way during V.8 and training (CONNECT is at 4.22 s).
        for (int dir = 0; dir < 2; ++dir)
            for (double at = 2600.0; at <= 4200.0; at += 100.0) {
                SimLine::Config c = both({.snr_db = 30.0}, seed);
                (dir == 0 ? c.a_to_b : c.b_to_a).dropouts = {{.at_ms = at, .duration_ms = 200.0}};
                row(dir == 0 ? "training_dropout_a2b_at_ms" : "training_dropout_b2a_at_ms", at, seed, c, 600);
            }
    }
    std::fclose(csv);
}
