// SPDX-License-Identifier: MIT
/// \file
/// Answer-tone detector (V.25 ANS, ANS/; V.8 ANSam, ANSam/).
#include "modem/tones/answer_tone.hpp"

#include <algorithm>
#include <cmath>

namespace modem::tones {
namespace {
using dsp::cf32;
using dsp::kFsHz;
using dsp::kPi;
using dsp::kTwoPi;
constexpr double kAnsFreqHz = 2100.0;   // V.25 / V.8 carrier
constexpr double kAmFreqHz = 15.0;      // V.8 ANSam envelope frequency

double proj(std::complex<double> a, std::complex<double> ref_unit) noexcept {
    return (a * std::conj(ref_unit)).real();
}
}  // namespace

AnswerToneDetector::AnswerToneDetector() : AnswerToneDetector(Config{}) {}

AnswerToneDetector::AnswerToneDetector(const Config& cfg)
    : cfg_(cfg),
      min_power_(dsp::dbm0_to_power(cfg.min_level_dbm0)),
      confirm_windows_(static_cast<int>(std::ceil(cfg.confirm_ms * kFsHz / 1000.0 / kWin))) {
    static_assert(static_cast<long>(kAnsFreqHz) * kLoPeriod % kFsHz == 0, "the table holds whole periods");
    for (std::size_t n = 0; n < kLoPeriod; ++n) {
        // Phase reduced in whole numbers first: 2100 n mod 8000.
        const long turns = static_cast<long>(kAnsFreqHz) * static_cast<long>(n) % kFsHz;
        const double ph = -kTwoPi * static_cast<double>(turns) / kFsHz;
        lo_table_[n] = cf32(static_cast<float>(std::cos(ph)), static_cast<float>(std::sin(ph)));
    }
    for (int k = 0; k < 40; ++k) {
        const double ph = -kTwoPi * kAmFreqHz * kWin * k / kFsHz;
        am_table_[static_cast<std::size_t>(k)] =
            cf32(static_cast<float>(std::cos(ph)), static_cast<float>(std::sin(ph)));
    }
    // Averaging the envelope over a 40-sample window scales a 15 Hz component by this factor.
    am_gain_ = std::sin(kPi * kAmFreqHz * kWin / kFsHz) / (kWin * std::sin(kPi * kAmFreqHz / kFsHz));
    reset();
}

void AnswerToneDetector::reset() noexcept {
    lo_pos_ = 0;
    acc_ = {};
    energy_ = 0.0;
    count_ = 0;
    now_ = 0;
    win_ = 0;
    z_ = {};
    on_ = {};
    pairs_ = {};
    pair_pos_ = 0;
    run_ = confirmed_ = false;
    run_start_win_ = last_on_win_ = 0;
    off_count_ = 0;
    freq_sum_ = {};
    power_sum_ = 0.0;
    power_n_ = 0;
    reversals_ = 0;
    first_rev_ = last_rev_ = 0.0;
    last_rev_win_ = damaged_win_ = -100;
    blk_s0_ = am_s0_ = 0.0;
    blk_s15_ = am_s15_ = {};
    blk_n_ = am_blocks_ = 0;
    state_ = {};
    event_ = {};
    emitted_ = false;
}

bool AnswerToneDetector::push(float x) noexcept {
    const cf32 lo = lo_table_[lo_pos_];
    if (++lo_pos_ == kLoPeriod) lo_pos_ = 0;
    acc_ += std::complex<double>(x * static_cast<double>(lo.real()), x * static_cast<double>(lo.imag()));
    energy_ += static_cast<double>(x) * x;
    ++now_;
    if (++count_ < kWin) return false;
    emitted_ = false;
    on_window();
    acc_ = {};
    energy_ = 0.0;
    count_ = 0;
    ++win_;
    return emitted_;
}

double AnswerToneDetector::live_freq_offset_hz(bool& valid) const noexcept {
    std::complex<double> s{};
    for (const auto& p : pairs_) s += p;
    valid = std::abs(s) > 0.0;
    return valid ? std::arg(s) * kFsHz / (kTwoPi * kWin) : 0.0;
}

void AnswerToneDetector::update_kind() noexcept {
    const double depth = am_blocks_ > 0 && am_s0_ > 0.0 ? 2.0 * std::abs(am_s15_) / am_s0_ / am_gain_ : 0.0;
    const bool am = am_blocks_ > 0 && depth >= cfg_.ansam_min_depth && depth <= cfg_.ansam_max_depth;
    const bool rev = reversals_ > 0;
    state_.kind = am ? (rev ? ToneKind::AnsamPr : ToneKind::Ansam) : (rev ? ToneKind::AnsPr : ToneKind::Ans);
    state_.classified = am_blocks_ > 0;
    state_.am_depth = depth;
    state_.reversals = reversals_;
}

void AnswerToneDetector::close_run(SampleTime end) noexcept {
    update_kind();
    event_ = ToneEvent{};
    event_.kind = state_.kind;
    event_.start = run_start_win_ * kWin;
    event_.end = end;
    event_.reversals = reversals_;
    event_.reversal_period_ms = reversals_ >= 2 ? (last_rev_ - first_rev_) / (reversals_ - 1) * 1000.0 / kFsHz : 0.0;
    event_.am_depth = state_.am_depth;
    event_.freq_hz = kAnsFreqHz + (std::abs(freq_sum_) > 0.0 ? std::arg(freq_sum_) * kFsHz / (kTwoPi * kWin) : 0.0);
    event_.level_dbm0 = power_n_ > 0 ? dsp::power_to_dbm0(power_sum_ / power_n_) : -100.0;
    run_ = false;
    confirmed_ = false;
    state_ = {};
    emitted_ = true;
}

void AnswerToneDetector::on_window() noexcept {
    const SampleTime m = win_;
    const std::complex<double> z = acc_;
    const double p = 2.0 * std::norm(z) / (double(kWin) * kWin);
    const double total = energy_ / kWin;
    const bool on = p >= min_power_ && p >= cfg_.min_purity * total;
    z_ = {z, z_[0], z_[1]};
    on_ = {on, on_[0], on_[1]};

    // Phase step between this window and the previous one (frequency offset), if both carry tone.
    std::complex<double> pair{};
    if (on_[0] && on_[1]) {
        const auto q = z_[0] * std::conj(z_[1]);
        if (q.real() > 0.0) pair = q;  // |arg| < 90 degrees: no reversal in between
    }
    pairs_[static_cast<std::size_t>(pair_pos_)] = pair;
    pair_pos_ = (pair_pos_ + 1) % kFreqPairs;

    if (!run_) {
        if (!on) return;
        run_ = true;
        confirmed_ = false;
        run_start_win_ = last_on_win_ = m;
        off_count_ = 0;
        freq_sum_ = {};
        power_sum_ = 0.0;
        power_n_ = 0;
        reversals_ = 0;
        last_rev_win_ = damaged_win_ = -100;
        blk_s0_ = am_s0_ = 0.0;
        blk_s15_ = am_s15_ = {};
        blk_n_ = am_blocks_ = 0;
    }
    if (on) {
        last_on_win_ = m;
        off_count_ = 0;
        power_sum_ += p;
        ++power_n_;
    } else if (++off_count_ >= kOffWindows) {
        const bool was_confirmed = confirmed_;
        const SampleTime end = (last_on_win_ + 1) * kWin;
        if (was_confirmed) {
            close_run(end);
        } else {
            run_ = false;
        }
        return;
    }
    freq_sum_ += pair;

    bool fvalid = false;
    const double df = live_freq_offset_hz(fvalid);
    if (!confirmed_ && m - run_start_win_ + 1 >= confirm_windows_ && fvalid && std::abs(df) <= cfg_.max_freq_error_hz) {
        confirmed_ = true;
        state_.present = true;
        state_.since = run_start_win_ * kWin;
    }

    // Reversal: z_m against z_{m-2}, after removing the rotation the frequency offset causes.
    if (m - 2 >= run_start_win_ && on_[0] && on_[2] && m >= last_rev_win_ + 3) {
        const double w = kTwoPi * df * kWin / kFsHz;  // rotation per window
        const std::complex<double> rot1 = std::polar(1.0, -w);
        const std::complex<double> ref = z_[2] / std::abs(z_[2]);
        const double mag = 0.5 * (std::abs(z_[0]) + std::abs(z_[2]));
        const double b = proj(z_[0] * rot1 * rot1, ref) / mag;
        if (b < -0.5) {
            const double a = std::clamp(proj(z_[1] * rot1, ref) / mag, -1.0, 1.0);
            double t_rev;
            if (a > 0.75) {
                // Window m-1 still carries the old phase: the reversal lies in window m.
                const double bb = std::clamp(b, -1.0, 1.0);
                t_rev = static_cast<double>(m * kWin) + 0.5 * (bb + 1.0) * kWin;
                damaged_win_ = m;
            } else {
                // window m-1 = alpha * old - (1 - alpha) * old, so its projection is 2 alpha - 1.
                t_rev = static_cast<double>((m - 1) * kWin) + 0.5 * (a + 1.0) * kWin;
                damaged_win_ = m - 1;
            }
            last_rev_win_ = damaged_win_;
            if (reversals_ == 0) first_rev_ = t_rev;
            last_rev_ = t_rev;
            ++reversals_;
        }
    }

    // Envelope of window m-1 (one window late so a reversal found now can still be repaired).
    const SampleTime k = m - 1;
    if (k >= run_start_win_ + 2) {
        double e = std::abs(z_[1]);
        if (k == damaged_win_) e = 0.5 * (std::abs(z_[0]) + std::abs(z_[2]));
        const cf32 t = am_table_[static_cast<std::size_t>(k % 40)];
        blk_s0_ += e;
        blk_s15_ += e * std::complex<double>(t.real(), t.imag());
        if (++blk_n_ == kAmBlock) {
            am_s0_ += blk_s0_;
            am_s15_ += blk_s15_;
            ++am_blocks_;
            blk_s0_ = 0.0;
            blk_s15_ = {};
            blk_n_ = 0;
        }
    }
    if (confirmed_) {
        update_kind();
        state_.freq_hz = kAnsFreqHz + df;
    }
}

std::optional<ToneEvent> AnswerToneDetector::finish() noexcept {
    if (!run_ || !confirmed_) return std::nullopt;
    close_run((last_on_win_ + 1) * kWin);
    return event_;
}

}  // namespace modem::tones
