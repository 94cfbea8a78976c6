// SPDX-License-Identifier: MIT
/// \file
/// Spectral signatures of V.32 AA/AC, V.34 phase 2 and line probing, and V.8bis tones (signatures.hpp).
#include "modem/decode/signatures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace modem::decode {

namespace {

constexpr double kBinHz = 31.25;               // 8000 / 256: the decoder's spectrogram bins
constexpr std::size_t kBins = 129;
constexpr SampleTime kWindow = 256;            // spectrogram window, samples
constexpr double kHannEnbwBins = 1.5;          // equivalent noise bandwidth of the Hann window
constexpr std::size_t kBandLo = 7, kBandHi = 121;    // 218..3781 Hz: the 200-3800 Hz band
constexpr std::size_t kWideLo = 3, kWideHi = 124;    // 94..3875 Hz: the probing comb's band
constexpr int kToneHalfBins = 2;               // a Hann-windowed tone's main lobe: +/-2 bins

// V.34 10.1.2.4 (via protocols.md 10.5): line probing L1/L2 tones, 150 Hz steps from 150 to
// 3750 Hz, leaving out 900, 1200, 1800 and 2400 Hz.
constexpr double kProbeStepHz = 150.0;
constexpr int kProbeMaxMultiple = 25;
constexpr int kProbeTones = 21;
constexpr int kProbeMinTones = 15;             // project choice
constexpr double kProbeMinShare = 0.5;         // project choice
constexpr double kProbeToneOverGap = 10.0;     // 10 dB over the bins half way between; project choice
constexpr double kV34ToneBHz = 1200.0;         // V.34: tone B and the caller's INFO0 carrier
constexpr double kV34ToneAHz = 2400.0;         // V.34: tone A and the answerer's INFO0 carrier
constexpr double kV32CarrierHz = 1800.0;       // V.32 5.1: carrier 1800 Hz; AA is the unmodulated state
constexpr double kV32AcLowHz = 600.0;          // V.32 AC/CA/CC: ABAB at 2400 baud gives 1800 -/+ 1200 Hz
constexpr double kV32AcHighHz = 3000.0;
constexpr double kAnswerToneHz = 2100.0;       // V.25 ANS (AA may start while ANS is on)
constexpr double kV8bisInitHz[2] = {1375.0, 2002.0};  // V.8bis 7.1: initiating dual tone
constexpr double kV8bisRespHz[2] = {1529.0, 2225.0};  // V.8bis 7.1: responding dual tone
constexpr double kV8bisCReHz = 400.0;          // RFC 2833 (via protocols.md 10.2): CRe second segment
constexpr double kV8bisCRdHz = 1900.0;         // CRdi / CRdr second segment
constexpr double kSecondTolHz = 40.0;          // project choice
constexpr int kSecondCols = 10;                // 160 ms looked at after the dual tone; project choice
constexpr double kSecondMinShare = 0.5;        // project choice

double tone(std::span<const double> p, double f) {
    const auto k = static_cast<int>(std::lround(f / kBinHz));
    double s = 0.0;
    for (int i = k - kToneHalfBins; i <= k + kToneHalfBins; ++i)
        if (i >= 0 && i < static_cast<int>(kBins)) s += p[static_cast<std::size_t>(i)];
    return s;
}

double sum(std::span<const double> p, std::size_t lo, std::size_t hi) {
    double s = 0.0;
    for (std::size_t k = lo; k <= hi; ++k) s += p[k];
    return s;
}

bool is_probe_gap(int m) { return m == 6 || m == 8 || m == 12 || m == 16; }  // 900, 1200, 1800, 2400 Hz

/// Comb tones standing out of the bins half way between, and the comb's share of the power.
std::pair<int, double> probe_tones(std::span<const double> p) {
    int n = 0;
    double comb = 0.0;
    for (int m = 1; m <= kProbeMaxMultiple; ++m) {
        if (is_probe_gap(m)) continue;
        const double f = m * kProbeStepHz;
        const auto k = static_cast<std::size_t>(std::lround(f / kBinHz));
        const double peak = std::max({p[k - 1], p[k], p[k + 1]});
        comb += p[k - 1] + p[k] + p[k + 1];
        const auto lo = static_cast<std::size_t>(std::lround((f - kProbeStepHz / 2) / kBinHz));
        const auto hi = static_cast<std::size_t>(std::lround((f + kProbeStepHz / 2) / kBinHz));
        const double gap = 0.5 * (p[lo] + p[std::min(hi, kBins - 1)]);
        if (peak >= kProbeToneOverGap * gap) ++n;
    }
    return {n, comb / std::max(1e-30, sum(p, kWideLo, kWideHi))};
}

const char* class_name(SignatureTracker::Class c) {
    switch (c) {
    case SignatureTracker::Class::None: return "";
    case SignatureTracker::Class::V34Probing: return "V.34 line probing (L1/L2 comb)";
    case SignatureTracker::Class::V34Phase2: return "V.34 phase 2: INFO0 / tone B 1200 Hz (caller) and tone A 2400 Hz (answerer)";
    case SignatureTracker::Class::V32Ac: return "V.32 AC/CA/CC: 600 + 3000 Hz";
    case SignatureTracker::Class::V8bisInit: return "V.8bis initiating dual tone 1375 + 2002 Hz";
    case SignatureTracker::Class::V8bisResp: return "V.8bis responding dual tone 1529 + 2225 Hz";
    case SignatureTracker::Class::V32Aa: return "V.32 AA: 1800 Hz";
    }
    return "";
}

}  // namespace

