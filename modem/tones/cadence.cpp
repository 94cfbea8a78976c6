// SPDX-License-Identifier: MIT
/// \file
/// Frequency-plus-cadence tone detector and its presets (T.30 CNG, V.25 CT, call progress).
#include "modem/tones/cadence.hpp"

#include <algorithm>
#include <stdexcept>

namespace modem::tones {
namespace {
using dsp::ms_to_samples;
}  // namespace

CadenceDetector::CadenceDetector(Config cfg)
    : cfg_(std::move(cfg)),
      min_power_(dsp::dbm0_to_power(cfg_.min_level_dbm0)),
      on_min_(ms_to_samples(cfg_.on_min_ms)),
      on_max_(ms_to_samples(cfg_.on_max_ms)),
      off_min_(ms_to_samples(cfg_.off_min_ms)),
      off_max_(ms_to_samples(cfg_.off_max_ms)) {
    if (cfg_.freqs_hz.empty()) throw std::invalid_argument("cadence detector needs at least one frequency");
    if (cfg_.window == 0) throw std::invalid_argument("cadence detector window must be > 0 samples");
    for (double f : cfg_.freqs_hz) bank_.emplace_back(dsp::Goertzel::Config{.freq_hz = f, .window = cfg_.window});
    reset();
}

void CadenceDetector::reset() noexcept {
    for (auto& g : bank_) g.reset();
    now_ = win_ = 0;
    in_burst_ = false;
    burst_start_ = last_on_win_ = 0;
    off_count_ = 0;
    burst_power_ = 0.0;
    burst_windows_ = 0;
    run_ = false;
    run_start_ = run_end_ = 0;
    cycles_ = 0;
    run_power_ = 0.0;
    run_windows_ = 0;
    event_ = {};
    n_pending_ = 0;
}

void CadenceDetector::emit(const ToneEvent& e) noexcept {
    event_ = e;
    if (n_pending_ < pending_.size()) pending_[n_pending_++] = e;
}

bool CadenceDetector::push(float x) noexcept {
    bool done = false;
    for (auto& g : bank_) done = g.push(x);  // all windows complete on the same sample
    ++now_;
    if (!done) return false;
    n_pending_ = 0;
    on_window();
    ++win_;
    return n_pending_ > 0;
}

void CadenceDetector::on_window() noexcept {
    const auto n = static_cast<SampleTime>(cfg_.window);
    double sum = 0.0, weakest = 1e300;
    for (const auto& g : bank_) {
        sum += g.last().power;
        weakest = std::min(weakest, g.last().power);
    }
    const double total = bank_.front().last().total_power;
    const bool on = weakest >= min_power_ && sum >= cfg_.min_purity * total && weakest >= cfg_.min_share * sum;

    if (on) {
        if (!in_burst_) {
            in_burst_ = true;
            burst_start_ = win_ * n;
            burst_power_ = 0.0;
            burst_windows_ = 0;
        }
        last_on_win_ = win_;
        off_count_ = 0;
        burst_power_ += sum / static_cast<double>(bank_.size());
        ++burst_windows_;
    } else if (in_burst_ && ++off_count_ >= cfg_.off_windows) {
        in_burst_ = false;
        burst_done(burst_start_, (last_on_win_ + 1) * n);
        return;
    }
    // Silence longer than the cadence allows ends a run.
    if (run_ && !in_burst_ && now_ - run_end_ > off_max_) close_run();
}

void CadenceDetector::burst_done(SampleTime start, SampleTime end) noexcept {
    const SampleTime dur = end - start;
    const bool ok = dur >= on_min_ && (on_max_ == 0 || dur <= on_max_);
    const SampleTime gap = start - run_end_;
    if (ok && run_ && gap >= off_min_ && gap <= off_max_) {
        ++cycles_;
        run_end_ = end;
        run_power_ += burst_power_;
        run_windows_ += burst_windows_;
        return;
    }
    close_run();
    if (ok) {
        run_ = true;
        run_start_ = start;
        run_end_ = end;
        cycles_ = 1;
        run_power_ = burst_power_;
        run_windows_ = burst_windows_;
    }
}

void CadenceDetector::close_run() noexcept {
    if (!run_) return;
    run_ = false;
    if (cycles_ < cfg_.min_cycles) return;
    ToneEvent e;
    e.kind = cfg_.kind;
    e.start = run_start_;
    e.end = run_end_;
    e.cycles = cycles_;
    e.freq_hz = cfg_.freqs_hz.front();
    e.freq2_hz = cfg_.freqs_hz.size() > 1 ? cfg_.freqs_hz[1] : 0.0;
    e.level_dbm0 = run_windows_ > 0 ? dsp::power_to_dbm0(run_power_ / run_windows_) : -100.0;
    emit(e);
}

std::span<const ToneEvent> CadenceDetector::finish() noexcept {
    n_pending_ = 0;
    if (in_burst_) {
        in_burst_ = false;
        burst_done(burst_start_, (last_on_win_ + 1) * static_cast<SampleTime>(cfg_.window));
    }
    close_run();
    return {pending_.data(), n_pending_};
}

CadenceDetector::Config cng_detector() {
    // T.30: 1100 +/- 38 Hz, 0.5 s on (+/-15 %), 3 s off (+/-15 %); ranges widened by one window.
    return {.kind = ToneKind::Cng, .freqs_hz = {1100.0}, .window = 80, .off_windows = 3,
            .on_min_ms = 400.0, .on_max_ms = 650.0, .off_min_ms = 2400.0, .off_max_ms = 3700.0, .min_cycles = 1};
}

CadenceDetector::Config ct_detector() {
    // V.25: 1300 Hz, 0.5-0.7 s on, 1.5-2.0 s off; ranges widened by about 0.1 s, project choice.
    return {.kind = ToneKind::Ct, .freqs_hz = {1300.0}, .window = 80, .off_windows = 3,
            .on_min_ms = 420.0, .on_max_ms = 800.0, .off_min_ms = 1300.0, .off_max_ms = 2200.0, .min_cycles = 1};
}

CadenceDetector::Config dial_detector() {
    // 350 + 440 Hz continuous (North American precise dial tone); 0.8 s minimum is a project choice.
    return {.kind = ToneKind::Dial, .freqs_hz = {350.0, 440.0}, .window = 200, .on_min_ms = 800.0};
}

CadenceDetector::Config dial425_detector() {
    // 425 Hz continuous (most of Europe); 0.8 s minimum is a project choice.
    return {.kind = ToneKind::Dial, .freqs_hz = {425.0}, .window = 200, .on_min_ms = 800.0};
}

CadenceDetector::Config busy_detector() {
    // 480 + 620 Hz, 0.5 s on / 0.5 s off (US busy); +/-0.12 s tolerance is a project choice.
    return {.kind = ToneKind::Busy, .freqs_hz = {480.0, 620.0}, .window = 200, .on_min_ms = 380.0,
            .on_max_ms = 650.0, .off_min_ms = 350.0, .off_max_ms = 650.0, .min_cycles = 2};
}

CadenceDetector::Config ringback_detector() {
    // 440 + 480 Hz, 2 s on / 4 s off (US ringback); tolerances are a project choice.
    return {.kind = ToneKind::Ringback, .freqs_hz = {440.0, 480.0}, .window = 200, .on_min_ms = 1600.0,
            .on_max_ms = 2500.0, .off_min_ms = 3000.0, .off_max_ms = 5000.0, .min_cycles = 1};
}

}  // namespace modem::tones
