// SPDX-License-Identifier: MIT
/// \file
/// V.8 answering-side state machine (V.8 8.2; protocols.md 3.6 and 8): silence, ANSam, JM after
/// two identical CMs, 75 ms of silence after CJ; the legacy path when no CM arrives.
#pragma once

#include <cstdint>
#include <string_view>

#include "modem/events.hpp"
#include "modem/v8/messages.hpp"
#include "modem/v8/result.hpp"

namespace modem::v8 {

enum class AnswerState : std::uint8_t {
    InitialSilence,  ///< silent after connection (>= 0.2 s)
    SendAnsam,       ///< ANSam or ANSam/; listening for CM on channel 1
    SendJm,          ///< JM repeated on channel 2 until CJ
    SilenceAfterCj,  ///< 75 ms of silence, then the chosen modulation
    LegacySilence,   ///< no CM while ANSam lasted: 75 ms of silence, then the legacy start-up
    Done,            ///< terminal: V.8 complete
    Legacy,          ///< terminal: continue without V.8
    Failed,          ///< terminal: see result().reason
};
std::string_view to_string(AnswerState s) noexcept;

/// What the answerer's receivers delivered since the last step. A state machine never reads
/// samples: the endpoint (or a test script) fills this in.
struct AnswerObs {
    const Received* message = nullptr;  ///< a message the channel-1 deframer completed now, if any
};

/// The answerer. step() is called with non-decreasing times, at least once per millisecond and
/// at every completed message; it decides, the endpoint acts (state() says what to transmit,
/// jm() what JM carries).
class AnswerFsm {
public:
    struct Config {
        Capabilities caps{};                ///< our modes and options, for JM
        double initial_silence_ms = 200.0;  ///< V.8 8.2: at least 0.2 s of silence before ANSam
        double ansam_ms = 5000.0;           ///< V.8 8.2.2: ANSam lasts at most 5 +/- 1 s
        double cj_timeout_ms = 5000.0;      ///< waiting for CJ after JM starts; project choice
        double silence_after_cj_ms = 75.0;  ///< V.8 8.2.3: 75 +/- 5 ms of silence after CJ
        double legacy_silence_ms = 75.0;    ///< V.8 8.2.2: 75 +/- 5 ms after ANSam, then non-V.8
        int identical_cms = 2;              ///< V.8 8.2.3: two identical consecutive CMs
    };
    /// Throws std::invalid_argument on negative durations or identical_cms < 1.
    explicit AnswerFsm(const Config& cfg, TraceSink* trace = nullptr);
    /// Back to InitialSilence entered at time 0, nothing received.
    void reset() noexcept;
    void step(SampleTime now, const AnswerObs& obs) noexcept;

    [[nodiscard]] AnswerState state() const noexcept { return state_; }
    [[nodiscard]] SampleTime entered_at() const noexcept { return entered_at_; }
    /// The earliest time at which step() without a message can change the state (each state
    /// leaves on its own deadline or on a message); the largest SampleTime in a terminal state.
    /// Until then such steps do nothing, so a caller may leave them out.
    [[nodiscard]] SampleTime next_deadline() const noexcept;
    [[nodiscard]] bool finished() const noexcept;
    /// The JM to send (meaningful from SendJm on).
    [[nodiscard]] const Menu& jm() const noexcept { return jm_; }
    [[nodiscard]] const V8Result& result() const noexcept { return result_; }
    [[nodiscard]] const Config& config() const noexcept { return cfg_; }

private:
    void enter(AnswerState next, SampleTime now, std::string_view why) noexcept;
    Config cfg_;
    TraceSink* trace_;
    SampleTime initial_silence_, ansam_, cj_timeout_, silence_after_cj_, legacy_silence_;
    AnswerState state_ = AnswerState::InitialSilence;
    SampleTime entered_at_ = 0;
    Octets last_cm_;      // the most recent CM body
    int same_count_ = 0;  // how many consecutive CMs equal last_cm_
    Menu cm_;
    Menu jm_;
    V8Result result_;
};

}  // namespace modem::v8
