// SPDX-License-Identifier: MIT
/// \file
/// One readable line per protocol event, for the progress lines of `squeal call|answer` and the
/// timeline of `squeal loopback`, and the --events JSON-lines output they share.
#pragma once

#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "modem/events.hpp"

namespace squeal::cli {

/// "   4.352 s  answerer  v22bis.answer  state SendUsb1 (V.8 done)". Returns nothing for the
/// periodic events (quality reports) unless `verbose`.
std::optional<std::string> timeline_line(const modem::Event& e, std::string_view side, bool verbose);

/// The --events FILE of a command, opened for JSON lines; nullptr for "". Throws one line when
/// the file cannot be written.
std::unique_ptr<std::ofstream> open_events(const std::string& path);
/// Writes the buffered events as JSON lines to `json` and as readable lines to `progress` (either
/// may be null), then clears the buffer.
void drain(modem::TraceBuffer& trace, std::ofstream* json, std::ostream* progress, std::string_view side,
           bool verbose);

}  // namespace squeal::cli
