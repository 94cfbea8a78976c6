// SPDX-License-Identifier: MIT
/// \file
/// How many simultaneous 2400 bit/s duplex modems a core sustains: calls on N lines run through
/// modem::bank::Bank on one or more threads, timed in data.
#pragma once

#include <cstdint>

#include "modem/bank/bank.hpp"

namespace modem::bench {

struct ChannelsConfig {
    int channels = 512;      ///< modems in all (even: each call is a caller and an answerer)
    double seconds = 5.0;    ///< line time timed in data
    int threads = 1;         ///< banks, one per thread, channels split evenly (whole calls)
    bank::Bank::Conversion conversion = bank::Bank::Conversion::PerChannel;
    std::uint64_t seed = 1;
};

struct ChannelsResult {
    int channels = 0;
    int threads = 0;
    bool all_in_data = false;       ///< every modem connected at 2400 before timing
    bool data_flowed = false;       ///< every modem received data bits in the timed part
    double line_seconds = 0.0;      ///< line time timed
    double wall_seconds = 0.0;      ///< wall time of the slowest thread (includes time descheduled)
    double cpu_seconds = 0.0;       ///< thread CPU time of the slowest thread: what a dedicated core takes
    /// CPU nanoseconds per sample per modem (the slowest thread's CPU time for each thread's share).
    [[nodiscard]] double ns_per_modem_sample() const noexcept;
    /// Line time over the slowest thread's CPU time for all `channels` together: >= 1 means they
    /// run in real time on dedicated cores.
    [[nodiscard]] double x_real_time() const noexcept { return cpu_seconds > 0.0 ? line_seconds / cpu_seconds : 0.0; }
    /// The same over wall time (on a shared machine this measures the other load too).
    [[nodiscard]] double x_real_time_wall() const noexcept { return wall_seconds > 0.0 ? line_seconds / wall_seconds : 0.0; }
    /// Modems these threads sustain in real time at this rate (channels * x_real_time).
    [[nodiscard]] double sustained() const noexcept { return channels * x_real_time(); }
};

/// channels/2 calls (caller and answerer modems of each in the same bank, each hearing the other
/// one block later, random data both ways) are brought to data at 2400 untimed, then run for
/// cfg.seconds of line time, timed. Throws std::invalid_argument on an odd or too small channel
/// count or channels not divisible into whole calls per thread.
ChannelsResult run_channels(const ChannelsConfig& cfg);

}  // namespace modem::bench
