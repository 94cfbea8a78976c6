// SPDX-License-Identifier: MIT
/// \file
/// Tone sequencer and the named tones of V.25, V.8, T.30, Q.23 and the North American call-progress plan.
#include "modem/tones/tone_gen.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace modem::tones {
namespace {
using dsp::kFsHz;
using dsp::ms_to_samples;

constexpr double kAnsFreqHz = 2100.0;           // V.25 ANS and V.8 ANSam carrier
constexpr double kAnsamAmFreqHz = 15.0;         // V.8: 15 +/- 0.1 Hz envelope
constexpr double kAnsamAmDepth = 0.2;           // V.8: envelope 0.8 .. 1.2 of its mean
constexpr SampleTime kReversalPeriod = 3600;    // V.25 / V.8: 450 ms at 8 kHz
constexpr double kAnsReversalLevelDbm0 = -12.0; // spandsp sends the reversing variants 1 dB lower [1]
constexpr double kCngFreqHz = 1100.0;           // T.30 CNG
constexpr double kCngOnMs = 500.0;              // T.30: 0.5 s on
constexpr double kCngOffMs = 3000.0;            // T.30: 3 s off
constexpr double kCtFreqHz = 1300.0;            // V.25 CT
constexpr double kCtOnMs = 600.0;               // V.25: 0.5 .. 0.7 s on (spandsp uses 0.6)
constexpr double kCtOffMs = 2000.0;             // V.25: 1.5 .. 2.0 s off (spandsp uses 2.0)
constexpr double kDialLowHz = 350.0, kDialHighHz = 440.0;      // North American precise dial tone
constexpr double kBusyLowHz = 480.0, kBusyHighHz = 620.0;      // North American busy
constexpr double kBusyOnMs = 500.0, kBusyOffMs = 500.0;        // 0.5 s / 0.5 s
constexpr double kRingLowHz = 440.0, kRingHighHz = 480.0;      // North American ringback
constexpr double kRingOnMs = 2000.0, kRingOffMs = 4000.0;      // 2 s / 4 s

constexpr std::array<std::string_view, 12> kNames = {"ans",   "ans-reversals", "ans/", "ansam", "ansam-reversals",
                                                     "ansam/", "cng",          "ct",   "dial",  "busy",
                                                     "ringback", "dtmf"};

/// frac(f * n / fs) in turns, exact for long streams: n = q fs + r, so f n / fs = f q + f r / fs.
double phase_turns(double freq_hz, SampleTime n) noexcept {
    const SampleTime q = n / kFsHz;
    const SampleTime r = n % kFsHz;
    double a = freq_hz * static_cast<double>(q);
    a -= std::floor(a);
    double t = a + freq_hz * static_cast<double>(r) / kFsHz;
    return t - std::floor(t);
}

// Longest sine table per component, project choice: 1600 samples (12.8 kB) covers the 15 Hz
// ANSam envelope and every whole-hertz tone whose frequency shares a factor of 5 with 8000.
constexpr SampleTime kMaxTable = 1600;

/// sin(2 pi f j / fs) for j over one period, with the phase reduced exactly; empty when f is not
/// a whole number of hertz or its period exceeds kMaxTable.
std::vector<double> sine_table(double freq_hz) {
    const double whole = std::round(freq_hz);
    if (whole != freq_hz || whole <= 0.0) return {};
    const auto f = static_cast<SampleTime>(whole);
    SampleTime a = f, b = kFsHz;
    while (b != 0) {
        const SampleTime t = a % b;
        a = b;
        b = t;
    }
    const SampleTime period = kFsHz / a;
    if (period > kMaxTable) return {};
    std::vector<double> t(static_cast<std::size_t>(period));
    for (SampleTime j = 0; j < period; ++j)
        t[static_cast<std::size_t>(j)] = std::sin(dsp::kTwoPi * static_cast<double>((f * j) % kFsHz) / kFsHz);
    return t;
}

SampleTime ms_checked(double ms) {
    if (!(ms > 0.0)) throw std::invalid_argument("tone duration must be > 0 ms");
    return ms_to_samples(ms);
}

ToneSequence::Config on_off(std::vector<ToneComponent> tones, double on_ms, double off_ms) {
    ToneSequence::Config c;
    c.segments.push_back({.tones = std::move(tones), .duration = ms_checked(on_ms)});
    c.segments.push_back({.tones = {}, .duration = ms_checked(off_ms)});
    c.repeat = true;
    return c;
}
}  // namespace

