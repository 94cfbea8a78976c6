// SPDX-License-Identifier: MIT
/// \file
/// The bench figures as JSON (exchanged with the spandsp companion), as a side-by-side table
/// against the targets, as CSV and as a PNG plot of the BER curves.
#pragma once

#include <iosfwd>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "modem/bench/measure.hpp"

namespace modem::bench {

/// The acceptance targets of the bench issue (project choices, written down in the issue).
struct Targets {
    double snr_2400_db = 12.2;              ///< BER 1e-5 at or below this SNR at 2400 bit/s
    double snr_1200_db = 5.5;               ///< ... at 1200 bit/s
    double handshake_fraction = 0.99;       ///< 99 of 100 calls reach 2400 ...
    double handshake_snr_db = 16.0;         ///< ... at this SNR
    double throughput_factor = 3.0;         ///< receiver at least this many times faster than spandsp's v22bis_rx
    double spandsp_rx_ns_reference = 18.0;  ///< spandsp's v22bis_rx as quoted in the issue, when not measured
    // Issue 8 (pipeline performance):
    double speedup = 3.0;                   ///< V.22bis rx and tx, V.21 and V.8 receive: >= 3x spandsp
    double call_x_real_time = 5000.0;       ///< a whole call at least this many times real time
    double decode_x_real_time = 500.0;      ///< `squeal decode` at least this many times real time
    double channels_per_core = 2000.0;      ///< simultaneous 2400 bit/s duplex modems per core
    double memory_bytes = 256.0 * 1024.0;   ///< per modem
};

nlohmann::ordered_json to_json(const Figures& f);
/// Throws std::runtime_error (one line) on a document that is not a Figures object.
Figures figures_from_json(const nlohmann::json& j);

/// One row per figure: figure | ours | theirs | target | pass. `theirs` may be null, then the
/// column shows `theirs_note` (e.g. "not built (needs libspandsp-dev)").
void print_table(std::ostream& os, const Figures& ours, const Figures* theirs, const std::string& theirs_note,
                 const Targets& targets = {});

/// The pipeline figures side by side: per timed part ns/sample and multiple of real time of
/// both, the speed-up over spandsp and the target; then memory per instance and the
/// other figures (start-up, channels).
void print_pipeline_table(std::ostream& os, const Figures& ours, const Figures* theirs, const std::string& theirs_note,
                          const Targets& targets = {});

/// Text of a threshold: "12.13 dB", "<= 8.00 dB" (below the grid), "> 17.00 dB", "-".
std::string threshold_text(const Threshold& t);

/// implementation,rate_bps,receiver,snr_db,bits,errors,ber,aligned; one row per point.
/// Throws std::runtime_error if the file cannot be written.
void write_ber_csv(const std::string& path, std::span<const Figures> figures);

/// log10(BER) against SNR for every curve (points without errors are not drawn), with the 1e-5
/// line and a legend. Throws std::runtime_error if the file cannot be written.
void plot_ber_png(const std::string& path, std::span<const Figures> figures);

}  // namespace modem::bench
