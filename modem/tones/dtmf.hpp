// SPDX-License-Identifier: MIT
/// \file
/// DTMF (Q.23 frequencies) decoder with phase-based frequency measurement, so that tones
/// within +/-1.5 % are accepted and tones 2 % off are rejected.
#pragma once

#include <array>
#include <span>

#include "dsp/types.hpp"
#include "modem/tones/events.hpp"

namespace modem::tones {

/// Streaming DTMF decoder.
/// Frames: Hann-windowed blocks of 160 samples every 80 samples (aligned to the stream start).
/// For each of the 8 Q.23 frequencies f and a frame starting at absolute sample s:
///   X_f = sum_i w[i] x[s+i] exp(-j 2 pi f (s+i) / fs),   p_f = 2 |X_f|^2 / (sum w)^2,
/// so a sine of amplitude A at f gives p_f = A^2 / 2, and a sine at f + d turns X_f by
/// 2 pi d 80 / fs from one frame to the next.
/// A frame is valid for a digit when the strongest row and column bins are above min_level_dbm0,
/// each beats the runner-up in its group by min_dominance_db, the twist is within limits and the
/// two tones hold min_purity of the frame's (window-weighted) power.
/// A digit is a run of frames with the same label, ended by max_gap_frames invalid frames or by
/// another digit. At the run's end it is reported if at least min_frames frames reached half the
/// run's peak power (about 30 ms of tone) and both measured frequencies, from
/// arg(sum X_k conj X_{k-1}) over steady frames, lie within max_freq_dev of nominal.
class DtmfDetector {
public:
    struct Config {
        double min_level_dbm0 = -38.0;      ///< per tone; Q.24 ranges reach about -25 dBm0, project choice
        double max_normal_twist_db = 8.0;   ///< high group above low group; project choice [U]
        double max_reverse_twist_db = 4.0;  ///< low group above high group; project choice [U]
        double min_dominance_db = 6.0;      ///< over the next bin of the same group; project choice
        double min_purity = 0.5;            ///< (p_row + p_col) / total; project choice
        double max_freq_dev = 0.0175;       ///< accept |f - f0| <= 1.75 % (must accept 1.5 %, reject 2 %)
        int min_frames = 3;                 ///< half-power frames: rejects <= 20 ms, accepts >= 40 ms
        int max_gap_frames = 2;             ///< invalid frames (10 ms each) that end a digit
    };
    DtmfDetector();
    explicit DtmfDetector(const Config& cfg);
    void reset() noexcept;
    template <class Sink>
    void process(std::span<const float> in, Sink&& sink) noexcept {
        for (float x : in) {
            if (push(x)) sink(event_);
        }
    }
    /// Feeds one sample; true when a digit just completed (then event() holds it).
    bool push(float x) noexcept;
    [[nodiscard]] const ToneEvent& event() const noexcept { return event_; }
    /// End of stream: a digit still sounding, if it qualifies.
    std::span<const ToneEvent> finish() noexcept;
    /// Label of the last frame: the digit it looked like, or 0.
    [[nodiscard]] char frame_digit() const noexcept { return frame_digit_; }

    static constexpr int kLen = 160;   ///< frame length, 20 ms; project choice
    static constexpr int kHop = 80;    ///< frame step, 10 ms: phase step unambiguous within +/-50 Hz
    static constexpr int kMaxStored = 64;

private:
    struct Frame {
        SampleTime index;      // frame number (start = index * kHop)
        std::complex<double> xr, xc;
        double pr, pc;
    };
    void on_frame() noexcept;
    void close_run() noexcept;

    Config cfg_;
    double min_power_;
    std::array<std::array<std::complex<double>, kLen>, 8> coef_{};  // w[i] exp(-j w_f i)
    std::array<double, kLen> w2_{};
    double wsum_ = 0.0, w2sum_ = 0.0;
    std::array<float, kLen> ring_{};
    SampleTime now_ = 0;

    int run_label_ = -1;
    int gap_ = 0;
    std::array<Frame, kMaxStored> frames_{};
    int n_frames_ = 0;          // stored
    SampleTime last_frame_ = 0; // index of the last valid frame of the run
    char frame_digit_ = 0;
    ToneEvent event_{};
    bool emitted_ = false;
};

}  // namespace modem::tones