ToneSequence::ToneSequence(Config cfg) : cfg_(std::move(cfg)) {
    total_ = 0;
    bool endless = false;
    for (const auto& s : cfg_.segments) {
        if (s.duration <= 0) throw std::invalid_argument("tone segment duration must be > 0 samples");
        if (s.reversal_period < 0) throw std::invalid_argument("tone reversal period must be >= 0");
        Prepared p;
        for (const auto& t : s.tones) {
            if (!(t.freq_hz > 0.0 && t.freq_hz < kFsHz / 2.0))
                throw std::invalid_argument("tone frequency must be in (0, 4000) Hz");
            p.amp.push_back(dsp::dbm0_to_peak(t.level_dbm0));
            p.table.push_back(sine_table(t.freq_hz));
        }
        if (s.am_depth != 0.0) p.am_table = sine_table(s.am_freq_hz);
        const bool tabled = std::all_of(p.table.begin(), p.table.end(), [](const auto& t) { return !t.empty(); }) &&
                            (s.am_depth == 0.0 || !p.am_table.empty());
        if (!tabled) {
            p.table.clear();
            p.am_table.clear();
        } else if (!p.table.empty()) {
            std::size_t period = p.am_table.empty() ? 1 : p.am_table.size();
            for (const auto& t : p.table) period = std::lcm(period, t.size());
            if (period <= static_cast<std::size_t>(kMaxTable)) {
                // The arithmetic of render()'s table loop, for one period.
                for (std::size_t n = 0; n < period; ++n) {
                    double sum = 0.0;
                    for (std::size_t i = 0; i < p.table.size(); ++i) sum += p.amp[i] * p.table[i][n % p.table[i].size()];
                    if (s.am_depth != 0.0) sum *= 1.0 + s.am_depth * p.am_table[n % p.am_table.size()];
                    p.wave.push_back(static_cast<float>(sum));
                }
                // The wave is all render() reads now.
                p.table = {};
                p.am_table = {};
            }
        }
        prepared_.push_back(std::move(p));
        if (s.duration == kForever) {
            endless = true;
            break;
        }
        period_ += s.duration;
    }
    total_ = (endless || (cfg_.repeat && period_ > 0)) ? kForever : period_;
    reset();
}

void ToneSequence::reset() noexcept {
    now_ = 0;
    seg_ = 0;
    seg_start_ = 0;
}

float ToneSequence::sample(const ToneSegment& seg, const Prepared& p, SampleTime n) const noexcept {
    double sum = 0.0;
    for (std::size_t i = 0; i < seg.tones.size(); ++i)
        sum += p.amp[i] * std::sin(dsp::kTwoPi * phase_turns(seg.tones[i].freq_hz, n));
    if (seg.reversal_period > 0 && ((n / seg.reversal_period) & 1) != 0) sum = -sum;
    if (seg.am_depth != 0.0) sum *= 1.0 + seg.am_depth * std::sin(dsp::kTwoPi * phase_turns(seg.am_freq_hz, n));
    return static_cast<float>(sum);
}

