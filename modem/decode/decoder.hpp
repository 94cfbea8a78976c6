// SPDX-License-Identifier: MIT
/// \file
/// Streaming decoder of recorded modem calls: runs the tone detectors (V.25, V.8 ANSam, T.30,
/// call progress), both V.21 receivers with the V.8 deframer and an HDLC flag counter, a V.22/
/// V.22bis receiver per direction (segments and async data, v22.hpp), and an energy/spectrum
/// tracker for what nothing explains, and turns them into a timeline of events.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "dsp/types.hpp"
#include "modem/decode/events.hpp"

namespace modem::decode {

/// Decoder of a recording (8 kHz mono float, 1.0 = int16 full scale). Both directions of a 2-wire
/// call are expected summed; they are told apart by band (V.21 channel 1 = caller, channel 2 =
/// answerer; V.22 low channel = caller, high channel = answerer) and by what the signal is (an
/// answer tone comes from the answerer).
///
/// Memory does not grow with the length of the input, only with the number of events. Output does
/// not depend on how the input is cut into blocks. process() allocates only when an event is
/// produced (this is an analysis tool, not a real-time block).
///
/// Input conditioning: a DC blocker y[n] = x[n] - x[n-1] + r y[n-1] (r = 0.999, -3 dB at 1.3 Hz)
/// removes an offset before every detector. Clipped input needs nothing special: the detectors
/// are phase- or energy-based and clipping adds harmonics that no detector takes for a signal.
///
/// Unknown segments: the spectrogram (256-point Hann FFT every 128 samples) is summed into slices
/// of 1024 samples. A slice is "energetic" when its 200-3800 Hz power is at least 10 dB above the
/// quietest slice within +/-15 s and above min_energy_dbm0. Slices are judged 15 s late (so the
/// floor sees the future too, and the detectors have reported what they heard); an energetic slice
/// that no reported event covers for at least half its length joins an "unknown" run.
class Decoder {
public:
    struct Config {
        /// V.21 carrier detect for decoding. Lower than V.21's -43/-48 dBm0 receiver thresholds
        /// (project choice): a recording may be quiet, and framing checks reject noise anyway.
        double fsk_on_dbm0 = -52.0;
        double fsk_off_dbm0 = -57.0;
        /// Energy below this never counts as a segment. Project choice.
        double min_energy_dbm0 = -55.0;
        /// V.22/V.22bis signal detect on each channel's in-band level (project choice, as for
        /// V.21: below the -43/-48 dBm0 receiver thresholds because a recording may be quiet).
        double v22_on_dbm0 = -52.0;
        double v22_off_dbm0 = -57.0;
        /// Characters of each data segment kept for "text" and "hex" (all are counted). Project choice.
        std::size_t max_data_bytes = 4096;
        /// Shortest unknown segment reported. Project choice.
        double unknown_min_ms = 250.0;
        /// Called with each spectrogram column (its end time and 129 bins of power in dB,
        /// 31.25 Hz apart, 0..4000 Hz), e.g. to draw a picture. Optional.
        std::function<void(SampleTime end, std::span<const float> db)> on_column;
    };
    Decoder();
    explicit Decoder(Config cfg);
    ~Decoder();
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    /// Feeds samples (any length, including 0).
    void process(std::span<const float> in);
    /// End of input: closes everything in progress. After finish() events() is the whole
    /// timeline, sorted by start, then end, then kind. Further process() calls are ignored.
    void finish();
    /// Events reported so far (in completion order before finish(); sorted after it).
    [[nodiscard]] const std::vector<Event>& events() const noexcept { return events_; }
    /// Samples consumed.
    [[nodiscard]] SampleTime now() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::vector<Event> events_;
};

/// Decodes a whole buffer (convenience for tests): process(samples), finish(), events().
std::vector<Event> decode(std::span<const float> samples, Decoder::Config cfg = {});

}  // namespace modem::decode
