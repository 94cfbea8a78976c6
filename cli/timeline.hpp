// SPDX-License-Identifier: MIT
/// \file
/// One readable line per protocol event, for the progress lines of `squeal call|answer` and the
/// timeline of `squeal loopback`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "modem/events.hpp"

namespace squeal::cli {

/// "   4.352 s  answerer  v22bis.answer  state SendUsb1 (V.8 done)". Returns nothing for the
/// periodic events (quality reports) unless `verbose`.
std::optional<std::string> timeline_line(const modem::Event& e, std::string_view side, bool verbose);

}  // namespace squeal::cli