void ToneSequence::render(const ToneSegment& seg, const Prepared& p, SampleTime n0, std::span<float> out) const noexcept {
    if (!p.wave.empty()) {
        // sample() negates the sum before the envelope; -(s m) == (-s) m and float(-v) == -float(v)
        // exactly, so a flip of the stored sample gives the same bits.
        const auto period = static_cast<SampleTime>(p.wave.size());
        std::size_t k = static_cast<std::size_t>(n0 % period);
        const SampleTime rp = seg.reversal_period;
        bool negate = rp > 0 && ((n0 / rp) & 1) != 0;
        SampleTime to_flip = rp > 0 ? rp - n0 % rp : kForever;
        std::size_t j = 0;
        while (j < out.size()) {
            const auto run = static_cast<std::size_t>(std::min<SampleTime>(to_flip, static_cast<SampleTime>(out.size() - j)));
            // In pieces that end at the run's end or at the period's: plain copies (or negated
            // ones) the compiler vectorises.
            for (const std::size_t e = j + run; j < e;) {
                const std::size_t c = std::min(e - j, p.wave.size() - k);
                const float* src = p.wave.data() + k;
                float* dst = out.data() + j;
                if (negate) {
                    for (std::size_t i = 0; i < c; ++i) dst[i] = -src[i];
                } else {
                    std::copy_n(src, c, dst);
                }
                j += c;
                k += c;
                if (k == p.wave.size()) k = 0;
            }
            to_flip -= static_cast<SampleTime>(run);
            if (to_flip == 0) {
                negate = !negate;
                to_flip = rp;
            }
        }
        return;
    }
    if (p.table.size() != seg.tones.size() || (seg.am_depth != 0.0 && p.am_table.empty()) || p.table.size() > 4) {
        for (std::size_t j = 0; j < out.size(); ++j) out[j] = sample(seg, p, n0 + static_cast<SampleTime>(j));
        return;
    }
    // The same arithmetic as sample(), with the sines read from the tables at running indices.
    std::array<std::size_t, 4> k{};
    for (std::size_t i = 0; i < p.table.size(); ++i)
        k[i] = static_cast<std::size_t>(n0 % static_cast<SampleTime>(p.table[i].size()));
    const bool am = seg.am_depth != 0.0;
    std::size_t ka = am ? static_cast<std::size_t>(n0 % static_cast<SampleTime>(p.am_table.size())) : 0;
    const SampleTime rp = seg.reversal_period;
    bool negate = rp > 0 && ((n0 / rp) & 1) != 0;
    SampleTime to_flip = rp > 0 ? rp - n0 % rp : kForever;
    for (float& x : out) {
        double sum = 0.0;
        for (std::size_t i = 0; i < p.table.size(); ++i) {
            sum += p.amp[i] * p.table[i][k[i]];
            if (++k[i] == p.table[i].size()) k[i] = 0;
        }
        if (negate) sum = -sum;
        if (am) {
            sum *= 1.0 + seg.am_depth * p.am_table[ka];
            if (++ka == p.am_table.size()) ka = 0;
        }
        if (--to_flip == 0) {
            negate = !negate;
            to_flip = rp;
        }
        x = static_cast<float>(sum);
    }
}

void ToneSequence::generate(std::span<float> out) noexcept {
    std::size_t pos = 0;
    while (pos < out.size()) {
        // Advance past finished segments (possibly wrapping when repeating).
        while (seg_ < prepared_.size()) {
            const SampleTime d = cfg_.segments[seg_].duration;
            if (d == kForever || now_ - seg_start_ < d) break;
            seg_start_ += d;
            ++seg_;
            if (seg_ == prepared_.size() && cfg_.repeat && period_ > 0) seg_ = 0;
        }
        const std::size_t left = out.size() - pos;
        if (seg_ >= prepared_.size()) {
            std::fill(out.begin() + static_cast<std::ptrdiff_t>(pos), out.end(), 0.0f);
            now_ += static_cast<SampleTime>(left);
            return;
        }
        const ToneSegment& seg = cfg_.segments[seg_];
        const SampleTime in_seg = now_ - seg_start_;
        const std::size_t n = seg.duration == kForever
                                  ? left
                                  : static_cast<std::size_t>(std::min<SampleTime>(seg.duration - in_seg, static_cast<SampleTime>(left)));
        render(seg, prepared_[seg_], in_seg, out.subspan(pos, n));
        pos += n;
        now_ += static_cast<SampleTime>(n);
    }
}

ToneSequence::Config ans(const AnsConfig& cfg) {
    ToneSequence::Config c;
    c.segments.push_back({.tones = {{kAnsFreqHz, cfg.level_dbm0}},
                          .duration = ms_checked(cfg.duration_ms),
                          .reversal_period = cfg.reversals ? kReversalPeriod : 0});
    return c;
}

ToneSequence::Config ansam(const AnsamConfig& cfg) {
    ToneSequence::Config c;
    c.segments.push_back({.tones = {{kAnsFreqHz, cfg.level_dbm0}},
                          .duration = ms_checked(cfg.duration_ms),
                          .am_freq_hz = kAnsamAmFreqHz,
                          .am_depth = kAnsamAmDepth,
                          .reversal_period = cfg.reversals ? kReversalPeriod : 0});
    return c;
}