SignatureTracker::SignatureTracker(const Config& cfg) : cfg_(cfg) {}

SignatureTracker::Class SignatureTracker::classify(std::span<const double> p) const noexcept {
    if (p.size() != kBins) return Class::None;
    const double band = sum(p, kBandLo, kBandHi);
    if (band / kHannEnbwBins < dsp::dbm0_to_power(cfg_.min_dbm0)) return Class::None;
    const auto [n_probe, comb_share] = probe_tones(p);
    if (n_probe >= kProbeMinTones && comb_share >= kProbeMinShare) return Class::V34Probing;
    const double b = tone(p, kV34ToneBHz) / band, a = tone(p, kV34ToneAHz) / band;
    if (a + b >= 0.5 && a >= 0.1 && b >= 0.1) return Class::V34Phase2;
    const double lo = tone(p, kV32AcLowHz) / band, hi = tone(p, kV32AcHighHz) / band;
    if (lo + hi >= 0.6 && lo >= 0.15 && hi >= 0.15) return Class::V32Ac;
    const double i0 = tone(p, kV8bisInitHz[0]) / band, i1 = tone(p, kV8bisInitHz[1]) / band;
    if (i0 + i1 >= 0.7 && i0 >= 0.2 && i1 >= 0.2) return Class::V8bisInit;
    const double r0 = tone(p, kV8bisRespHz[0]) / band, r1 = tone(p, kV8bisRespHz[1]) / band;
    if (r0 + r1 >= 0.7 && r0 >= 0.2 && r1 >= 0.2) return Class::V8bisResp;
    const double aa = tone(p, kV32CarrierHz) / band, ans = tone(p, kAnswerToneHz) / band;
    if (aa >= 0.2 && aa + ans >= 0.8) {
        // The line itself, not V.21 channel 2's 1850 Hz space in the same five bins: the
        // strongest bin near 1800 Hz is within one bin of it.
        const auto k = static_cast<std::size_t>(std::lround(kV32CarrierHz / kBinHz));
        std::size_t best = k - 3;
        for (std::size_t i = k - 3; i <= k + 3; ++i)
            if (p[i] > p[best]) best = i;
        if (std::fabs(static_cast<double>(best) * kBinHz - kV32CarrierHz) <= kBinHz) return Class::V32Aa;
    }
    return Class::None;
}

void SignatureTracker::column(SampleTime end, std::span<const double> lin, std::vector<Event>& out) {
    if (lin.size() != kBins) return;
    // Second segment of a V.8bis signal: the strongest single tone after the dual tone.
    if (v8bis_open_) {
        if (v8bis_wait_ > 0) {
            --v8bis_wait_;  // the transition column
        } else {
            for (std::size_t k = 0; k < kBins; ++k) second_[k] += lin[k];
            second_end_ = end;
            if (++second_cols_ >= kSecondCols) emit_v8bis(out);
        }
    }
    const Class c = classify(lin);
    if (c == cls_ && c != Class::None) {
        ++cols_;
        gap_ = 0;
        last_ = end;
        power_sum_ += sum(lin, kBandLo, kBandHi) / kHannEnbwBins;
        if (c == Class::V34Probing) tones_max_ = std::max(tones_max_, probe_tones(lin).first);
        return;
    }
    if (cls_ != Class::None && c == Class::None && gap_ == 0) {
        gap_ = 1;  // one column may miss
        return;
    }
    close(out);
    if (c == Class::None) return;
    cls_ = c;
    start_ = end - kWindow + 64;  // the middle half of the first window
    last_ = end;
    cols_ = 1;
    gap_ = 0;
    power_sum_ = sum(lin, kBandLo, kBandHi) / kHannEnbwBins;
    tones_max_ = c == Class::V34Probing ? probe_tones(lin).first : 0;
}

