// SPDX-License-Identifier: MIT
/// \file
/// 2100 Hz answer-tone detector: tells V.25 ANS / ANS/ from V.8 ANSam / ANSam/ by the 15 Hz
/// envelope, counts phase reversals and measures their period.
#pragma once

#include <array>
#include <optional>
#include <span>

#include "dsp/nco.hpp"
#include "dsp/types.hpp"
#include "modem/tones/events.hpp"

namespace modem::tones {

/// Streaming answer-tone detector. The signal is mixed to baseband at 2100 Hz and integrated
/// over back-to-back 5 ms windows (40 samples, aligned to the stream start). Per window:
///   z_m = sum_n x[n] exp(-j 2 pi 2100 n / fs),  tone power p_m = 2 |z_m|^2 / N^2.
/// A window is "on" when p_m >= min_purity * mean(x^2) and p_m is above min_level_dbm0.
/// Frequency: arg(sum z_m conj z_{m-1}) / (2 pi N / fs) over the last 100 ms (pairs turning
/// by more than 90 degrees, i.e. straddling a reversal, are left out).
/// Reversal: z_m and z_{m-2} (compensated for the frequency offset) point opposite ways; its
/// instant is interpolated from the projection of the window in between.
/// AM: 15 Hz component of |z_m| over 400 ms blocks (6 periods), windows damaged by a reversal
/// replaced by the mean of their neighbours; depth = 2 |S_15| / S_0 (corrected for the window).
/// Block-size invariant: every decision is taken on the absolute window grid.
class AnswerToneDetector {
public:
    struct Config {
        double min_level_dbm0 = -43.0;    ///< project choice (V.25 gives no receive range)
        double max_freq_error_hz = 20.0;  ///< V.25 tolerance is +/-15 Hz; 5 Hz margin, project choice
        double min_purity = 0.5;          ///< tone power / total power per window; project choice
        double confirm_ms = 100.0;        ///< "on" this long (and on frequency) before present; project choice
        double ansam_min_depth = 0.1;     ///< V.8 depth is 0.2; halfway to 0 as the threshold, project choice
        double ansam_max_depth = 0.35;    ///< project choice
    };
    /// Live view for a V.8 caller FSM.
    struct State {
        bool present = false;      ///< a confirmed answer tone is on now
        SampleTime since = 0;      ///< its start
        bool classified = false;   ///< at least one 400 ms AM block measured: kind is meaningful
        ToneKind kind = ToneKind::Ans;
        int reversals = 0;
        double am_depth = 0.0;
        double freq_hz = 0.0;
    };

    AnswerToneDetector();
    explicit AnswerToneDetector(const Config& cfg);
    void reset() noexcept;
    /// Feeds samples; calls sink(const ToneEvent&) when a confirmed tone ends. Allocation-free.
    template <class Sink>
    void process(std::span<const float> in, Sink&& sink) noexcept {
        for (float x : in) {
            if (push(x)) sink(event_);
        }
    }
    /// Feeds one sample; true when an event just completed (then event() holds it).
    bool push(float x) noexcept;
    [[nodiscard]] const ToneEvent& event() const noexcept { return event_; }
    /// End of stream: the tone still on, if any, as an event ending at the last "on" window.
    std::optional<ToneEvent> finish() noexcept;
    [[nodiscard]] const State& state() const noexcept { return state_; }
    [[nodiscard]] SampleTime now() const noexcept { return now_; }

private:
    static constexpr int kWin = 40;         // 5 ms windows; project choice (bandwidth +/-100 Hz)
    static constexpr int kFreqPairs = 20;   // 100 ms of pairs for the live frequency estimate
    static constexpr int kAmBlock = 80;     // 400 ms = exactly 6 periods of 15 Hz
    static constexpr int kOffWindows = 8;   // 40 ms of "off" ends a tone; project choice

    void on_window() noexcept;
    void close_run(SampleTime end) noexcept;
    [[nodiscard]] double live_freq_offset_hz(bool& valid) const noexcept;
    void update_kind() noexcept;

    Config cfg_;
    double min_power_;
    int confirm_windows_;
    // exp(-j 2 pi 2100 n / fs): 2100 Hz is 21/80 of fs, so the oscillator is an exact table of
    // one 80-sample period (no per-sample sine, no drift).
    static constexpr std::size_t kLoPeriod = 80;
    std::array<dsp::cf32, kLoPeriod> lo_table_{};
    std::size_t lo_pos_ = 0;
    std::array<dsp::cf32, 40> am_table_{};  // exp(-j 2 pi 15 k N / fs), period 40 windows
    double am_gain_;                   // |mean of exp(j 2 pi 15 n / fs)| over one window

    // per-window accumulation
    std::complex<double> acc_{};
    double energy_ = 0.0;
    int count_ = 0;
    SampleTime now_ = 0;
    SampleTime win_ = 0;  // index of the window being completed

    // last three windows: [0] newest
    std::array<std::complex<double>, 3> z_{};
    std::array<bool, 3> on_{};
    std::array<std::complex<double>, kFreqPairs> pairs_{};
    int pair_pos_ = 0;

    // current run
    bool run_ = false;
    bool confirmed_ = false;
    SampleTime run_start_win_ = 0;
    SampleTime last_on_win_ = 0;
    int off_count_ = 0;
    std::complex<double> freq_sum_{};
    double power_sum_ = 0.0;
    int power_n_ = 0;
    int reversals_ = 0;
    double first_rev_ = 0.0, last_rev_ = 0.0;
    SampleTime last_rev_win_ = -100;
    SampleTime damaged_win_ = -100;
    double blk_s0_ = 0.0;
    std::complex<double> blk_s15_{};
    int blk_n_ = 0;
    double am_s0_ = 0.0;
    std::complex<double> am_s15_{};
    int am_blocks_ = 0;

    State state_{};
    ToneEvent event_{};
    bool emitted_ = false;
};

}  // namespace modem::tones
