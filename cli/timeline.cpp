// SPDX-License-Identifier: MIT
/// \file
/// Event to text for people: time, side, component, what happened, and its fields.
#include "cli/timeline.hpp"

#include <cstdio>
#include <stdexcept>
#include <variant>

namespace squeal::cli {

namespace {

std::string field_text(const modem::Field::Value& v) {
    char buf[64];
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(*i));
        return buf;
    }
    if (const auto* d = std::get_if<double>(&v)) {
        std::snprintf(buf, sizeof buf, "%.1f", *d);
        return buf;
    }
    if (const auto* b = std::get_if<bool>(&v)) return *b ? "yes" : "no";
    if (const auto* s = std::get_if<std::string_view>(&v)) return std::string(*s);
    return {};
}

}  // namespace

std::optional<std::string> timeline_line(const modem::Event& e, std::string_view side, bool verbose) {
    if (!verbose && e.kind == modem::EventKind::Info && e.name == "quality") return std::nullopt;
    char head[96];
    std::snprintf(head, sizeof head, "%9.3f s  %-9.*s %-15.*s ", modem::dsp::samples_to_seconds(e.at),
                  static_cast<int>(side.size()), side.data(), static_cast<int>(e.source.size()), e.source.data());
    std::string line = head;
    line += modem::to_string(e.kind);
    if (!e.name.empty()) {
        line += ' ';
        line += e.name;
    }
    if (!e.text.view().empty()) {
        line += " [";
        line += e.text.view();
        line += ']';
    }
    for (const auto& f : e.field_list()) {
        line += ' ';
        line += f.key;
        line += '=';
        line += field_text(f.value);
    }
    if (!e.detail.empty()) {
        line += " (";
        line += e.detail;
        line += ')';
    }
    return line;
}

std::unique_ptr<std::ofstream> open_events(const std::string& path) {
    if (path.empty()) return nullptr;
    auto f = std::make_unique<std::ofstream>(path);
    if (!*f) throw std::runtime_error("--events: cannot write " + path);
    return f;
}

void drain(modem::TraceBuffer& trace, std::ofstream* json, std::ostream* progress, std::string_view side,
           bool verbose) {
    for (const auto& e : trace.events()) {
        if (json != nullptr) *json << modem::to_json(e) << '\n';
        if (progress != nullptr) {
            if (auto line = timeline_line(e, side, verbose)) *progress << *line << '\n';
        }
    }
    trace.clear();
}

}  // namespace squeal::cli