void SignatureTracker::close(std::vector<Event>& out) {
    const Class c = cls_;
    cls_ = Class::None;
    gap_ = 0;
    if (c == Class::None) return;
    const int min_cols = c == Class::V32Ac ? 2 : (c == Class::V8bisInit || c == Class::V8bisResp) ? 12 : 6;
    if (cols_ < min_cols) return;
    Event e;
    e.start = start_;
    e.end = last_ - 64;
    e.direction = Direction::Unknown;
    const double level = dsp::power_to_dbm0(power_sum_ / cols_);
    char buf[48];
    std::snprintf(buf, sizeof buf, ", %.0f dBm0", level);
    e.summary = std::string(class_name(c)) + buf;
    switch (c) {
    case Class::None: return;
    case Class::V34Probing:
        e.kind = Kind::V34Probing;
        e.fields.push_back({"tones", std::int64_t{tones_max_}});
        e.summary += ", " + std::to_string(tones_max_) + " of " + std::to_string(kProbeTones) + " tones";
        break;
    case Class::V34Phase2: e.kind = Kind::V34Phase2; break;
    case Class::V32Ac: e.kind = Kind::V32Ac; break;
    case Class::V32Aa:
        e.kind = Kind::V32Aa;
        e.direction = Direction::Caller;
        break;
    case Class::V8bisInit:
    case Class::V8bisResp: {
        e.kind = Kind::V8bis;
        const bool init = c == Class::V8bisInit;
        const auto& f = init ? kV8bisInitHz : kV8bisRespHz;
        e.fields.push_back({"role", std::string(init ? "initiating" : "responding")});
        e.fields.push_back({"tones_hz", std::vector<double>{f[0], f[1]}});
        e.fields.push_back({"level_dbm0", std::round(level * 10.0) / 10.0});
        if (v8bis_open_) emit_v8bis(out);
        v8bis_ = std::move(e);
        v8bis_open_ = true;
        v8bis_wait_ = 1;
        second_.fill(0.0);
        second_cols_ = 0;
        second_end_ = v8bis_.end;
        return;
    }
    }
    e.fields.push_back({"level_dbm0", std::round(level * 10.0) / 10.0});
    out.push_back(std::move(e));
}

void SignatureTracker::emit_v8bis(std::vector<Event>& out) {
    v8bis_open_ = false;
    Event e = std::move(v8bis_);
    double second_hz = 0.0;
    if (second_cols_ > 0) {
        std::size_t best = kBandLo;
        for (std::size_t k = kBandLo; k <= kBandHi; ++k)
            if (second_[k] > second_[best]) best = k;
        const double share = tone(second_, static_cast<double>(best) * kBinHz) / std::max(1e-30, sum(second_, kBandLo, kBandHi));
        if (share >= kSecondMinShare) second_hz = std::round(static_cast<double>(best) * kBinHz / 10.0) * 10.0;
    }
    const bool init = std::get<std::string>(*e.field("role")) == "initiating";
    std::string signal;
    if (second_hz > 0.0) {
        if (init && std::fabs(second_hz - kV8bisCReHz) <= kSecondTolHz) signal = "CRe";
        else if (std::fabs(second_hz - kV8bisCRdHz) <= kSecondTolHz) signal = init ? "CRdi" : "CRdr";
        e.fields.push_back({"second_tone_hz", second_hz});
        char buf[48];
        std::snprintf(buf, sizeof buf, ", then %.0f Hz", second_hz);
        e.summary += buf;
    }
    e.fields.push_back({"signal", signal});
    if (!signal.empty()) e.summary += " (" + signal + ")";
    out.push_back(std::move(e));
}

void SignatureTracker::finish(std::vector<Event>& out) {
    close(out);
    if (v8bis_open_) emit_v8bis(out);
}

}  // namespace modem::decode
