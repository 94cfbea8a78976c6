// SPDX-License-Identifier: MIT
/// \file
/// Spectral signatures of the start-up signals the decoder does not demodulate: V.32/V.32bis AA and
/// AC/CA/CC, V.34 phase 2 (INFO0, tones A and B) and line probing, V.8bis dual tones; found on the
/// decoder's spectrogram columns.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "dsp/types.hpp"
#include "modem/decode/events.hpp"

namespace modem::decode {

/// Classifies each spectrogram column (256-point Hann, 31.25 Hz bins, one every 128 samples) by
/// where its power sits, and reports runs of the same class as events:
///
/// | class        | rule on one column (shares of the 200-3800 Hz power; tone power = 5 bins)      |
/// |--------------|------------------------------------------------------------------------------|
/// | V.34 probing | at least 15 of the 21 comb tones (150..3750 Hz in 150 Hz steps without 900, 1200, 1800, 2400; V.34 10.1.2.4) stand 10 dB over the bins half way between, and the comb holds 50 % of the power |
/// | V.34 phase 2 | 1200 and 2400 Hz (V.34 tones B and A, INFO0 carriers) hold 50 % together, each 10 % |
/// | V.32 AC      | 600 and 3000 Hz (1800 +/- 1200, V.32 5.2) hold 60 % together, each 15 %        |
/// | V.8bis       | 1375 + 2002 Hz or 1529 + 2225 Hz (V.8bis 7.1) hold 70 %, each 20 %             |
/// | V.32 AA      | 1800 Hz holds 20 % and 1800 + 2100 Hz (AA may overlap the answer tone) 80 %    |
///
/// A run may have one-column gaps; it is reported when it lasts at least the class's minimum
/// (AC 32 ms, others 96 ms; V.8bis 200 ms of its 400 ms). After a V.8bis dual tone, the single
/// tone of the next 48-160 ms is its second segment. The power must be above min_dbm0.
/// Thresholds are project choices, checked on synthetic signals and the shared real recordings.
class SignatureTracker {
public:
    struct Config {
        double min_dbm0 = -50.0;  ///< project choice (quiet recordings)
    };
    explicit SignatureTracker(const Config& cfg);
    /// One column: the time of its last sample + 1 and 129 linear power values (0..4000 Hz).
    void column(SampleTime end, std::span<const double> power, std::vector<Event>& out);
    /// End of input: closes the run in progress.
    void finish(std::vector<Event>& out);

    enum class Class : std::uint8_t { None, V34Probing, V34Phase2, V32Ac, V8bisInit, V8bisResp, V32Aa };
    /// The class of one column of linear power per bin (for tests).
    [[nodiscard]] Class classify(std::span<const double> power) const noexcept;

private:
    void close(std::vector<Event>& out);
    void emit_v8bis(std::vector<Event>& out);

    Config cfg_;
    Class cls_ = Class::None;
    SampleTime start_ = 0, last_ = 0;
    int cols_ = 0, gap_ = 0;
    double power_sum_ = 0.0;
    int tones_max_ = 0;
    // V.8bis dual tone waiting for its second segment
    bool v8bis_open_ = false;
    Event v8bis_;
    int v8bis_wait_ = 0;
    std::array<double, 129> second_{};
    int second_cols_ = 0;
    SampleTime second_end_ = 0;
};

}  // namespace modem::decode
