// SPDX-License-Identifier: MIT
/// \file
/// V.8 calling-side state machine (V.8 8.1; protocols.md 3.4, 3.5 and 8): optional CI bursts,
/// ANSam versus ANS, Te, CM repeated, CJ after two identical JMs, 75 ms of silence.
#pragma once

#include <cstdint>
#include <string_view>

#include "modem/events.hpp"
#include "modem/v8/messages.hpp"
#include "modem/v8/result.hpp"

namespace modem::v8 {

enum class CallState : std::uint8_t {
    Listen,          ///< silent, waiting for an answer tone
    SendCi,          ///< a burst of CI on channel 1
    CiGap,           ///< silence between CI bursts
    Te,              ///< ANSam heard: silent for Te
    SendCm,          ///< CM repeated on channel 1, listening for JM on channel 2
    SendCj,          ///< finishing the CM octet in progress, then CJ
    SilenceAfterCj,  ///< 75 ms of silence, then the chosen modulation
    Done,            ///< terminal: V.8 complete
    Legacy,          ///< terminal: plain ANS, continue as a legacy caller
    Failed,          ///< terminal: see result().reason
};
std::string_view to_string(CallState s) noexcept;

/// The answer tone as classified by whatever detector feeds the machine.
enum class AnswerTone : std::uint8_t {
    None,     ///< nothing yet, or not classified yet
    Ans,      ///< V.25 ANS: 2100 Hz without the 15 Hz AM
    AnsPr,    ///< ANS/ with phase reversals
    Ansam,    ///< V.8 ANSam: with the 15 Hz AM
    AnsamPr,  ///< ANSam/
};
std::string_view to_string(AnswerTone t) noexcept;

/// What the caller's receivers and transmitter report since the last step.
struct CallObs {
    AnswerTone tone = AnswerTone::None;  ///< the answer tone classification now
    const Received* message = nullptr;   ///< a message the channel-2 deframer completed now
    bool tx_idle = false;                ///< every queued bit (CI burst, CJ) has left the transmitter
};

/// The caller. step() is called with non-decreasing times, at least once per millisecond and at
/// every completed message; state() says what to transmit, cm() what CM carries.
class CallFsm {
public:
    struct Config {
        Capabilities caps{};                          ///< our modes and options, for CM
        CallFunction call_function = CallFunction::VSeries;
        bool send_ci = false;                         ///< optional for a V.22bis caller (V.8 8.1)
        double ci_first_delay_ms = 1000.0;            ///< SD/LM choice [U]
        int ci_per_burst = 4;                         ///< V.8 needs at least 3 per burst (SD, LM)
        double ci_gap_ms = 500.0;                     ///< SD/LM choice [U]
        int ci_bursts = 10;                           ///< SD/LM choice [U]
        double te_ms = 1000.0;                        ///< V.8 8.1.1: >= 0.5 s, >= 1 s after ANSam/
        double tone_timeout_ms = 10000.0;             ///< no answer tone at all; project choice
        double jm_timeout_ms = 5000.0;                ///< SD's choice; no V.8 value found [U]
        double silence_after_cj_ms = 75.0;            ///< V.8 8.1.2: 75 +/- 5 ms after CJ
        int identical_jms = 2;                        ///< V.8 8.1.2: two identical consecutive JMs
    };
    /// Throws std::invalid_argument on negative durations or counts below 1.
    explicit CallFsm(const Config& cfg, TraceSink* trace = nullptr);
    /// Back to Listen entered at time 0, nothing received.
    void reset() noexcept;
    void step(SampleTime now, const CallObs& obs) noexcept;

    [[nodiscard]] CallState state() const noexcept { return state_; }
    [[nodiscard]] SampleTime entered_at() const noexcept { return entered_at_; }
    [[nodiscard]] bool finished() const noexcept;
    /// The CM to send.
    [[nodiscard]] const Menu& cm() const noexcept { return cm_; }
    /// The answer tone that decided the path (None until then).
    [[nodiscard]] AnswerTone tone_heard() const noexcept { return tone_heard_; }
    [[nodiscard]] int ci_bursts_sent() const noexcept { return ci_bursts_; }
    [[nodiscard]] const V8Result& result() const noexcept { return result_; }
    [[nodiscard]] const Config& config() const noexcept { return cfg_; }

private:
    void enter(CallState next, SampleTime now, std::string_view why) noexcept;
    /// Answer-tone exits shared by Listen, SendCi and CiGap; true if it left the state.
    bool tone_exit(SampleTime now, const CallObs& obs) noexcept;
    Config cfg_;
    TraceSink* trace_;
    SampleTime ci_first_delay_, ci_gap_, te_, tone_timeout_, jm_timeout_, silence_after_cj_;
    CallState state_ = CallState::Listen;
    SampleTime entered_at_ = 0;
    int ci_bursts_ = 0;
    AnswerTone tone_heard_ = AnswerTone::None;
    Octets last_jm_;
    int same_count_ = 0;
    Menu cm_;
    V8Result result_;
};

}  // namespace modem::v8
