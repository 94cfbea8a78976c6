// SPDX-License-Identifier: MIT
/// \file
/// Frequency-plus-cadence detector for CNG (T.30), CT (V.25) and the call-progress tones
/// (dial, busy, ringback), classified by their on/off pattern.
#pragma once

#include <array>
#include <span>
#include <vector>

#include "dsp/goertzel.hpp"
#include "dsp/types.hpp"
#include "modem/tones/events.hpp"

namespace modem::tones {

/// Detects bursts of a tone made of all of `freqs_hz` (Goertzel energy over back-to-back windows
/// aligned to the stream start), measures each burst, and groups bursts whose on-time and
/// preceding off-time fit the cadence into one run. A run of at least min_cycles bursts is
/// reported as one event {kind, start of first burst, end of last burst, cycles} once it is
/// over (the next burst does not fit, or the silence exceeds off_max_ms, or finish()).
/// A window is "on" when every component has at least min_level_dbm0 and min_share of the
/// components' summed power, and the components hold min_purity of the window's total power.
class CadenceDetector {
public:
    struct Config {
        ToneKind kind = ToneKind::Dial;
        std::vector<double> freqs_hz;   ///< every one must be present (1 or 2 tones)
        std::size_t window = 200;       ///< samples per Goertzel window (bin spacing kFsHz / window)
        double min_level_dbm0 = -40.0;  ///< per component; project choice
        double min_purity = 0.6;        ///< project choice
        double min_share = 0.1;         ///< each component's share of the tone power (10 dB twist); project choice
        std::size_t off_windows = 2;    ///< this many "off" windows end a burst (bridges dropouts)
        double on_min_ms = 0.0;         ///< burst length range
        double on_max_ms = 0.0;         ///< 0: no upper limit (continuous tones)
        double off_min_ms = 0.0;        ///< silence between bursts of one run
        double off_max_ms = 0.0;        ///< 0: no cadence, every burst is a run of its own
        int min_cycles = 1;             ///< bursts a run needs to be reported
    };
    /// Throws std::invalid_argument when freqs_hz is empty or the window is 0.
    explicit CadenceDetector(Config cfg);
    void reset() noexcept;
    template <class Sink>
    void process(std::span<const float> in, Sink&& sink) noexcept {
        for (float x : in) {
            if (push(x)) sink(event_);
        }
    }
    /// Feeds one sample; true when a run just completed (then event() holds it).
    bool push(float x) noexcept;
    [[nodiscard]] const ToneEvent& event() const noexcept { return event_; }
    /// End of stream: closes the burst and run in progress; returns 0, 1 or 2 events.
    std::span<const ToneEvent> finish() noexcept;
    /// True while a burst of the tone is on (live view).
    [[nodiscard]] bool tone_on() const noexcept { return in_burst_; }
    [[nodiscard]] const Config& config() const noexcept { return cfg_; }

private:
    void on_window() noexcept;
    void burst_done(SampleTime start, SampleTime end) noexcept;
    void close_run() noexcept;
    void emit(const ToneEvent& e) noexcept;

    Config cfg_;
    std::vector<dsp::Goertzel> bank_;
    double min_power_;
    SampleTime on_min_, on_max_, off_min_, off_max_;
    SampleTime now_ = 0;
    SampleTime win_ = 0;
    bool in_burst_ = false;
    SampleTime burst_start_ = 0;
    SampleTime last_on_win_ = 0;
    std::size_t off_count_ = 0;
    double burst_power_ = 0.0;
    int burst_windows_ = 0;
    bool run_ = false;
    SampleTime run_start_ = 0, run_end_ = 0;
    int cycles_ = 0;
    double run_power_ = 0.0;
    int run_windows_ = 0;
    ToneEvent event_{};
    std::array<ToneEvent, 2> pending_{};
    std::size_t n_pending_ = 0;
};

/// T.30 CNG, 1100 Hz (+/-38 Hz), 0.5 s on / 3 s off (one burst is enough).
CadenceDetector::Config cng_detector();
/// V.25 CT, 1300 Hz, 0.5-0.7 s on / 1.5-2.0 s off (one burst is enough).
CadenceDetector::Config ct_detector();
/// Dial tone 350 + 440 Hz, continuous for at least 0.8 s.
CadenceDetector::Config dial_detector();
/// Dial tone 425 Hz (most of Europe), continuous for at least 0.8 s.
CadenceDetector::Config dial425_detector();
/// Busy 480 + 620 Hz, 0.5 s / 0.5 s, at least 2 bursts.
CadenceDetector::Config busy_detector();
/// Ringback 440 + 480 Hz, 2 s on / 4 s off (one burst is enough).
CadenceDetector::Config ringback_detector();

}  // namespace modem::tones