ToneSequence::Config cng(const CadenceToneConfig& cfg) {
    return on_off({{kCngFreqHz, cfg.level_dbm0}}, cfg.on_ms > 0 ? cfg.on_ms : kCngOnMs,
                  cfg.off_ms > 0 ? cfg.off_ms : kCngOffMs);
}

ToneSequence::Config ct(const CadenceToneConfig& cfg) {
    return on_off({{kCtFreqHz, cfg.level_dbm0}}, cfg.on_ms > 0 ? cfg.on_ms : kCtOnMs,
                  cfg.off_ms > 0 ? cfg.off_ms : kCtOffMs);
}

ToneSequence::Config dial(const CadenceToneConfig& cfg) {
    ToneSequence::Config c;
    c.segments.push_back({.tones = {{kDialLowHz, cfg.level_dbm0}, {kDialHighHz, cfg.level_dbm0}},
                          .duration = cfg.on_ms > 0 ? ms_checked(cfg.on_ms) : kForever});
    return c;
}

ToneSequence::Config busy(const CadenceToneConfig& cfg) {
    return on_off({{kBusyLowHz, cfg.level_dbm0}, {kBusyHighHz, cfg.level_dbm0}},
                  cfg.on_ms > 0 ? cfg.on_ms : kBusyOnMs, cfg.off_ms > 0 ? cfg.off_ms : kBusyOffMs);
}

ToneSequence::Config ringback(const CadenceToneConfig& cfg) {
    return on_off({{kRingLowHz, cfg.level_dbm0}, {kRingHighHz, cfg.level_dbm0}},
                  cfg.on_ms > 0 ? cfg.on_ms : kRingOnMs, cfg.off_ms > 0 ? cfg.off_ms : kRingOffMs);
}

DtmfPair dtmf_frequencies(char digit) {
    const char d = static_cast<char>(std::toupper(static_cast<unsigned char>(digit)));
    for (int i = 0; i < 16; ++i) {
        if (kDtmfKeys[i] == d) return {kDtmfRowHz[i / 4], kDtmfColHz[i % 4]};
    }
    throw std::invalid_argument(std::string("not a DTMF digit: '") + digit + "' (use 0-9 * # A-D)");
}

ToneSequence::Config dtmf(std::string_view digits, const DtmfConfig& cfg) {
    if (digits.empty()) throw std::invalid_argument("DTMF needs at least one digit");
    ToneSequence::Config c;
    const SampleTime on = ms_checked(cfg.on_ms);
    const SampleTime off = ms_checked(cfg.off_ms);
    for (char d : digits) {
        const DtmfPair f = dtmf_frequencies(d);
        c.segments.push_back(
            {.tones = {{f.row_hz, cfg.low_level_dbm0}, {f.col_hz, cfg.high_level_dbm0}}, .duration = on});
        c.segments.push_back({.tones = {}, .duration = off});
    }
    return c;
}

ToneSequence::Config tone_by_name(std::string_view name, std::string_view digits) {
    if (name == "ans") return ans();
    if (name == "ans-reversals" || name == "ans/")
        return ans({.level_dbm0 = kAnsReversalLevelDbm0, .reversals = true});
    if (name == "ansam") return ansam();
    if (name == "ansam-reversals" || name == "ansam/")
        return ansam({.level_dbm0 = kAnsReversalLevelDbm0, .reversals = true});
    if (name == "cng") return cng();
    if (name == "ct") return ct();
    if (name == "dial") return dial();
    if (name == "busy") return busy();
    if (name == "ringback") return ringback();
    if (name == "dtmf") {
        if (digits.empty()) throw std::invalid_argument("tone dtmf needs digits, e.g. 'squeal tone dtmf 123#'");
        return dtmf(digits);
    }
    std::string known;
    for (auto n : kNames) known += (known.empty() ? "" : ", ") + std::string(n);
    throw std::invalid_argument("unknown tone '" + std::string(name) + "' (known: " + known + ")");
}

std::span<const std::string_view> tone_names() noexcept { return kNames; }

}  // namespace modem::tones
