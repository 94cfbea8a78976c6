// SPDX-License-Identifier: MIT
/// \file
/// JSON, table, CSV and PNG output of the bench figures.
#include "modem/bench/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "modem/decode/canvas.hpp"

namespace modem::bench {

namespace {

using v22bis::Role;

std::string fixed(double v, int decimals) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(decimals) << v;
    return s.str();
}

Threshold::Kind kind_from(const std::string& s) {
    for (auto k : {Threshold::Kind::Found, Threshold::Kind::BelowGrid, Threshold::Kind::AboveGrid, Threshold::Kind::NoData})
        if (to_string(k) == s) return k;
    throw std::runtime_error("bench json: unknown threshold kind '" + s + "'");
}

Role role_from(const std::string& s) {
    if (s == "caller") return Role::Caller;
    if (s == "answerer") return Role::Answerer;
    throw std::runtime_error("bench json: unknown receiver '" + s + "'");
}

/// Passes when the curve reaches the BER target at or below `limit_db`.
bool threshold_passes(const Threshold& t, double limit_db) {
    return (t.kind == Threshold::Kind::Found || t.kind == Threshold::Kind::BelowGrid) && t.snr_db <= limit_db + 1e-9;
}

}  // namespace

nlohmann::ordered_json to_json(const Figures& f) {
    nlohmann::ordered_json j;
    j["implementation"] = f.implementation;
    j["version"] = f.version;
    j["run_seconds"] = f.run_seconds;
    j["inputs_fingerprint"] = std::to_string(f.inputs_fingerprint);  // a string: JSON numbers lose 64-bit precision
    j["ber"] = nlohmann::ordered_json::array();
    for (const BerCurve& c : f.curves) {
        nlohmann::ordered_json jc;
        jc["rate_bps"] = c.rate_bps;
        jc["receiver"] = std::string(v22bis::to_string(c.receiver));
        jc["threshold"] = {{"kind", std::string(to_string(c.threshold.kind))}, {"snr_db", c.threshold.snr_db}};
        jc["points"] = nlohmann::ordered_json::array();
        for (const BerPoint& p : c.points)
            jc["points"].push_back({{"snr_db", p.snr_db}, {"bits", p.bits}, {"errors", p.errors}, {"aligned", p.aligned}});
        j["ber"].push_back(jc);
    }
    if (f.handshake)
        j["handshake"] = {{"snr_db", f.handshake->snr_db}, {"trials", f.handshake->trials},
                          {"at_2400", f.handshake->at_2400}, {"at_1200", f.handshake->at_1200},
                          {"failed", f.handshake->failed}};
    else
        j["handshake"] = nullptr;
    j["rx_ns_per_sample"] = f.rx_ns_per_sample ? nlohmann::ordered_json(*f.rx_ns_per_sample) : nullptr;
    j["rx_by_difference"] = f.rx_by_difference;
    j["tx_ns_per_sample"] = f.tx_ns_per_sample ? nlohmann::ordered_json(*f.tx_ns_per_sample) : nullptr;
    j["pump_ns_per_sample"] = f.pump_ns_per_sample ? nlohmann::ordered_json(*f.pump_ns_per_sample) : nullptr;
    j["speeds"] = nlohmann::ordered_json::array();
    for (const SpeedFigure& sp : f.speeds)
        j["speeds"].push_back({{"key", sp.key},
                               {"what", sp.what},
                               {"ns_per_sample", sp.ns_per_sample},
                               {"x_real_time", sp.x_real_time()},
                               {"signal_seconds", sp.signal_seconds},
                               {"ok", sp.ok},
                               {"note", sp.note}});
    j["memory"] = nlohmann::ordered_json::array();
    for (const MemoryFigure& m : f.memory) j["memory"].push_back({{"key", m.key}, {"what", m.what}, {"bytes", m.bytes}});
    j["extra"] = nlohmann::ordered_json::array();
    for (const ScalarFigure& e : f.extra)
        j["extra"].push_back({{"key", e.key}, {"what", e.what}, {"value", e.value}, {"unit", e.unit}});
    return j;
}

