// SPDX-License-Identifier: MIT
/// \file
/// Sample-exact generators for call-progress, calling and answer tones (V.25 ANS, V.8 ANSam,
/// T.30 CNG, V.25 CT, DTMF per Q.23) built on one generic segment/cadence sequencer.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dsp/types.hpp"

namespace modem::tones {

using dsp::SampleTime;

/// A segment lasting for ever (dial tone, or the last segment of a stream).
inline constexpr SampleTime kForever = std::numeric_limits<SampleTime>::max();

/// One sine component of a segment.
struct ToneComponent {
    double freq_hz = 0.0;      ///< 0 < freq_hz < kFsHz / 2
    double level_dbm0 = -10;   ///< level of this component alone (of the carrier for AM segments)
};

/// A stretch of signal: sum of components, optionally amplitude-modulated and phase-reversed.
/// Every component restarts at phase 0 at the segment start (n counts from the segment start):
///   x[n] = (1 + am_depth sin(2 pi am_freq_hz n / fs)) * (-1)^k(n) * sum_i A_i sin(2 pi f_i n / fs),
///   k(n) = floor(n / reversal_period) when reversal_period > 0, else 0.
/// No components means silence.
struct ToneSegment {
    std::vector<ToneComponent> tones;
    SampleTime duration = 0;          ///< samples; kForever for no end
    double am_freq_hz = 0.0;          ///< envelope frequency (ANSam: 15 Hz)
    double am_depth = 0.0;            ///< envelope depth (ANSam: 0.2)
    SampleTime reversal_period = 0;   ///< samples between 180-degree reversals of the carrier; 0 none
};

/// Plays segments in order, then either stops (zeros after the end) or repeats from the first.
class ToneSequence {
public:
    struct Config {
        std::vector<ToneSegment> segments;
        bool repeat = false;  ///< cadence: loop the segment list for ever
    };
    /// Throws std::invalid_argument on a bad segment (negative or zero duration, bad frequency).
    explicit ToneSequence(Config cfg);
    void reset() noexcept;
    /// Writes the next out.size() samples. Output depends only on the absolute sample index, so any
    /// cutting of the stream into blocks gives identical samples. Allocation-free.
    void generate(std::span<float> out) noexcept;
    /// Samples until the sequence ends (kForever if it repeats or has an endless segment).
    [[nodiscard]] SampleTime total_samples() const noexcept { return total_; }
    /// True once every sample of a finite sequence has been produced.
    [[nodiscard]] bool done() const noexcept { return total_ != kForever && now_ >= total_; }
    [[nodiscard]] SampleTime now() const noexcept { return now_; }
    [[nodiscard]] const Config& config() const noexcept { return cfg_; }

private:
    struct Prepared {
        std::vector<double> amp;  // peak amplitude per component
        // sin(2 pi f j / fs) over one period of j per component, then the envelope's: filled
        // when every frequency of the segment repeats within kMaxTable samples (whole hertz
        // mostly do), else empty and the samples come from sin().
        std::vector<std::vector<double>> table;
        std::vector<double> am_table;
        // The whole segment before reversals (sample() with n over one common period), when that
        // period is at most kMaxTable samples: ANS and ANSam are then a copy with sign flips.
        std::vector<float> wave;
    };
    float sample(const ToneSegment& seg, const Prepared& p, SampleTime n) const noexcept;
    /// Samples n0, n0 + 1, ... of one segment into out.
    void render(const ToneSegment& seg, const Prepared& p, SampleTime n0, std::span<float> out) const noexcept;
    Config cfg_;
    std::vector<Prepared> prepared_;
    SampleTime period_ = 0;  // sum of finite durations (cycle length when repeating)
    SampleTime total_ = 0;
    SampleTime now_ = 0;
    std::size_t seg_ = 0;         // current segment
    SampleTime seg_start_ = 0;    // absolute start of the current segment
};

// ---- Named tones. Levels and durations default to the values in the comments of tone_gen.cpp.

struct AnsConfig {
    double level_dbm0 = -11.0;       ///< spandsp's choice, no normative level found [1]
    double duration_ms = 3300.0;     ///< V.25: 3.3 +/- 0.7 s
    bool reversals = false;          ///< ANS/: 180-degree reversal every 450 ms (V.25)
};
struct AnsamConfig {
    double level_dbm0 = -11.0;       ///< carrier level; spandsp's choice [1]
    double duration_ms = 5000.0;     ///< V.8: 5 +/- 1 s
    bool reversals = false;          ///< ANSam/: carrier reversals every 450 ms (V.8)
};
struct CadenceToneConfig {
    double level_dbm0 = -11.0;       ///< per component
    double on_ms = 0.0;              ///< 0: the preset's value
    double off_ms = 0.0;             ///< 0: the preset's value
};
struct DtmfConfig {
    double on_ms = 70.0;             ///< project choice (Q.24 receivers accept >= 40 ms)
    double off_ms = 70.0;            ///< project choice
    double low_level_dbm0 = -8.0;    ///< row tone; project choice
    double high_level_dbm0 = -6.0;   ///< column tone, 2 dB above the row tone; project choice
};

/// ANS (2100 Hz) or ANS/ (with reversals every 3600 samples), then silence.
ToneSequence::Config ans(const AnsConfig& cfg = {});
/// ANSam or ANSam/: 2100 Hz, 15 Hz AM at 20 % depth, reversals on the carrier only, then silence.
ToneSequence::Config ansam(const AnsamConfig& cfg = {});
/// CNG: 1100 Hz, 0.5 s on / 3 s off, repeating (T.30).
ToneSequence::Config cng(const CadenceToneConfig& cfg = {});
/// CT: 1300 Hz, 0.6 s on / 2 s off, repeating (V.25).
ToneSequence::Config ct(const CadenceToneConfig& cfg = {});
/// North American dial tone 350 + 440 Hz, continuous.
ToneSequence::Config dial(const CadenceToneConfig& cfg = {.level_dbm0 = -13.0});
/// North American busy 480 + 620 Hz, 0.5 s on / 0.5 s off, repeating.
ToneSequence::Config busy(const CadenceToneConfig& cfg = {.level_dbm0 = -24.0});
/// North American ringback 440 + 480 Hz, 2 s on / 4 s off, repeating.
ToneSequence::Config ringback(const CadenceToneConfig& cfg = {.level_dbm0 = -19.0});
/// DTMF for `digits` (0-9 * # A-D, case-insensitive): each digit on_ms of tone then off_ms silence.
/// Throws std::invalid_argument on any other character.
ToneSequence::Config dtmf(std::string_view digits, const DtmfConfig& cfg = {});

/// Row (low group) and column (high group) frequencies of a DTMF digit (Q.23); throws on a bad digit.
struct DtmfPair {
    double row_hz;
    double col_hz;
};
DtmfPair dtmf_frequencies(char digit);
/// Q.23 frequencies: rows 697 770 852 941, columns 1209 1336 1477 1633; keypad kDtmfKeys[row*4+col].
inline constexpr double kDtmfRowHz[4] = {697.0, 770.0, 852.0, 941.0};
inline constexpr double kDtmfColHz[4] = {1209.0, 1336.0, 1477.0, 1633.0};
inline constexpr char kDtmfKeys[17] = "123A456B789C*0#D";

/// Sequence for a CLI name: "ans", "ans-reversals" (also "ans/"), "ansam", "ansam-reversals"
/// (also "ansam/"), "cng", "ct", "dial", "busy", "ringback", "dtmf" (needs `digits`).
/// Throws std::invalid_argument for an unknown name, listing the known ones.
ToneSequence::Config tone_by_name(std::string_view name, std::string_view digits = {});
/// The names tone_by_name() accepts, for help text.
std::span<const std::string_view> tone_names() noexcept;

}  // namespace modem::tones
