// SPDX-License-Identifier: MIT
/// \file
/// Tone listener: every tone detector over one stream.
#include "modem/tones/listener.hpp"

#include <algorithm>
#include <tuple>

namespace modem::tones {

ToneListener::ToneListener() {
    for (auto cfg : {cng_detector(), ct_detector(), dial_detector(), dial425_detector(), busy_detector(),
                     ringback_detector()})
        cadence_.emplace_back(std::move(cfg));
}

void ToneListener::reset() noexcept {
    answer_.reset();
    for (auto& c : cadence_) c.reset();
    dtmf_.reset();
}

std::vector<ToneEvent> listen(std::span<const float> samples) {
    ToneListener l;
    std::vector<ToneEvent> out;
    auto sink = [&](const ToneEvent& e) { out.push_back(e); };
    l.process(samples, sink);
    l.finish(sink);
    std::stable_sort(out.begin(), out.end(), [](const ToneEvent& a, const ToneEvent& b) {
        return std::tuple(a.start, a.end, static_cast<int>(a.kind)) <
               std::tuple(b.start, b.end, static_cast<int>(b.kind));
    });
    return out;
}

}  // namespace modem::tones