Figures figures_from_json(const nlohmann::json& j) {
    try {
        Figures f;
        f.implementation = j.at("implementation").get<std::string>();
        f.version = j.at("version").get<std::string>();
        f.run_seconds = j.at("run_seconds").get<double>();
        f.inputs_fingerprint = std::stoull(j.at("inputs_fingerprint").get<std::string>());
        for (const auto& jc : j.at("ber")) {
            BerCurve c;
            c.rate_bps = jc.at("rate_bps").get<int>();
            c.receiver = role_from(jc.at("receiver").get<std::string>());
            c.threshold.kind = kind_from(jc.at("threshold").at("kind").get<std::string>());
            c.threshold.snr_db = jc.at("threshold").at("snr_db").get<double>();
            for (const auto& jp : jc.at("points"))
                c.points.push_back({.snr_db = jp.at("snr_db").get<double>(),
                                    .bits = jp.at("bits").get<std::size_t>(),
                                    .errors = jp.at("errors").get<std::size_t>(),
                                    .aligned = jp.at("aligned").get<bool>()});
            f.curves.push_back(std::move(c));
        }
        if (const auto& h = j.at("handshake"); !h.is_null())
            f.handshake = HandshakeResult{.snr_db = h.at("snr_db").get<double>(),
                                          .trials = h.at("trials").get<int>(),
                                          .at_2400 = h.at("at_2400").get<int>(),
                                          .at_1200 = h.at("at_1200").get<int>(),
                                          .failed = h.at("failed").get<int>()};
        if (const auto& v = j.at("rx_ns_per_sample"); !v.is_null()) f.rx_ns_per_sample = v.get<double>();
        f.rx_by_difference = j.at("rx_by_difference").get<bool>();
        if (const auto& v = j.at("tx_ns_per_sample"); !v.is_null()) f.tx_ns_per_sample = v.get<double>();
        if (const auto& v = j.at("pump_ns_per_sample"); !v.is_null()) f.pump_ns_per_sample = v.get<double>();
        for (const auto& js : j.at("speeds"))
            f.speeds.push_back({.key = js.at("key").get<std::string>(),
                                .what = js.at("what").get<std::string>(),
                                .ns_per_sample = js.at("ns_per_sample").get<double>(),
                                .signal_seconds = js.at("signal_seconds").get<double>(),
                                .ok = js.at("ok").get<bool>(),
                                .note = js.at("note").get<std::string>()});
        for (const auto& jm : j.at("memory"))
            f.memory.push_back({jm.at("key").get<std::string>(), jm.at("what").get<std::string>(), jm.at("bytes").get<double>()});
        for (const auto& je : j.at("extra"))
            f.extra.push_back({je.at("key").get<std::string>(), je.at("what").get<std::string>(),
                               je.at("value").get<double>(), je.at("unit").get<std::string>()});
        return f;
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("bench json: ") + e.what());
    } catch (const std::logic_error& e) {  // stoull
        throw std::runtime_error(std::string("bench json: bad inputs_fingerprint: ") + e.what());
    }
}

std::string threshold_text(const Threshold& t) {
    switch (t.kind) {
    case Threshold::Kind::Found: return fixed(t.snr_db, 2) + " dB";
    case Threshold::Kind::BelowGrid: return "<= " + fixed(t.snr_db, 2) + " dB";
    case Threshold::Kind::AboveGrid: return "> " + fixed(t.snr_db, 2) + " dB";
    case Threshold::Kind::NoData: return "-";
    }
    return "-";
}

