// SPDX-License-Identifier: MIT
/// \file
/// Drawing of the annotated spectrogram: colour map, a small 5x7 bitmap font of our own, event
/// boxes and lanes, and PNG output through libpng.
#include "modem/decode/picture.hpp"

#include "modem/decode/canvas.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <variant>

namespace modem::decode {

namespace {

constexpr SampleTime kHop = 128;        // one spectrogram column (Decoder's spectrogram)
constexpr SampleTime kFirstCentre = 128;  // centre of the first 256-sample column
constexpr double kRangeDb = 70.0;       // colour map span below the loudest cell; project choice

constexpr Rgb kCallerColour{0, 220, 255};
constexpr Rgb kAnswererColour{120, 255, 80};
constexpr Rgb kUnknownColour{235, 235, 235};

Rgb colour_of(Direction d) {
    switch (d) {
    case Direction::Caller: return kCallerColour;
    case Direction::Answerer: return kAnswererColour;
    case Direction::Unknown: return kUnknownColour;
    }
    return kUnknownColour;
}

/// Colour map, project choice: black, deep blue, purple, orange, pale yellow, linear in between.
Rgb heat(double v) {
    static constexpr std::array<std::array<double, 3>, 5> anchors{{
        {0, 0, 0}, {20, 12, 90}, {125, 30, 135}, {230, 105, 40}, {255, 240, 130}}};
    v = std::clamp(v, 0.0, 1.0) * 4.0;
    const auto i = std::min<std::size_t>(3, static_cast<std::size_t>(v));
    const double f = v - static_cast<double>(i);
    auto mix = [&](std::size_t c) {
        return static_cast<std::uint8_t>(std::lround(anchors[i][c] + f * (anchors[i + 1][c] - anchors[i][c])));
    };
    return {mix(0), mix(1), mix(2)};
}


/// Band of an event on the spectrogram, in Hz (low, high).
std::pair<double, double> band_of(const Event& e) {
    switch (e.kind) {
    case Kind::DialTone: return {300, 500};
    case Kind::Dtmf: return {650, 1700};
    case Kind::Ringback: return {400, 520};
    case Kind::Busy: return {450, 650};
    case Kind::Cng: return {1040, 1160};
    case Kind::Ct: return {1240, 1360};
    case Kind::Ans:
    case Kind::AnsReversals:
    case Kind::Ansam:
    case Kind::AnsamReversals: return {2040, 2160};
    case Kind::V21Ch1:
    case Kind::Ci:
    case Kind::Cm:
    case Kind::Cj: return {920, 1240};
    case Kind::V21Ch2:
    case Kind::Jm:
    case Kind::HdlcFlags: return {1590, 1910};
    case Kind::V92Qc: return e.direction == Direction::Answerer ? std::pair{1590.0, 1910.0} : std::pair{920.0, 1240.0};
    case Kind::V22bisUsb1:
    case Kind::V22bisS1:
    case Kind::V22bisSb1_1200:
    case Kind::V22bisSb1_2400:
    case Kind::Data:  // V.22 channels: 1200 +/- 525 Hz (caller), 2400 +/- 525 Hz (answerer)
        return e.direction == Direction::Answerer ? std::pair{1875.0, 2925.0} : std::pair{675.0, 1725.0};
    case Kind::V32Aa: return {1740, 1860};
    case Kind::V32Ac: return {560, 3040};
    case Kind::V34Phase2: return {1100, 2500};
    case Kind::V34Probing: return {150, 3750};
    case Kind::V8bis: return {1300, 2300};
    case Kind::T30Frame: return {1590, 1910};
    case Kind::LapmFrame:
        return e.direction == Direction::Answerer ? std::pair{1875.0, 2925.0} : std::pair{675.0, 1725.0};
    case Kind::Unknown:
        if (const auto* v = e.field("band_hz")) {
            if (const auto* b = std::get_if<std::vector<double>>(v); b && b->size() == 2) return {(*b)[0], (*b)[1]};
        }
        return {200, 3800};
    }
    return {200, 3800};
}

/// Short upper-case label for a bar.
std::string label_of(const Event& e) {
    auto count = [&]() -> std::string {
        if (const auto* v = e.field("count")) {
            if (const auto* n = std::get_if<std::int64_t>(v); n && *n > 1) return " X" + std::to_string(*n);
        }
        return "";
    };
    switch (e.kind) {
    case Kind::DialTone: return "DIAL";
    case Kind::Dtmf:
        if (const auto* v = e.field("digit")) return std::get<std::string>(*v);
        return "DTMF";
    case Kind::Ringback: return "RINGBACK";
    case Kind::Busy: return "BUSY";
    case Kind::Cng: return "CNG";
    case Kind::Ct: return "CT";
    case Kind::Ans: return "ANS";
    case Kind::AnsReversals: return "ANS/";
    case Kind::Ansam: return "ANSAM";
    case Kind::AnsamReversals: return "ANSAM/";
    case Kind::V21Ch1: return "V21 CH1";
    case Kind::V21Ch2: return "V21 CH2";
    case Kind::Ci: return "CI" + count();
    case Kind::Cm: return "CM" + count();
    case Kind::Jm: return "JM" + count();
    case Kind::Cj: return "CJ";
    case Kind::V92Qc: return "QC" + count();
    case Kind::HdlcFlags: return "HDLC FLAGS";
    case Kind::V22bisUsb1: return "USB1";
    case Kind::V22bisS1: return "S1";
    case Kind::V22bisSb1_1200: return "SB1 1200";
    case Kind::V22bisSb1_2400: return "SB1 2400";
    case Kind::Data: {
        // "DATA 2400 8N1 HELLO WOR": rate, format and the start of the text (the font is upper case).
        std::string s = "DATA";
        if (const auto* v = e.field("rate")) s += " " + std::to_string(std::get<std::int64_t>(*v));
        if (const auto* v = e.field("format")) s += " " + std::get<std::string>(*v);
        if (const auto* v = e.field("text")) {
            const auto& t = std::get<std::string>(*v);
            if (!t.empty()) s += " " + t.substr(0, 24);
        }
        return s;
    }
    case Kind::V32Aa: return "V32 AA";
    case Kind::V32Ac: return "V32 AC/CA/CC";
    case Kind::V34Phase2: return "V34 INFO/A/B";
    case Kind::V34Probing: return "V34 PROBING";
    case Kind::V8bis:
        if (const auto* v = e.field("signal"); v && !std::get<std::string>(*v).empty()) return "V8BIS " + std::get<std::string>(*v);
        return "V8BIS";
    case Kind::T30Frame:
    case Kind::LapmFrame: {
        std::string s = e.kind == Kind::T30Frame ? "T30 " : "LAPM ";
        if (const auto* v = e.field(e.kind == Kind::T30Frame ? "fcf" : "frame")) s += std::get<std::string>(*v);
        return s;
    }
    case Kind::Unknown: {
        std::string s = "?";
        if (const auto* v = e.field("tones_hz")) {
            const auto& t = std::get<std::vector<double>>(*v);
            for (std::size_t i = 0; i < t.size() && i < 3; ++i) s += " " + std::to_string(static_cast<int>(t[i]));
        }
        return s;
    }
    }
    return "?";
}

std::string tick_text(double t, double step) {
    char buf[32];
    if (step < 1.0) std::snprintf(buf, sizeof buf, "%.1f", t);
    else std::snprintf(buf, sizeof buf, "%.0f", t);
    return buf;
}


}  // namespace


Picture::Picture()
    : cols_(static_cast<std::size_t>(kMaxColumns) * kBins), acc_(kBins) {}

void Picture::add_column(SampleTime /*end*/, std::span<const float> db) {
    if (db.size() != kBins) return;
    for (std::size_t k = 0; k < kBins; ++k) acc_[k] += static_cast<float>(std::pow(10.0, 0.1 * static_cast<double>(db[k])));
    if (++acc_n_ < per_) return;
    float* dst = &cols_[static_cast<std::size_t>(n_cols_) * kBins];
    for (std::size_t k = 0; k < kBins; ++k) dst[k] = acc_[k] / static_cast<float>(per_);
    std::fill(acc_.begin(), acc_.end(), 0.0f);
    acc_n_ = 0;
    if (++n_cols_ < kMaxColumns) return;
    // Full: average neighbours in pairs; each image column now covers twice the time.
    for (int i = 0; i < kMaxColumns / 2; ++i) {
        for (std::size_t k = 0; k < kBins; ++k) {
            const std::size_t a = static_cast<std::size_t>(2 * i) * kBins + k, b = a + kBins;
            cols_[static_cast<std::size_t>(i) * kBins + k] = 0.5f * (cols_[a] + cols_[b]);
        }
    }
    n_cols_ = kMaxColumns / 2;
    per_ *= 2;
}

PictureSize Picture::write_png(const std::string& path, const std::vector<Event>& events, SampleTime total) const {
    const int n = std::max(1, n_cols_);
    const int scale = std::max(1, kMinPlot / n);
    const int plot = n * scale;
    Canvas c(kLeft + plot + kRight, kTop + kSpecHeight + kAxis + kLanes);
    const int spec_top = kTop;
    const int spec_bottom = kTop + kSpecHeight;  // exclusive

    // Spectrogram cells, in dB relative to the loudest.
    double top_db = -300.0;
    for (int i = 0; i < n_cols_; ++i)
        for (std::size_t k = 1; k < kBins; ++k)
            top_db = std::max(top_db, dsp::power_to_db(cols_[static_cast<std::size_t>(i) * kBins + k]));
    for (int i = 0; i < n_cols_; ++i) {
        for (int y = 0; y < kSpecHeight; ++y) {
            const auto k = static_cast<std::size_t>((kSpecHeight - 1 - y) / 2);
            const double db = dsp::power_to_db(cols_[static_cast<std::size_t>(i) * kBins + k]);
            const Rgb col = heat((db - (top_db - kRangeDb)) / kRangeDb);
            for (int s = 0; s < scale; ++s) c.set(kLeft + i * scale + s, spec_top + y, col);
        }
    }
    // Time <-> x: image column i is centred on spectrogram column (i + 1/2) * per_.
    const double samples_per_px = static_cast<double>(kHop) * per_ / scale;
    auto x_of = [&](SampleTime t) {
        return kLeft + static_cast<int>(std::lround(static_cast<double>(t - kFirstCentre) / samples_per_px));
    };
    auto y_of = [&](double hz) {
        return spec_bottom - 1 - static_cast<int>(std::lround(hz / 4000.0 * (kSpecHeight - 1)));
    };

    // Frequency axis.
    for (int khz = 0; khz <= 4; ++khz) {
        const int y = y_of(khz * 1000.0);
        c.fill(kLeft - 4, y, kLeft, y + 1, kInk);
        const std::string s = std::to_string(khz) + "K";
        c.text(kLeft - 6 - text_width(s), std::clamp(y - 3, spec_top, spec_bottom - 7), s, kInk);
    }
    c.text(2, spec_top, "HZ", kInk);
    // Time axis.
    const double seconds = dsp::samples_to_seconds(std::max<SampleTime>(total, 1));
    constexpr std::array<double, 14> kSteps{0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200};
    double step = kSteps.back();
    for (double s : kSteps) {
        if (s * dsp::kFsHz / samples_per_px >= 60.0) {
            step = s;
            break;
        }
    }
    for (int i = 0; i * step <= seconds + 1e-9; ++i) {
        const double t = i * step;
        const int x = x_of(static_cast<SampleTime>(std::llround(t * dsp::kFsHz)));
        if (x < kLeft || x >= kLeft + plot) continue;
        c.fill(x, spec_bottom, x + 1, spec_bottom + 4, kInk);
        const std::string s = tick_text(t, step);
        c.text(std::min(x - text_width(s) / 2, kLeft + plot - text_width(s)), spec_bottom + 6, s, kInk);
    }
    c.text(2, spec_bottom + 6, "SEC", kInk);
    if (!title_.empty()) c.text(kLeft, 3, title_, kInk);

    // Events: outline in the spectrogram, bar and label in the direction's lane.
    const int lanes_top = spec_bottom + kAxis;
    constexpr std::array<Direction, 3> kOrder{Direction::Caller, Direction::Answerer, Direction::Unknown};
    constexpr std::array<const char*, 3> kLaneNames{"CALLER", "ANSWER", "OTHER"};
    std::array<std::array<int, kRowsPerLane>, 3> row_end{};
    for (auto& r : row_end) r.fill(-1);
    for (std::size_t l = 0; l < 3; ++l) {
        const int y = lanes_top + static_cast<int>(l) * (kRowsPerLane * kLaneRow + kLaneGap);
        c.text(2, y + 2, kLaneNames[l], colour_of(kOrder[l]));
        c.fill(kLeft, y + kRowsPerLane * kLaneRow + kLaneGap / 2 - 1, kLeft + plot, y + kRowsPerLane * kLaneRow + kLaneGap / 2, Rgb{50, 50, 60});
    }
    for (const auto& e : events) {
        const Rgb col = colour_of(e.direction);
        const int x0 = std::clamp(x_of(e.start), kLeft, kLeft + plot - 1);
        const int x1 = std::clamp(std::max(x_of(e.end), x0 + 2), kLeft + 1, kLeft + plot);
        const auto [lo, hi] = band_of(e);
        c.frame(x0, y_of(hi), x1, y_of(lo) + 1, col);
        const auto l = static_cast<std::size_t>(std::find(kOrder.begin(), kOrder.end(), e.direction) - kOrder.begin());
        std::size_t r = 0;
        while (r + 1 < kRowsPerLane && row_end[l][r] >= x0) ++r;
        const std::string label = label_of(e);
        const int lane_y = lanes_top + static_cast<int>(l) * (kRowsPerLane * kLaneRow + kLaneGap) + static_cast<int>(r) * kLaneRow;
        c.fill(x0, lane_y + 1, x1, lane_y + kLaneRow - 1, col);
        // The label may run past a short bar, up to where the next bar of the row could start.
        const int text_end = std::max(x1, x0 + 2 + text_width(label));
        c.text(x0 + 2, lane_y + 2, label, Rgb{0, 0, 0}, x1);
        if (text_end > x1) c.text(x0 + 2, lane_y + 2, label, col, text_end, x1);
        row_end[l][r] = std::max(x1, text_end) + 2;
    }
    decode::write_png(path, c);
    return {c.width(), c.height()};
}

}  // namespace modem::decode
