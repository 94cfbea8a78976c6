// SPDX-License-Identifier: MIT
/// \file
/// Interoperability of our V.8 endpoints with spandsp 0.0.6's V.8 (an independent
/// implementation), in process, block by block over a clean 4-wire line, in both roles.
/// spandsp is linked into this test only.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "modem/v8/endpoint.hpp"

#include "spandsp_v8.hpp"

using namespace modem::v8;
using modem::dsp::SampleTime;

namespace {

constexpr std::size_t kBlock = 40;                  // 5 ms per exchange; project choice
constexpr SampleTime kLimit = 12 * modem::dsp::kFsHz;  // both must be done within 12 s

/// spandsp's side: its state, its capabilities, and what its result handler saw.
struct Far {
    v8_state_t* v8 = nullptr;
    unsigned own_modulations = 0;
    bool own_lapm = false;
    int final_status = -1;        // status of the last non-"offered" report
    v8_parms_t final{};
    int offered_reports = 0;

    static void handler(void* user, v8_parms_t* r) {
        auto* self = static_cast<Far*>(user);
        if (r->status == V8_STATUS_V8_OFFERED) {
            // spandsp echoes the caller's menu in JM unless the application narrows it here
            // (spandsp-notes.md): JM = CM AND our own modes; LAPM only if both have it.
            ++self->offered_reports;
            r->modulations &= self->own_modulations;
            if (!self->own_lapm) r->protocol = V8_PROTOCOL_NONE;
            return;
        }
        self->final_status = r->status;
        self->final = *r;
    }
};

struct Offer {
    ModulationSet mods;
    bool lapm = false;
};

struct Outcome {
    V8Result ours;
    int far_status = -1;
    v8_parms_t far{};
    int far_offered = 0;
    std::uint32_t v92_seen = 0;
    SampleTime ours_done_at = 0;
};

/// Our endpoint in `role` against spandsp in the other role. `tone` is spandsp's answer tone
/// when it answers; `our_reversals` our ANSam/ choice when we answer.
Outcome run(Role role, Offer ours, Offer theirs, int tone = MODEM_CONNECT_TONES_ANSAM_PR, bool our_reversals = true,
            double te_ms = 1000.0) {
    V8Endpoint::Config cfg;
    cfg.role = role;
    cfg.call.te_ms = te_ms;
    cfg.call.caps = {.modulations = ours.mods, .lapm = ours.lapm};
    cfg.answer.caps = {.modulations = ours.mods, .lapm = ours.lapm};
    cfg.ansam_reversals = our_reversals;
    V8Endpoint me(cfg);

    Far far;
    far.own_modulations = test::to_spandsp(theirs.mods);
    far.own_lapm = theirs.lapm;
    v8_parms_t parms{};
    parms.modem_connect_tone = tone;
    parms.send_ci = 0;
    parms.v92 = -1;
    parms.call_function = V8_CALL_V_SERIES;
    parms.modulations = far.own_modulations;
    parms.protocol = theirs.lapm ? V8_PROTOCOL_LAPM_V42 : V8_PROTOCOL_NONE;
    parms.pstn_access = 0;
    parms.pcm_modem_availability = 0;
    parms.nsf = -1;
    parms.t66 = -1;
    far.v8 = v8_init(nullptr, role == Role::Answerer ? 1 : 0, &parms, &Far::handler, &far);
    REQUIRE(far.v8 != nullptr);

    std::vector<float> to_me(kBlock, 0.0f), from_me(kBlock, 0.0f);
    std::vector<std::int16_t> far_out(kBlock), far_in(kBlock);
    for (SampleTime t = 0; t < kLimit; t += static_cast<SampleTime>(kBlock)) {
        if (me.finished() && far.final_status >= 0) break;
        // spandsp transmits a block (silence when it has nothing to send) ...
        std::fill(far_out.begin(), far_out.end(), std::int16_t{0});
        v8_tx(far.v8, far_out.data(), static_cast<int>(kBlock));
        for (std::size_t i = 0; i < kBlock; ++i) to_me[i] = static_cast<float>(far_out[i]) / modem::dsp::kInt16Scale;
        // ... we hear it and answer with a block that spandsp hears.
        me.process(to_me, from_me);
        for (std::size_t i = 0; i < kBlock; ++i) {
            const float s = std::clamp(std::round(from_me[i] * modem::dsp::kInt16Scale), -32768.0f, 32767.0f);
            far_in[i] = static_cast<std::int16_t>(s);
        }
        v8_rx(far.v8, far_in.data(), static_cast<int>(kBlock));
    }
    Outcome o{.ours = me.result(), .far_status = far.final_status, .far = far.final, .far_offered = far.offered_reports,
              .v92_seen = me.v92_packets(), .ours_done_at = me.result().ended_at};
    v8_free(far.v8);
    return o;
}

const ModulationSet kV22bis{Modulation::V22bis};
const ModulationSet kRich{Modulation::V34, Modulation::V32bis, Modulation::V22bis, Modulation::V21};
const ModulationSet kOurs{Modulation::V22bis, Modulation::V21};

/// Checks both results against what the two offers imply.
void check_agreement(const Outcome& o, Offer ours, Offer theirs) {
    const ModulationSet common = ours.mods & theirs.mods;
    REQUIRE(o.ours.status == V8Result::Status::Ok);
    REQUIRE(o.far_status == V8_STATUS_V8_CALL);
    CHECK(o.ours.agreed == common);
    CHECK(o.ours.chosen == common.best());
    CHECK(o.far.modulations == test::to_spandsp(common));
    CHECK(o.ours.lapm == (ours.lapm && theirs.lapm));
    CHECK((o.far.protocol == V8_PROTOCOL_LAPM_V42) == (ours.lapm && theirs.lapm));
    CHECK(o.far.call_function == V8_CALL_V_SERIES);
    CHECK(o.ours.call_function == CallFunction::VSeries);
    CHECK(modem::dsp::samples_to_seconds(o.ours_done_at) < 8.0);
}

}  // namespace