void print_table(std::ostream& os, const Figures& ours, const Figures* theirs, const std::string& theirs_note,
                 const Targets& targets) {
    struct Row {
        std::string figure, ours, theirs, target, pass;
    };
    std::vector<Row> rows;
    const std::string none = "-";
    auto theirs_or = [&](const std::string& s) { return theirs ? s : theirs_note; };

    for (int rate : {2400, 1200}) {
        const double limit = rate == 2400 ? targets.snr_2400_db : targets.snr_1200_db;
        for (Role r : {Role::Caller, Role::Answerer}) {
            const BerCurve* c = ours.curve(rate, r);
            const BerCurve* t = theirs ? theirs->curve(rate, r) : nullptr;
            if (!c && !t) continue;
            rows.push_back({"SNR for BER 1e-5, " + std::to_string(rate) + ", " + std::string(v22bis::to_string(r)) +
                                " receives",
                            c ? threshold_text(c->threshold) : none, theirs_or(t ? threshold_text(t->threshold) : none),
                            "<= " + fixed(limit, 1) + " dB",
                            c ? (threshold_passes(c->threshold, limit) ? "yes" : "NO") : none});
        }
    }
    if (ours.handshake || (theirs && theirs->handshake)) {
        auto text = [](const std::optional<HandshakeResult>& h) -> std::string {
            if (!h) return "-";
            return std::to_string(h->at_2400) + "/" + std::to_string(h->trials) + " (" + std::to_string(h->at_1200) +
                   " at 1200)";
        };
        const HandshakeResult* h = ours.handshake ? &*ours.handshake : theirs ? &*theirs->handshake : nullptr;
        const int trials = h ? h->trials : 100;
        const int need = static_cast<int>(std::ceil(targets.handshake_fraction * trials - 1e-9));
        rows.push_back({"Calls reaching 2400 at " + fixed(targets.handshake_snr_db, 0) +
                            " dB, +/-7 Hz, +/-100 ppm, line filter",
                        text(ours.handshake), theirs_or(text(theirs ? theirs->handshake : std::nullopt)),
                        ">= " + std::to_string(need) + "/" + std::to_string(trials),
                        ours.handshake ? (ours.handshake->at_2400 >= need ? "yes" : "NO") : none});
    }
    if (ours.rx_ns_per_sample || (theirs && theirs->rx_ns_per_sample)) {
        auto ns = [](const std::optional<double>& v) { return v ? fixed(*v, 1) : std::string("-"); };
        const bool measured = theirs && theirs->rx_ns_per_sample;
        const double ref = measured ? *theirs->rx_ns_per_sample : targets.spandsp_rx_ns_reference;
        const double limit = ref / targets.throughput_factor;
        auto rx_text = [&](const Figures* f) {
            if (!f) return std::string("-");
            return ns(f->rx_ns_per_sample) + (f->rx_by_difference ? " (pump - tx)" : "");
        };
        rows.push_back({"Receiver ns/sample (2400, receiving data)", rx_text(&ours), theirs_or(rx_text(theirs)),
                        "<= " + fixed(limit, 1) + (measured ? " (spandsp/3)" : " (18/3, issue)"),
                        ours.rx_ns_per_sample ? (*ours.rx_ns_per_sample <= limit ? "yes" : "NO") : none});
        rows.push_back({"Transmitter ns/sample (2400, data)", ns(ours.tx_ns_per_sample),
                        theirs_or(ns(theirs ? theirs->tx_ns_per_sample : std::nullopt)), none, none});
        rows.push_back({"Pump ns/sample (2400, rx + tx of one end)", ns(ours.pump_ns_per_sample),
                        theirs_or(ns(theirs ? theirs->pump_ns_per_sample : std::nullopt)), none, none});
    }
    rows.push_back({"Run time of the measurements", fixed(ours.run_seconds, 1) + " s",
                    theirs_or(theirs ? fixed(theirs->run_seconds, 1) + " s" : none), none, none});

    const Row head{"figure", ours.implementation, theirs ? theirs->implementation + " " + theirs->version : "spandsp",
                   "target (" + ours.implementation + ")", "pass"};
    std::array<std::size_t, 5> w{};
    auto widen = [&w](const Row& r) {
        w[0] = std::max(w[0], r.figure.size());
        w[1] = std::max(w[1], r.ours.size());
        w[2] = std::max(w[2], r.theirs.size());
        w[3] = std::max(w[3], r.target.size());
        w[4] = std::max(w[4], r.pass.size());
    };
    widen(head);
    for (const Row& r : rows) widen(r);
    auto line = [&](const Row& r) {
        os << std::left << std::setw(static_cast<int>(w[0])) << r.figure << " | " << std::setw(static_cast<int>(w[1]))
           << r.ours << " | " << std::setw(static_cast<int>(w[2])) << r.theirs << " | "
           << std::setw(static_cast<int>(w[3])) << r.target << " | " << r.pass << '\n';
    };
    line(head);
    os << std::string(w[0] + w[1] + w[2] + w[3] + w[4] + 12, '-') << '\n';
    for (const Row& r : rows) line(r);
}

