// SPDX-License-Identifier: MIT
/// \file
/// Stored baseline of the bench ratios (speed-ups over spandsp, multiples of real time, channels
/// per core) and the comparison that warns when one of them falls by more than a tolerance.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modem/bench/measure.hpp"

namespace modem::bench {

/// Figure name -> value; every value is "bigger is better".
using Ratios = std::map<std::string, double>;

/// The ratios of a run: "speedup.<key>" = spandsp ns / our ns for every part both measured,
/// "x_real_time.<key>" for every part we measured, "extra.<key>" for channels per core and the
/// 2-core scaling (start-up times are not ratios and wall-clock figures measure the machine's
/// other load: both are left out).
Ratios ratios_of(const Figures& ours, const Figures* theirs);

/// Section of a baseline file for full runs ("ratios") and for --quick runs ("quick_ratios"):
/// shorter signals and a shorter call give other ratios, so each mode has its own.
std::string baseline_section(bool quick);

/// {"comment": ..., section: {name: value}}.
nlohmann::ordered_json baseline_json(const Ratios& r, const std::string& comment, const std::string& section = "ratios");
/// Throws std::runtime_error (one line) when the document has no `section` object of numbers.
Ratios baseline_from_json(const nlohmann::json& j, const std::string& section = "ratios");
/// Reads a baseline file's section; throws std::runtime_error (one line) on failure.
Ratios load_baseline(const std::string& path, const std::string& section = "ratios");
/// Writes `section` of a baseline file, keeping its other sections when the file exists.
void save_baseline(const std::string& path, const Ratios& r, const std::string& comment,
                   const std::string& section = "ratios");

/// One ratio that fell by more than the tolerance.
struct Regression {
    std::string name;
    double baseline = 0.0;
    double now = 0.0;
    [[nodiscard]] double drop() const noexcept { return baseline > 0.0 ? 1.0 - now / baseline : 0.0; }
};

/// Kept ratios present in both whose value fell below (1 - tolerance) of the baseline's.
std::vector<Regression> compare(const Ratios& baseline, const Ratios& now, double tolerance = 0.10);

/// "bench: WARNING: <name> fell 23.4 % below the baseline (4.10 -> 3.14)", one line each, and a
/// line saying how many ratios were compared.
void print_regressions(std::ostream& os, const std::vector<Regression>& regs, std::size_t compared);

}  // namespace modem::bench
