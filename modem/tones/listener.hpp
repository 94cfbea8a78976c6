// SPDX-License-Identifier: MIT
/// \file
/// Runs every tone detector (answer tone, CNG, CT, dial, busy, ringback, DTMF) over one stream,
/// for `squeal listen`.
#pragma once

#include <span>
#include <vector>

#include "modem/tones/answer_tone.hpp"
#include "modem/tones/cadence.hpp"
#include "modem/tones/dtmf.hpp"
#include "modem/tones/events.hpp"

namespace modem::tones {

/// All detectors side by side. Events leave in the order they complete (each when its tone is
/// over); listen() below sorts a whole recording's events by start time.
class ToneListener {
public:
    ToneListener();
    void reset() noexcept;
    /// Feeds samples; calls sink(const ToneEvent&) for each completed event. Allocation-free.
    template <class Sink>
    void process(std::span<const float> in, Sink&& sink) noexcept {
        for (float x : in) {
            if (answer_.push(x)) sink(answer_.event());
            for (auto& c : cadence_) {
                if (c.push(x)) sink(c.event());
            }
            if (dtmf_.push(x)) sink(dtmf_.event());
        }
    }
    /// End of stream: events for tones still in progress.
    template <class Sink>
    void finish(Sink&& sink) noexcept {
        if (auto e = answer_.finish()) sink(*e);
        for (auto& c : cadence_) {
            for (const auto& e : c.finish()) sink(e);
        }
        for (const auto& e : dtmf_.finish()) sink(e);
    }
    [[nodiscard]] const AnswerToneDetector& answer_tone() const noexcept { return answer_; }

private:
    AnswerToneDetector answer_;
    std::vector<CadenceDetector> cadence_;
    DtmfDetector dtmf_;
};

/// Every event in `samples` (a whole recording), sorted by start time, then end, then kind.
std::vector<ToneEvent> listen(std::span<const float> samples);

}  // namespace modem::tones
