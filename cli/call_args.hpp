// SPDX-License-Identifier: MIT
/// \file
/// The options of `squeal call`, `squeal answer` and `squeal loopback`, shared by the V.8-only
/// path (cmd_v8.cpp) and the whole-call path (cmd_call.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "audio/sim_line.hpp"
#include "cli/commands.hpp"

namespace squeal::cli {

struct CallArgs {
    // ---- V.8
    bool v8_only = false;
    std::string offer = "v22bis,v21";
    std::string answer_offer;  ///< loopback only: the answerer's offer ("" = same as --offer)
    bool lapm = false;
    std::string ansam = "reversals";
    bool ci = false;
    double timeout_s = 0.0;  ///< 0: the command's default (V.8 only: 20 s; a call: none)
    std::string events;
    LineArgs line;
    // ---- a whole call
    std::string number;            ///< call: digits to dial; answer: the number to wait for
    bool no_v8 = false;
    int rate = 2400;
    std::string guard = "none";
    std::string format = "8N1";
    std::string ec = "on";         ///< V.42 error correction: off, on (LAPM when both can), require
    std::string answer_ec;         ///< loopback only: the answerer's --ec ("" = same as --ec)
    std::string send;              ///< "" = stdin (not with --audio pipe), "-" = stdin
    std::string recv;              ///< "" = stdout (not with --audio pipe), "-" = stdout
    bool wait_dialtone = false;
    double ring_s = 2.0;
    bool no_exchange_tones = false;
    double idle_hangup_s = 1.0;
    double level_dbm0 = -13.0;
    bool quiet = false;
    // ---- loopback
    std::optional<double> snr_db;
    double freq_offset_hz = 0.0;
    double ppm = 0.0;
    bool bandpass = false;
    std::string line_kind;         ///< "flat" or "bandpass" (same as --bandpass)
    std::optional<double> echo_db;
    std::uint64_t seed = 1;
    std::size_t bytes = 2000;      ///< loopback: random bytes each way (when no --send-*)
    std::string send_answerer;     ///< loopback: file the answerer sends (--send is the caller's)
    std::optional<double> cut_at_s;  ///< loopback: pull the carrier this long after CONNECT
    std::string record;            ///< loopback: WAV of the line, both directions summed
    bool verbose = false;
};

/// Project choice: one block of bulk delay per direction in loopback, so that the two endpoints
/// running in lockstep never read ahead of what the other has written.
inline constexpr double kLoopbackDelayMs = 20.0;

/// The simulated line of `squeal loopback` from its options (both directions; the far direction
/// gets the opposite frequency and clock offsets), with `delay_ms` of bulk delay each way.
modem::audio::SimLine::Config sim_config(const CallArgs& a, double delay_ms);
/// A whole call over a line (sound card, pipe or files): returns the exit code.
int run_call(const CallArgs& a, bool caller);
/// Two whole calls' ends in one process over the simulated line.
int run_call_loopback(const CallArgs& a);

}  // namespace squeal::cli
