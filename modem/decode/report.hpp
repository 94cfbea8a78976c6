// SPDX-License-Identifier: MIT
/// \file
/// Text and JSON forms of a decoded timeline (the `squeal decode` output formats).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modem/decode/events.hpp"

namespace modem::decode {

/// One event as a JSON object: "start" and "end" in seconds (rounded to 1 ms), "kind",
/// "direction", then its fields in order, then "summary".
nlohmann::ordered_json to_json(const Event& e);
/// The whole report: {"file": file, "duration": seconds, "events": [...]}.
nlohmann::ordered_json to_json(const std::string& file, double duration_s, const std::vector<Event>& events);

/// The table header line (no newline).
std::string table_header();
/// One table row (no newline): start, end, direction, kind, summary.
std::string table_row(const Event& e);

}  // namespace modem::decode