TEST_CASE("spandsp interop: our caller with spandsp's answerer agrees for every offer") {
    struct Case {
        Offer ours, theirs;
    };
    const Case cases[] = {
        {{kV22bis}, {kV22bis}},
        {{kRich}, {kOurs}},
        {{kOurs}, {kRich}},
        {{kOurs, true}, {kRich, true}},
        {{kOurs, true}, {kOurs, false}},
        {{kOurs, false}, {kOurs, true}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.ours.mods.to_string());
        CAPTURE(c.ours.lapm);
        CAPTURE(c.theirs.mods.to_string());
        CAPTURE(c.theirs.lapm);
        const Outcome o = run(Role::Caller, c.ours, c.theirs);
        check_agreement(o, c.ours, c.theirs);
        CHECK(o.far_offered >= 1);
    }
}

TEST_CASE("spandsp interop: spandsp's caller with our answerer agrees for every offer") {
    struct Case {
        Offer ours, theirs;
    };
    const Case cases[] = {
        {{kV22bis}, {kV22bis}},
        {{kOurs}, {kRich}},
        {{kRich}, {kOurs}},
        {{kRich, true}, {kOurs, true}},
        {{kOurs, true}, {kOurs, false}},
        {{kOurs, false}, {kOurs, true}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.ours.mods.to_string());
        CAPTURE(c.ours.lapm);
        CAPTURE(c.theirs.mods.to_string());
        CAPTURE(c.theirs.lapm);
        const Outcome o = run(Role::Answerer, c.ours, c.theirs);
        check_agreement(o, c.ours, c.theirs);
        // spandsp 0.0.6 sends V.92 quick-connect frames before its first CM: seen and ignored.
        CHECK(o.v92_seen >= 1);
        REQUIRE(o.ours.remote_menu.modulations == c.theirs.mods);
    }
}

TEST_CASE("spandsp interop: ANSam and ANSam/ in both directions") {
    for (const int tone : {MODEM_CONNECT_TONES_ANSAM, MODEM_CONNECT_TONES_ANSAM_PR}) {
        CAPTURE(tone);
        const Outcome o = run(Role::Caller, {kOurs}, {kOurs}, tone);
        check_agreement(o, {kOurs}, {kOurs});
    }
    for (const bool reversals : {false, true}) {
        CAPTURE(reversals);
        const Outcome o = run(Role::Answerer, {kOurs}, {kOurs}, MODEM_CONNECT_TONES_ANSAM_PR, reversals);
        check_agreement(o, {kOurs}, {kOurs});
        CHECK(o.far.modem_connect_tone == (reversals ? MODEM_CONNECT_TONES_ANSAM_PR : MODEM_CONNECT_TONES_ANSAM));
    }
}

TEST_CASE("spandsp interop: no common modulation ends cleanly on both sides, in both roles") {
    for (const Role role : {Role::Caller, Role::Answerer}) {
        CAPTURE(to_string(role));
        const Offer ours{{Modulation::V22bis}};
        const Offer theirs{{Modulation::V34}};
        const Outcome o = run(role, ours, theirs);
        CHECK(o.ours.status == V8Result::Status::Failed);
        CHECK(o.ours.reason == "no common modulation");
        CHECK(o.ours.agreed.empty());
        // spandsp completes the exchange and reports a JM with no modulation: nothing to run.
        CHECK(o.far_status == V8_STATUS_V8_CALL);
        CHECK(o.far.modulations == 0u);
    }
}

TEST_CASE("spandsp interop: spandsp's answerer sees our CJ whichever CM bit is on the line at JM") {
    // Shifting Te by 1/3 bit at a time moves the instant the second JM arrives across every
    // bit of the 50-bit CM (preamble, sync, octets). CJ must be recognised every time: after a
    // CM octet, after the sync, and never right after the ten ones (spandsp would take CJ's first
    // zero octet for a CI sync there and wait for a third zero octet that never comes).
    int failures = 0;
    for (int k = 0; k < 150; ++k) {
        const double te_ms = 1000.0 + k * (1000.0 / 900.0);  // steps of 1/3 bit
        const Outcome o = run(Role::Caller, {kV22bis}, {kV22bis}, MODEM_CONNECT_TONES_ANSAM_PR, true, te_ms);
        if (o.ours.status != V8Result::Status::Ok || o.far_status != V8_STATUS_V8_CALL) {
            ++failures;
            MESSAGE("failed with Te = " << te_ms << " ms");
        }
    }
    CHECK(failures == 0);
}
