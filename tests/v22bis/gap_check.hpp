// SPDX-License-Identifier: MIT
/// \file
/// Checks a received bit stream against the sent one across an interruption (a retrain): an exact
/// prefix, then a stretch that is not data, then an exact continuation of the sent stream.
#pragma once

#include <cstdint>
#include <vector>

namespace test::v22 {

struct GapResult {
    bool start_found = false;   ///< the sent stream's first 64 bits were found in the received one
    std::size_t prefix = 0;     ///< sent bits delivered exactly before the interruption
    bool resumed = false;       ///< 64 bits after the gap were found in the sent stream
    std::size_t resume_sent = 0;  ///< index in the sent stream where delivery resumed
    std::size_t gap_got = 0;      ///< received bits between the prefix and the resumption
    bool gap_all_marks = false;   ///< those bits were all binary 1
    std::size_t after = 0;        ///< bits compared after the resumption
    std::size_t errors_after = 0; ///< errors among them
    /// Sent bits never delivered (resume_sent - prefix, 0 if delivery resumed earlier).
    std::size_t lost() const { return resume_sent > prefix ? resume_sent - prefix : 0; }
};

/// `sent`: every bit the far end's pump took from its source; `got`: every bit our pump delivered.
/// The received stream starts with the far end's training ones, so the start is searched for.
inline GapResult check_gap(const std::vector<std::uint8_t>& sent, const std::vector<std::uint8_t>& got) {
    GapResult r;
    constexpr std::size_t kMatch = 64;
    std::size_t s0 = 0;
    for (; s0 + kMatch <= got.size(); ++s0) {
        std::size_t i = 0;
        while (i < kMatch && got[s0 + i] == sent[i]) ++i;
        if (i == kMatch) break;
    }
    if (s0 + kMatch > got.size()) return r;
    r.start_found = true;
    while (s0 + r.prefix < got.size() && r.prefix < sent.size() && got[s0 + r.prefix] == sent[r.prefix]) ++r.prefix;
    const std::size_t gap_start = s0 + r.prefix;
    if (gap_start >= got.size()) return r;  // no interruption at all
    // Find where the received stream continues the sent one: the first position after the prefix
    // whose next 64 bits occur in the sent stream at or after (prefix - 64).
    const std::size_t lo = r.prefix > kMatch ? r.prefix - kMatch : 0;
    for (std::size_t j = gap_start; j + kMatch <= got.size(); ++j) {
        for (std::size_t k = lo; k + kMatch <= sent.size(); ++k) {
            std::size_t i = 0;
            while (i < kMatch && got[j + i] == sent[k + i]) ++i;
            if (i < kMatch) continue;
            // 64 bits of marks also match ones in the sent stream: accept only if the match is not
            // all ones.
            bool all_ones = true;
            for (std::size_t m = 0; m < kMatch && all_ones; ++m) all_ones = got[j + m] == 1;
            if (all_ones) continue;
            r.resumed = true;
            r.resume_sent = k;
            r.gap_got = j - gap_start;
            r.gap_all_marks = true;
            for (std::size_t m = gap_start; m < j; ++m) r.gap_all_marks = r.gap_all_marks && got[m] == 1;
            for (std::size_t m = j; m < got.size() && k + (m - j) < sent.size(); ++m) {
                ++r.after;
                r.errors_after += got[m] != sent[k + (m - j)];
            }
            return r;
        }
    }
    return r;
}

}  // namespace test::v22