namespace {

std::string significant(double v) {
    char buf[32];
    if (v >= 100.0) std::snprintf(buf, sizeof buf, "%.0f", v);
    else if (v >= 10.0) std::snprintf(buf, sizeof buf, "%.1f", v);
    else std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

std::string bytes_text(double b) {
    if (b >= 1024.0 * 1024.0) return fixed(b / (1024.0 * 1024.0), 2) + " MiB";
    if (b >= 1024.0) return fixed(b / 1024.0, 1) + " KiB";
    return fixed(b, 0) + " B";
}

/// Aligned columns, a rule under the head.
void print_rows(std::ostream& os, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> w;
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (w.size() <= i) w.push_back(0);
            w[i] = std::max(w[i], r[i].size());
        }
    std::size_t total = 0;
    for (std::size_t x : w) total += x + 3;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        for (std::size_t i = 0; i < rows[k].size(); ++i) {
            os << (i ? " | " : "");
            if (i + 1 < rows[k].size()) os << std::left << std::setw(static_cast<int>(w[i]));
            os << rows[k][i];
        }
        os << '\n';
        if (k == 0) os << std::string(total > 3 ? total - 3 : total, '-') << '\n';
    }
}

}  // namespace

void print_pipeline_table(std::ostream& os, const Figures& ours, const Figures* theirs, const std::string& theirs_note,
                          const Targets& targets) {
    const std::string them = theirs ? theirs->implementation : std::string("spandsp");
    std::vector<std::vector<std::string>> rows{{"timed part (8 kHz samples)", ours.implementation + " ns/sample",
                                                ours.implementation + " x real time", them + " ns/sample",
                                                them + " x real time", "speed-up", "target", "pass"}};
    for (const SpeedFigure& s : ours.speeds) {
        const SpeedFigure* t = theirs ? theirs->speed(s.key) : nullptr;
        std::vector<std::string> r{s.what + (s.ok ? "" : " [NOT OK: " + s.note + "]"), significant(s.ns_per_sample),
                                   significant(s.x_real_time())};
        if (t) {
            r.push_back(significant(t->ns_per_sample) + (t->ok ? "" : " [NOT OK]"));
            r.push_back(significant(t->x_real_time()));
            r.push_back(fixed(t->ns_per_sample / s.ns_per_sample, 2) + "x");
        } else {
            const std::string n = theirs ? std::string("-") : theirs_note;
            r.insert(r.end(), {n, "-", "-"});
        }
        std::string target = "-", pass = "-";
        const bool speedup_target = s.key.rfind("v22bis_rx_", 0) == 0 || s.key.rfind("v22bis_tx_", 0) == 0 ||
                                    s.key == "v21_rx" || s.key == "v8_answer" || s.key == "v8_answer_noise";
        if (speedup_target) {
            target = ">= " + fixed(targets.speedup, 0) + "x " + them;
            if (t) pass = t->ns_per_sample / s.ns_per_sample >= targets.speedup && s.ok ? "yes" : "NO";
        } else if (s.key == "whole_call") {
            target = ">= " + fixed(targets.call_x_real_time, 0) + "x real time";
            pass = s.x_real_time() >= targets.call_x_real_time && s.ok ? "yes" : "NO";
        } else if (s.key.rfind("decode", 0) == 0) {
            target = ">= " + fixed(targets.decode_x_real_time, 0) + "x real time";
            pass = s.x_real_time() >= targets.decode_x_real_time && s.ok ? "yes" : "NO";
        }
        r.push_back(target);
        r.push_back(pass);
        rows.push_back(std::move(r));
    }
    if (rows.size() > 1) {
        print_rows(os, rows);
        os << '\n';
    }

    std::vector<std::vector<std::string>> mem{{"memory per instance (object + heap)", ours.implementation, them, "target", "pass"}};
    for (const MemoryFigure& m : ours.memory) {
        const MemoryFigure* t = theirs ? theirs->memory_of(m.key) : nullptr;
        const bool limited = m.key == "v22bis_modem" || m.key == "session_in_data" || m.key == "bank_channel";
        mem.push_back({m.what, bytes_text(m.bytes), t ? bytes_text(t->bytes) : (theirs ? "-" : theirs_note),
                       limited ? "< " + bytes_text(targets.memory_bytes) : "-",
                       limited ? (m.bytes < targets.memory_bytes ? "yes" : "NO") : "-"});
    }
    if (mem.size() > 1) {
        print_rows(os, mem);
        os << '\n';
    }

    std::vector<std::vector<std::string>> other{{"other figures", ours.implementation, "target", "pass"}};
    for (const ScalarFigure& e : ours.extra) {
        std::string target = "-", pass = "-";
        if (e.key == "channels_per_core") {
            target = ">= " + fixed(targets.channels_per_core, 0);
            pass = e.value >= targets.channels_per_core ? "yes" : "NO";
        }
        other.push_back({e.what, significant(e.value) + " " + e.unit, target, pass});
    }
    if (other.size() > 1) print_rows(os, other);
}

