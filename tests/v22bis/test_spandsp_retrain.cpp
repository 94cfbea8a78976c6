// SPDX-License-Identifier: MIT
/// \file
/// Retrain interoperability with libspandsp's V.22bis modem (test-only independent implementation,
/// V.22bis 6.4): spandsp answers our S1 in data mode, and we answer spandsp's own retrain request.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "dsp/kernels/kernels.hpp"
#include "gap_check.hpp"
#include "loopback.hpp"
#include "modem/v22bis/modem.hpp"

extern "C" {
#include <spandsp.h>
}
#undef ms_to_samples  // spandsp's macro of the same name

using namespace modem::v22bis;
using modem::dsp::ms_to_samples;

namespace {
struct SpandspEnd {
    test::v22::BitLog sent{7};
    std::vector<std::uint8_t> got;
    int retrains = 0;
    int trained = 0;
};

/// Our caller against a spandsp answerer (spandsp 0.0.6 completes a retrain only as the answering
/// modem: its calling side stays in SB1 at 1200 after one), 2400 bit/s, no guard tone.
struct Pair {
    modem::TraceBuffer trace;
    test::v22::BitLog our_sent{5};
    std::vector<std::uint8_t> our_got;
    SpandspEnd them;
    Modem ours{{.role = Role::Caller, .trace = &trace}};
    v22bis_state_t* sp = nullptr;
    std::vector<std::int16_t> from_us = std::vector<std::int16_t>(160, 0), from_them = std::vector<std::int16_t>(160, 0);
    std::vector<float> rx = std::vector<float>(160), tx = std::vector<float>(160);
    Pair() {
        ours.set_bit_source([this] { return our_sent.next(); });
        ours.set_bit_sink([this](std::uint8_t b) { our_got.push_back(b); });
        auto get_bit = [](void* user) -> int { return static_cast<SpandspEnd*>(user)->sent.next(); };
        auto put_bit = [](void* user, int bit) {
            if (bit >= 0) static_cast<SpandspEnd*>(user)->got.push_back(static_cast<std::uint8_t>(bit));
        };
        sp = v22bis_init(nullptr, 2400, V22BIS_GUARD_TONE_NONE, false, get_bit, &them, put_bit, &them);
        auto status = [](void* user, int st) {
            auto* e = static_cast<SpandspEnd*>(user);
            if (st == SIG_STATUS_MODEM_RETRAIN_OCCURRED) ++e->retrains;
            if (st == SIG_STATUS_TRAINING_SUCCEEDED) ++e->trained;
        };
        v22bis_set_modem_status_handler(sp, status, &them);
    }
    ~Pair() { v22bis_free(sp); }
    Pair(const Pair&) = delete;
    Pair& operator=(const Pair&) = delete;
    void run_ms(double ms) {
        for (SampleTime t = 0; t < ms_to_samples(ms); t += 160) {
            modem::dsp::kernels::s16_to_f32(from_them, rx);
            ours.process(rx, tx);
            modem::dsp::kernels::f32_to_s16(tx, from_us);
            v22bis_rx(sp, from_us.data(), 160);
            const int made = v22bis_tx(sp, from_them.data(), 160);
            for (std::size_t i = static_cast<std::size_t>(made); i < 160; ++i) from_them[i] = 0;
        }
    }
    std::size_t retrain_events() const {
        std::size_t n = 0;
        for (const auto& e : trace.events()) n += e.kind == modem::EventKind::Info && e.name == "retrain";
        return n;
    }
    std::size_t connects() const {
        std::size_t n = 0;
        for (const auto& e : trace.events()) n += e.kind == modem::EventKind::Connected && e.name == "2400";
        return n;
    }
};

void check_both_ways(const Pair& p) {
    for (int dir : {0, 1}) {
        CAPTURE(dir);
        const auto g = dir == 0 ? test::v22::check_gap(p.our_sent.bits, p.them.got)
                                : test::v22::check_gap(p.them.sent.bits, p.our_got);
        CHECK(g.start_found);
        CHECK(g.resumed);
        CHECK(g.errors_after == 0);
        CHECK(g.after > 4800);
        CHECK(g.lost() <= 4800);  // 2 s at 2400 bit/s, as for two of our pumps
        if (dir == 1) CHECK(g.gap_all_marks);  // our receiver holds marks during the retrain
        MESSAGE("direction " << dir << ": lost " << g.lost() << " bits, gap " << g.gap_got << " bits, all marks "
                             << g.gap_all_marks);
    }
}
}  // namespace

TEST_CASE("spandsp interop: spandsp in data mode answers our S1 and data continues at 2400") {
    Pair p;
    p.run_ms(4000);
    REQUIRE(p.ours.connected());
    REQUIRE(p.ours.rate() == Rate::Bps2400);
    CHECK(p.ours.request_retrain());
    p.run_ms(4000);
    CHECK(p.ours.connected());
    CHECK(p.retrain_events() == 1);
    CHECK(p.connects() == 2);
    CHECK(p.them.retrains == 1);
    CHECK(p.them.trained == 2);
    check_both_ways(p);
}

TEST_CASE("spandsp interop: our modem answers spandsp's retrain request and data continues at 2400") {
    Pair p;
    p.run_ms(4000);
    REQUIRE(p.ours.connected());
    REQUIRE(v22bis_request_retrain(p.sp, 2400) == 0);
    p.run_ms(4000);
    CHECK(p.ours.connected());
    CHECK(p.retrain_events() == 1);
    CHECK(p.connects() == 2);
    CHECK(p.them.trained == 2);
    check_both_ways(p);
    const modem::Event* e = nullptr;
    for (const auto& ev : p.trace.events())
        if (ev.kind == modem::EventKind::Info && ev.name == "retrain") e = &ev;
    REQUIRE(e != nullptr);
    const auto who = e->field("initiated_by");
    REQUIRE(std::get_if<std::string_view>(&who) != nullptr);
    CHECK(*std::get_if<std::string_view>(&who) == "remote");
}
