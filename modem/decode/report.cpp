// SPDX-License-Identifier: MIT
/// \file
/// Text and JSON forms of a decoded timeline.
#include "modem/decode/report.hpp"

#include <cmath>
#include <cstdio>
#include <variant>

namespace modem::decode {

namespace {
double seconds_ms(SampleTime t) { return std::round(dsp::samples_to_seconds(t) * 1000.0) / 1000.0; }
}  // namespace

nlohmann::ordered_json to_json(const Event& e) {
    nlohmann::ordered_json j;
    j["start"] = seconds_ms(e.start);
    j["end"] = seconds_ms(e.end);
    j["kind"] = std::string(to_string(e.kind));
    j["direction"] = std::string(to_string(e.direction));
    for (const auto& f : e.fields) {
        std::visit([&](const auto& v) { j[f.name] = v; }, f.value);
    }
    j["summary"] = e.summary;
    return j;
}

nlohmann::ordered_json to_json(const std::string& file, double duration_s, const std::vector<Event>& events) {
    nlohmann::ordered_json j;
    j["file"] = file;
    j["duration"] = std::round(duration_s * 1000.0) / 1000.0;
    j["events"] = nlohmann::ordered_json::array();
    for (const auto& e : events) j["events"].push_back(to_json(e));
    return j;
}

std::string table_header() { return "    start       end  direction  kind             summary"; }

std::string table_row(const Event& e) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%9.3f %9.3f  %-9s  %-15s  ", dsp::samples_to_seconds(e.start),
                  dsp::samples_to_seconds(e.end), std::string(to_string(e.direction)).c_str(),
                  std::string(to_string(e.kind)).c_str());
    return buf + e.summary;
}

}  // namespace modem::decode
