// SPDX-License-Identifier: MIT
/// \file
/// Bench baseline: ratios of a run, JSON in and out, and the regression check.
#include "modem/bench/baseline.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <stdexcept>

namespace modem::bench {

Ratios ratios_of(const Figures& ours, const Figures* theirs) {
    Ratios r;
    for (const SpeedFigure& s : ours.speeds) {
        if (s.ns_per_sample > 0.0) r["x_real_time." + s.key] = s.x_real_time();
        if (const SpeedFigure* t = theirs ? theirs->speed(s.key) : nullptr; t && s.ns_per_sample > 0.0)
            r["speedup." + s.key] = t->ns_per_sample / s.ns_per_sample;
    }
    for (const ScalarFigure& e : ours.extra)
        if (e.unit != "ms" && !e.key.ends_with("_wall")) r["extra." + e.key] = e.value;  // wall: the machine's load
    return r;
}

std::string baseline_section(bool quick) { return quick ? "quick_ratios" : "ratios"; }

nlohmann::ordered_json baseline_json(const Ratios& r, const std::string& comment, const std::string& section) {
    nlohmann::ordered_json j;
    j["comment"] = comment;
    j[section] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : r) j[section][k] = v;
    return j;
}

Ratios baseline_from_json(const nlohmann::json& j, const std::string& section) {
    if (!j.is_object() || !j.contains(section) || !j.at(section).is_object())
        throw std::runtime_error("bench baseline: no \"" + section + "\" object");
    Ratios r;
    for (const auto& [k, v] : j.at(section).items()) {
        if (!v.is_number()) throw std::runtime_error("bench baseline: ratio '" + k + "' is not a number");
        r[k] = v.get<double>();
    }
    return r;
}

Ratios load_baseline(const std::string& path, const std::string& section) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error("bench: cannot read baseline " + path);
    try {
        return baseline_from_json(nlohmann::json::parse(f), section);
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error("bench baseline " + path + ": " + e.what());
    }
}

void save_baseline(const std::string& path, const Ratios& r, const std::string& comment, const std::string& section) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (std::ifstream old(path); old) {
        try {
            j = nlohmann::ordered_json::parse(old);
        } catch (const nlohmann::json::exception&) {
            j = nlohmann::ordered_json::object();  // not a baseline: replaced
        }
        if (!j.is_object()) j = nlohmann::ordered_json::object();
    }
    const nlohmann::ordered_json part = baseline_json(r, comment, section);
    j["comment_" + section] = comment;
    j[section] = part[section];
    std::ofstream f(path);
    if (!f) throw std::runtime_error("bench: cannot write baseline " + path);
    f << j.dump(2) << '\n';
    if (!f) throw std::runtime_error("bench: cannot write baseline " + path);
}

std::vector<Regression> compare(const Ratios& baseline, const Ratios& now, double tolerance) {
    std::vector<Regression> out;
    for (const auto& [k, b] : baseline) {
        const auto it = now.find(k);
        if (it == now.end() || !(b > 0.0)) continue;
        if (it->second < (1.0 - tolerance) * b) out.push_back({k, b, it->second});
    }
    return out;
}

void print_regressions(std::ostream& os, const std::vector<Regression>& regs, std::size_t compared) {
    for (const Regression& g : regs) {
        char buf[256];
        std::snprintf(buf, sizeof buf, "bench: WARNING: %s fell %.1f %% below the baseline (%.4g -> %.4g)",
                      g.name.c_str(), 100.0 * g.drop(), g.baseline, g.now);
        os << buf << '\n';
    }
    os << "bench: baseline: " << compared << " ratios compared, " << regs.size() << " fell by more than 10 %\n";
}

}  // namespace modem::bench
