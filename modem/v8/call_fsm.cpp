// SPDX-License-Identifier: MIT
/// \file
/// V.8 calling-side state machine.
#include "modem/v8/call_fsm.hpp"

#include <stdexcept>

namespace modem::v8 {

namespace {
const CallFsm::Config& validated(const CallFsm::Config& c) {
    if (c.ci_first_delay_ms < 0 || c.ci_gap_ms < 0 || c.te_ms < 0 || c.tone_timeout_ms < 0 || c.jm_timeout_ms < 0 ||
        c.silence_after_cj_ms < 0) {
        throw std::invalid_argument("CallFsm: durations must not be negative");
    }
    if (c.ci_per_burst < 1 || c.ci_bursts < 1 || c.identical_jms < 1) {
        throw std::invalid_argument("CallFsm: ci_per_burst, ci_bursts and identical_jms must be at least 1");
    }
    return c;
}
bool is_v8_tone(AnswerTone t) noexcept { return t == AnswerTone::Ansam || t == AnswerTone::AnsamPr; }
bool is_legacy_tone(AnswerTone t) noexcept { return t == AnswerTone::Ans || t == AnswerTone::AnsPr; }
}  // namespace

std::string_view to_string(CallState s) noexcept {
    switch (s) {
    case CallState::Listen: return "Listen";
    case CallState::SendCi: return "SendCi";
    case CallState::CiGap: return "CiGap";
    case CallState::Te: return "Te";
    case CallState::SendCm: return "SendCm";
    case CallState::SendCj: return "SendCj";
    case CallState::SilenceAfterCj: return "SilenceAfterCj";
    case CallState::Done: return "Done";
    case CallState::Legacy: return "Legacy";
    case CallState::Failed: return "Failed";
    }
    return "?";
}

std::string_view to_string(AnswerTone t) noexcept {
    switch (t) {
    case AnswerTone::None: return "none";
    case AnswerTone::Ans: return "ANS";
    case AnswerTone::AnsPr: return "ANS/";
    case AnswerTone::Ansam: return "ANSam";
    case AnswerTone::AnsamPr: return "ANSam/";
    }
    return "?";
}

CallFsm::CallFsm(const Config& cfg, TraceSink* trace)
    : cfg_(validated(cfg)),
      trace_(trace),
      ci_first_delay_(dsp::ms_to_samples(cfg.ci_first_delay_ms)),
      ci_gap_(dsp::ms_to_samples(cfg.ci_gap_ms)),
      te_(dsp::ms_to_samples(cfg.te_ms)),
      tone_timeout_(dsp::ms_to_samples(cfg.tone_timeout_ms)),
      jm_timeout_(dsp::ms_to_samples(cfg.jm_timeout_ms)),
      silence_after_cj_(dsp::ms_to_samples(cfg.silence_after_cj_ms)) {
    reset();
}

void CallFsm::reset() noexcept {
    state_ = CallState::Listen;
    entered_at_ = 0;
    ci_bursts_ = 0;
    tone_heard_ = AnswerTone::None;
    last_jm_ = {};
    same_count_ = 0;
    cm_ = build_cm(cfg_.caps, cfg_.call_function);
    result_ = {};
    result_.role = Role::Caller;
    result_.call_function = cfg_.call_function;
}

bool CallFsm::finished() const noexcept {
    return state_ == CallState::Done || state_ == CallState::Legacy || state_ == CallState::Failed;
}

void CallFsm::enter(CallState next, SampleTime now, std::string_view why) noexcept {
    const Transition t{.at = now, .from = to_string(state_), .to = to_string(next), .why = why};
    result_.steps.push(t);
    emit(trace_, Event::make(now, EventKind::StateEntered, "v8.call", t.to, why)
                     .with("from", t.from));
    state_ = next;
    entered_at_ = now;
    switch (next) {
    case CallState::Done:
        result_.status = V8Result::Status::Ok;
        break;
    case CallState::Legacy:
        result_.status = V8Result::Status::Legacy;
        break;
    case CallState::Failed:
        result_.status = V8Result::Status::Failed;
        break;
    case CallState::Listen:
    case CallState::SendCi:
    case CallState::CiGap:
    case CallState::Te:
    case CallState::SendCm:
    case CallState::SendCj:
    case CallState::SilenceAfterCj:
        return;
    }
    result_.reason = why;
    result_.ended_at = now;
    if (next != CallState::Legacy) {
        const EventKind kind = next == CallState::Done ? EventKind::Connected : EventKind::Failed;
        const std::string_view mod = result_.chosen ? to_string(*result_.chosen) : std::string_view("none");
        emit(trace_, Event::make(now, kind, "v8.call", mod, why)
                         .with("lapm", result_.lapm));
    }
}

bool CallFsm::tone_exit(SampleTime now, const CallObs& obs) noexcept {
    if (is_v8_tone(obs.tone)) {
        tone_heard_ = obs.tone;
        enter(CallState::Te, now, obs.tone == AnswerTone::AnsamPr ? "ANSam/ heard" : "ANSam heard");
        return true;
    }
    if (is_legacy_tone(obs.tone)) {
        tone_heard_ = obs.tone;
        enter(CallState::Legacy, now, "ANS without 15 Hz AM: legacy answerer");
        return true;
    }
    if (now >= tone_timeout_) {
        enter(CallState::Failed, now, "no answer tone");
        return true;
    }
    return false;
}

void CallFsm::step(SampleTime now, const CallObs& obs) noexcept {
    const SampleTime elapsed = now - entered_at_;
    switch (state_) {
    case CallState::Listen:
        if (tone_exit(now, obs)) return;
        if (cfg_.send_ci && ci_bursts_ == 0 && elapsed >= ci_first_delay_) enter(CallState::SendCi, now, "CI burst");
        return;
    case CallState::SendCi:
        if (tone_exit(now, obs)) return;
        if (obs.tx_idle) {
            ++ci_bursts_;
            if (ci_bursts_ < cfg_.ci_bursts) enter(CallState::CiGap, now, "CI burst sent");
            else enter(CallState::Listen, now, "last CI burst sent");
        }
        return;
    case CallState::CiGap:
        if (tone_exit(now, obs)) return;
        if (elapsed >= ci_gap_) enter(CallState::SendCi, now, "CI burst");
        return;
    case CallState::Te:
        if (elapsed >= te_) enter(CallState::SendCm, now, "Te elapsed");
        return;
    case CallState::SendCm:
        // V.92 packets or CI-like junk on channel 2 are ignored: only JMs count.
        if (obs.message != nullptr && obs.message->kind == Received::Kind::CmJm) {
            if (obs.message->octets == last_jm_) {
                ++same_count_;
            } else {
                last_jm_ = obs.message->octets;
                same_count_ = 1;
            }
            if (same_count_ >= cfg_.identical_jms) {
                const DecodeResult d = decode_menu(last_jm_.view());
                if (d.ok) {
                    result_.remote_menu = d.menu;
                    result_.call_function = d.menu.call_function;
                    // Defensive: never run a mode we did not offer, whatever JM says.
                    result_.agreed = d.menu.modulations & cfg_.caps.modulations;
                    result_.chosen = result_.agreed.best();
                    result_.lapm = d.menu.lapm && cfg_.caps.lapm;
                    enter(CallState::SendCj, now, "two identical JMs");
                    return;
                }
            }
        }
        if (elapsed >= jm_timeout_) enter(CallState::Failed, now, "no JM");
        return;
    case CallState::SendCj:
        if (obs.tx_idle) enter(CallState::SilenceAfterCj, now, "CJ sent");
        return;
    case CallState::SilenceAfterCj:
        if (elapsed >= silence_after_cj_) {
            if (result_.chosen) enter(CallState::Done, now, "V.8 complete");
            else enter(CallState::Failed, now, "no common modulation");
        }
        return;
    case CallState::Done:
    case CallState::Legacy:
    case CallState::Failed:
        return;  // terminal
    }
}

}  // namespace modem::v8