void write_ber_csv(const std::string& path, std::span<const Figures> figures) {
    std::ofstream f(path);
    if (!f) throw std::runtime_error("bench: cannot write " + path);
    f << "implementation,rate_bps,receiver,snr_db,bits,errors,ber,aligned\n";
    for (const Figures& fig : figures)
        for (const BerCurve& c : fig.curves)
            for (const BerPoint& p : c.points) {
                char ber[32];
                std::snprintf(ber, sizeof ber, "%.6g", p.ber());
                f << fig.implementation << ',' << c.rate_bps << ',' << v22bis::to_string(c.receiver) << ','
                  << fixed(p.snr_db, 2) << ',' << p.bits << ',' << p.errors << ',' << ber << ','
                  << (p.aligned ? 1 : 0) << '\n';
            }
    if (!f) throw std::runtime_error("bench: cannot write " + path);
}

void plot_ber_png(const std::string& path, std::span<const Figures> figures) {
    using decode::Canvas;
    using decode::Rgb;
    constexpr int kW = 880, kH = 500;
    constexpr int kLeft = 60, kRight = 600, kTop = 30, kBottom = 450;  // plot area
    constexpr double kLogMin = -7.0, kLogMax = 0.0;
    double x0 = 1e9, x1 = -1e9;
    for (const Figures& f : figures)
        for (const BerCurve& c : f.curves)
            for (const BerPoint& p : c.points) {
                x0 = std::min(x0, p.snr_db);
                x1 = std::max(x1, p.snr_db);
            }
    if (x0 > x1) {
        x0 = 0.0;
        x1 = 20.0;
    }
    x0 = std::floor(x0);
    x1 = std::max(std::ceil(x1), x0 + 1.0);
    auto px = [&](double snr) { return kLeft + static_cast<int>(std::lround((snr - x0) / (x1 - x0) * (kRight - kLeft))); };
    auto py = [&](double lg) {
        lg = std::clamp(lg, kLogMin, kLogMax);
        return kTop + static_cast<int>(std::lround((kLogMax - lg) / (kLogMax - kLogMin) * (kBottom - kTop)));
    };

    Canvas cv(kW, kH);
    const Rgb grid{60, 60, 70};
    for (int e = static_cast<int>(kLogMin); e <= static_cast<int>(kLogMax); ++e) {
        cv.line(kLeft, py(e), kRight, py(e), grid);
        const std::string s = "1E" + std::to_string(e);
        cv.text(kLeft - 6 - decode::text_width(s), py(e) - 3, s, decode::kInk);
    }
    const double step = (x1 - x0) > 12 ? 2.0 : 1.0;
    for (double s = x0; s <= x1 + 1e-9; s += step) {
        cv.line(px(s), kTop, px(s), kBottom, grid);
        const std::string t = fixed(s, 0);
        cv.text(px(s) - decode::text_width(t) / 2, kBottom + 6, t, decode::kInk);
    }
    // BER target: a dashed line.
    const Rgb target{200, 200, 90};
    for (int x = kLeft; x < kRight; x += 8) cv.line(x, py(std::log10(kBerTarget)), std::min(x + 4, kRight), py(std::log10(kBerTarget)), target);
    cv.frame(kLeft, kTop, kRight, kBottom, decode::kInk);
    cv.text(kLeft, 10, "V.22BIS BER VS SNR (AWGN ON AFTER TRAINING, SNR IN 0-4 KHZ)", decode::kInk);
    cv.text((kLeft + kRight) / 2 - decode::text_width("SNR DB") / 2, kBottom + 20, "SNR DB", decode::kInk);
    cv.text(4, kTop - 14, "BER", decode::kInk);

    // Colours per (implementation index, rate, receiver); project choice.
    const std::array<std::array<Rgb, 4>, 2> palette{{
        {{{70, 160, 255}, {140, 210, 255}, {60, 200, 110}, {150, 240, 150}}},
        {{{255, 140, 50}, {255, 200, 120}, {230, 70, 70}, {255, 150, 170}}},
    }};
    int legend_y = kTop;
    for (std::size_t fi = 0; fi < figures.size(); ++fi) {
        const Figures& f = figures[fi];
        for (const BerCurve& c : f.curves) {
            const int slot = (c.rate_bps == 2400 ? 0 : 2) + (c.receiver == Role::Caller ? 0 : 1);
            const Rgb col = palette[std::min<std::size_t>(fi, 1)][static_cast<std::size_t>(slot)];
            std::vector<BerPoint> pts = c.points;
            std::sort(pts.begin(), pts.end(), [](const BerPoint& a, const BerPoint& b) { return a.snr_db < b.snr_db; });
            int prev_x = -1, prev_y = -1;
            for (const BerPoint& p : pts) {
                if (p.errors == 0 || p.bits == 0) {
                    prev_x = -1;
                    continue;
                }
                const int x = px(p.snr_db), y = py(std::log10(p.ber()));
                if (prev_x >= 0) {
                    cv.line(prev_x, prev_y, x, y, col);
                    cv.line(prev_x, prev_y + 1, x, y + 1, col);
                }
                if (c.receiver == Role::Caller)
                    cv.fill(x - 2, y - 2, x + 2, y + 2, col);
                else
                    cv.frame(x - 2, y - 2, x + 2, y + 2, col);
                prev_x = x;
                prev_y = y;
            }
            cv.fill(kRight + 14, legend_y + 1, kRight + 26, legend_y + 5, col);
            const std::string label = f.implementation + " " + std::to_string(c.rate_bps) + " " +
                                      std::string(v22bis::to_string(c.receiver)) + " RX " + threshold_text(c.threshold);
            cv.text(kRight + 32, legend_y, label, col);
            legend_y += 14;
        }
        legend_y += 8;
    }
    cv.text(kRight + 14, legend_y, "1E-5 TARGET: DASHED", target);
    cv.text(kRight + 14, legend_y + 14, "POINTS WITHOUT ERRORS: NOT DRAWN", decode::kInk);
    decode::write_png(path, cv);
}

}  // namespace modem::bench
