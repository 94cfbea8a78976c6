// SPDX-License-Identifier: MIT
/// \file
/// Robustness of the V.22bis handshake (V.22bis 6.3.1.1): seeded calls between our caller and our
/// answerer on a noisy, offset, band-limited line with noise from the first sample.
#include <doctest/doctest.h>

#include <cstdio>

#include "call_sim.hpp"

using namespace modem::v22bis;
using test::v22::CallSim;

namespace {
/// One seeded call of the robustness target: 16 dB SNR, +/-7 Hz, +/-100 ppm (signs from the seed),
/// band-pass with delay distortion, noise in both directions from the first sample. True when both
/// ends are connected at 2400 within 6 s (protocols.md 8.3: data at about U + 1.7 s).
bool target_call(std::uint64_t seed, double snr_db = 16.0) {
    const double f = (seed & 1) ? 7.0 : -7.0;
    const double ppm = (seed & 2) ? 100.0 : -100.0;
    CallSim sim({.line = test::v22::impaired_line(snr_db, f, ppm, seed), .seed = seed});
    sim.run_until([&] { return sim.caller.modem->connected() && sim.answerer.modem->connected(); }, 6000.0);
    const bool ok = sim.caller.modem->connected() && sim.answerer.modem->connected() &&
                    sim.caller.modem->rate() == Rate::Bps2400 && sim.answerer.modem->rate() == Rate::Bps2400;
    if (!ok) {
        std::printf("seed %llu failed: caller %s, answerer %s\n", static_cast<unsigned long long>(seed),
                    std::string(to_string(sim.caller.modem->state())).c_str(),
                    std::string(to_string(sim.answerer.modem->state())).c_str());
    }
    return ok;
}
}  // namespace

TEST_CASE("Modem: 10 seeded calls reach 2400 at 16 dB SNR, +/-7 Hz, +/-100 ppm, band-pass, noise from the start") {
    int ok = 0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) ok += target_call(seed);
    CHECK(ok == 10);
}

TEST_CASE("Modem: at least 99 of 100 seeded calls reach 2400 on the impaired line" * doctest::test_suite("slow")) {
    int ok = 0;
    for (std::uint64_t seed = 101; seed <= 200; ++seed) ok += target_call(seed);
    std::printf("robustness: %d of 100 calls reached 2400 at 16 dB SNR\n", ok);
    CHECK(ok >= 99);
}
