// SPDX-License-Identifier: MIT
/// \file
/// DTMF decoder (Q.23 frequencies, Q.24-style acceptance) with phase-step frequency checks.
#include "modem/tones/dtmf.hpp"

#include <algorithm>
#include <cmath>

#include "modem/tones/tone_gen.hpp"

namespace modem::tones {
namespace {
using dsp::kFsHz;
using dsp::kTwoPi;

constexpr double kStrongFraction = 0.5;  // half-power frames count towards the duration; project choice
constexpr double kSteadyFraction = 0.7;  // frames this close to the peak are used for frequency; project choice

double nominal(int bin) noexcept { return bin < 4 ? kDtmfRowHz[bin] : kDtmfColHz[bin - 4]; }
}  // namespace

DtmfDetector::DtmfDetector() : DtmfDetector(Config{}) {}

DtmfDetector::DtmfDetector(const Config& cfg) : cfg_(cfg), min_power_(dsp::dbm0_to_power(cfg.min_level_dbm0)) {
    for (int i = 0; i < kLen; ++i) {
        // Periodic Hann window.
        const double w = 0.5 - 0.5 * std::cos(kTwoPi * (i + 0.5) / kLen);
        w2_[static_cast<std::size_t>(i)] = w * w;
        wsum_ += w;
        w2sum_ += w * w;
        for (int b = 0; b < 8; ++b)
            coef_[static_cast<std::size_t>(b)][static_cast<std::size_t>(i)] =
                std::polar(w, -kTwoPi * nominal(b) * i / kFsHz);
    }
    reset();
}

void DtmfDetector::reset() noexcept {
    ring_ = {};
    now_ = 0;
    run_label_ = -1;
    gap_ = 0;
    n_frames_ = 0;
    last_frame_ = 0;
    frame_digit_ = 0;
    event_ = {};
    emitted_ = false;
}

bool DtmfDetector::push(float x) noexcept {
    ring_[static_cast<std::size_t>(now_ % kLen)] = x;
    ++now_;
    if (now_ < kLen || now_ % kHop != 0) return false;
    emitted_ = false;
    on_frame();
    return emitted_;
}

void DtmfDetector::on_frame() noexcept {
    const SampleTime s = now_ - kLen;
    const SampleTime index = s / kHop;
    std::array<std::complex<double>, 8> X{};
    std::array<double, 8> p{};
    double total = 0.0;
    for (int i = 0; i < kLen; ++i) {
        const double v = ring_[static_cast<std::size_t>((s + i) % kLen)];
        total += w2_[static_cast<std::size_t>(i)] * v * v;
        for (std::size_t b = 0; b < 8; ++b) X[b] += v * coef_[b][static_cast<std::size_t>(i)];
    }
    total /= w2sum_;
    for (std::size_t b = 0; b < 8; ++b) {
        // Refer the phase to absolute time: exp(-j 2 pi f s / fs), exact because f is an integer.
        const auto f = static_cast<SampleTime>(nominal(static_cast<int>(b)));
        const double turns = static_cast<double>((f * (s % kFsHz)) % kFsHz) / kFsHz;
        X[b] *= std::polar(1.0, -kTwoPi * turns);
        p[b] = 2.0 * std::norm(X[b]) / (wsum_ * wsum_);
    }
    auto best_two = [&](std::size_t first, int& best, double& runner) {
        best = static_cast<int>(first);
        for (std::size_t b = first + 1; b < first + 4; ++b)
            if (p[b] > p[static_cast<std::size_t>(best)]) best = static_cast<int>(b);
        runner = 0.0;
        for (std::size_t b = first; b < first + 4; ++b)
            if (static_cast<int>(b) != best) runner = std::max(runner, p[b]);
    };
    int r = 0, c = 0;
    double r2 = 0.0, c2 = 0.0;
    best_two(0, r, r2);
    best_two(4, c, c2);
    const double pr = p[static_cast<std::size_t>(r)], pc = p[static_cast<std::size_t>(c)];
    const double dom = dsp::db_to_power(cfg_.min_dominance_db);
    const bool valid = pr >= min_power_ && pc >= min_power_ && pr >= dom * r2 && pc >= dom * c2 &&
                       pc <= dsp::db_to_power(cfg_.max_normal_twist_db) * pr &&
                       pr <= dsp::db_to_power(cfg_.max_reverse_twist_db) * pc && pr + pc >= cfg_.min_purity * total;
    const int label = valid ? r * 4 + (c - 4) : -1;
    frame_digit_ = valid ? kDtmfKeys[label] : 0;

    if (run_label_ >= 0) {
        if (label == run_label_) {
            gap_ = 0;
        } else {
            ++gap_;
            if (label >= 0 || gap_ >= cfg_.max_gap_frames) close_run();
        }
    }
    if (label >= 0 && label != run_label_) {
        run_label_ = label;
        gap_ = 0;
        n_frames_ = 0;
    }
    if (label >= 0) {
        last_frame_ = index;
        if (n_frames_ < kMaxStored)
            frames_[static_cast<std::size_t>(n_frames_++)] = {index, X[static_cast<std::size_t>(r)],
                                                               X[static_cast<std::size_t>(c)], pr, pc};
    }
}

void DtmfDetector::close_run() noexcept {
    const int label = run_label_;
    run_label_ = -1;
    gap_ = 0;
    if (label < 0 || n_frames_ == 0) return;
    const std::span<const Frame> fr(frames_.data(), static_cast<std::size_t>(n_frames_));
    double maxr = 0.0, maxc = 0.0;
    for (const auto& f : fr) {
        maxr = std::max(maxr, f.pr);
        maxc = std::max(maxc, f.pc);
    }
    int strong = 0;
    SampleTime first_strong = -1, last_strong = -1;
    double level = 0.0;
    int n_steady = 0;
    for (const auto& f : fr) {
        if (f.pr >= kStrongFraction * maxr && f.pc >= kStrongFraction * maxc) {
            ++strong;
            if (first_strong < 0) first_strong = f.index;
            last_strong = f.index;
        }
        if (f.pr >= kSteadyFraction * maxr) {
            level += f.pr;
            ++n_steady;
        }
    }
    // Phase step per hop, summed over consecutive frames that both carry the tone at near-peak power
    // (frames cut by the tone's edges have a shifted time centroid and would bias the estimate);
    // if noise leaves no such pair, over consecutive half-power frames.
    auto phase_sum = [&](bool row, double fraction) {
        const double lim = fraction * (row ? maxr : maxc);
        std::complex<double> sum{};
        for (std::size_t k = 1; k < fr.size(); ++k) {
            const auto& f = fr[k];
            const auto& g = fr[k - 1];
            if (g.index + 1 != f.index) continue;
            if (row && f.pr >= lim && g.pr >= lim) sum += f.xr * std::conj(g.xr);
            if (!row && f.pc >= lim && g.pc >= lim) sum += f.xc * std::conj(g.xc);
        }
        return sum;
    };
    std::complex<double> sr = phase_sum(true, kSteadyFraction);
    std::complex<double> sc = phase_sum(false, kSteadyFraction);
    if (std::abs(sr) == 0.0) sr = phase_sum(true, kStrongFraction);
    if (std::abs(sc) == 0.0) sc = phase_sum(false, kStrongFraction);
    if (n_frames_ == kMaxStored) {  // a long digit: all stored frames count, and it ends at the last frame
        strong = std::max(strong, cfg_.min_frames);
        last_strong = last_frame_;
    }
    if (strong < cfg_.min_frames || std::abs(sr) == 0.0 || std::abs(sc) == 0.0) return;
    const double fr0 = kDtmfRowHz[label / 4], fc0 = kDtmfColHz[label % 4];
    const double k_hz = kFsHz / (kTwoPi * kHop);
    const double fr_hz = fr0 + std::arg(sr) * k_hz;
    const double fc_hz = fc0 + std::arg(sc) * k_hz;
    if (std::abs(fr_hz - fr0) > cfg_.max_freq_dev * fr0 || std::abs(fc_hz - fc0) > cfg_.max_freq_dev * fc0) return;
    event_ = ToneEvent{};
    event_.kind = ToneKind::Dtmf;
    event_.digit = kDtmfKeys[label];
    // A half-power frame holds at least ~60 % of the tone: its start lies within [t0 - 64, t0 + 16)
    // of the tone start t0, and the last one ends within (t1 - 16, t1 + 64] of the tone end t1.
    event_.start = first_strong * kHop + 24;
    event_.end = last_strong * kHop + kLen - 24;
    event_.freq_hz = fr_hz;
    event_.freq2_hz = fc_hz;
    event_.level_dbm0 = dsp::power_to_dbm0(level / std::max(n_steady, 1));
    emitted_ = true;
}

std::span<const ToneEvent> DtmfDetector::finish() noexcept {
    emitted_ = false;
    close_run();
    return emitted_ ? std::span<const ToneEvent>(&event_, 1) : std::span<const ToneEvent>();
}

}  // namespace modem::tones
