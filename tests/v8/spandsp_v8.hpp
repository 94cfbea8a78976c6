// SPDX-License-Identifier: MIT
/// \file
/// Test-only bridge to spandsp's V.8: our modulation set as its V8_MOD_* mask. Include it after
/// our own headers (spandsp.h defines a macro that clashes with dsp::ms_to_samples).
#pragma once

#include "modem/v8/messages.hpp"

#include <spandsp.h>
#undef ms_to_samples

namespace test {

/// Our modulation set as spandsp's V8_MOD_* bit mask.
inline unsigned to_spandsp(modem::v8::ModulationSet m) {
    using modem::v8::Modulation;
    struct Pair {
        Modulation ours;
        unsigned theirs;
    };
    static constexpr Pair kMap[] = {
        {Modulation::V17, V8_MOD_V17},       {Modulation::V21, V8_MOD_V21},       {Modulation::V22bis, V8_MOD_V22},
        {Modulation::V23Hdx, V8_MOD_V23HDX}, {Modulation::V23, V8_MOD_V23},       {Modulation::V26bis, V8_MOD_V26BIS},
        {Modulation::V26ter, V8_MOD_V26TER}, {Modulation::V27ter, V8_MOD_V27TER}, {Modulation::V29Hdx, V8_MOD_V29},
        {Modulation::V32bis, V8_MOD_V32},    {Modulation::V34Hdx, V8_MOD_V34HDX}, {Modulation::V34, V8_MOD_V34},
    };
    unsigned bits = 0;
    for (const auto& p : kMap) {
        if (m.has(p.ours)) bits |= p.theirs;
    }
    return bits;
}

}  // namespace test
