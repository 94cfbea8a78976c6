// SPDX-License-Identifier: MIT
/// \file
/// V.8 answering-side state machine.
#include "modem/v8/answer_fsm.hpp"

#include <limits>
#include <stdexcept>

namespace modem::v8 {

namespace {
const AnswerFsm::Config& validated(const AnswerFsm::Config& c) {
    if (c.initial_silence_ms < 0 || c.ansam_ms < 0 || c.cj_timeout_ms < 0 || c.silence_after_cj_ms < 0 ||
        c.legacy_silence_ms < 0) {
        throw std::invalid_argument("AnswerFsm: durations must not be negative");
    }
    if (c.identical_cms < 1) throw std::invalid_argument("AnswerFsm: identical_cms must be at least 1");
    return c;
}
}  // namespace

std::string_view to_string(AnswerState s) noexcept {
    switch (s) {
    case AnswerState::InitialSilence: return "InitialSilence";
    case AnswerState::SendAnsam: return "SendAnsam";
    case AnswerState::SendJm: return "SendJm";
    case AnswerState::SilenceAfterCj: return "SilenceAfterCj";
    case AnswerState::LegacySilence: return "LegacySilence";
    case AnswerState::Done: return "Done";
    case AnswerState::Legacy: return "Legacy";
    case AnswerState::Failed: return "Failed";
    }
    return "?";
}

AnswerFsm::AnswerFsm(const Config& cfg, TraceSink* trace)
    : cfg_(validated(cfg)),
      trace_(trace),
      initial_silence_(dsp::ms_to_samples(cfg.initial_silence_ms)),
      ansam_(dsp::ms_to_samples(cfg.ansam_ms)),
      cj_timeout_(dsp::ms_to_samples(cfg.cj_timeout_ms)),
      silence_after_cj_(dsp::ms_to_samples(cfg.silence_after_cj_ms)),
      legacy_silence_(dsp::ms_to_samples(cfg.legacy_silence_ms)) {
    reset();
}

void AnswerFsm::reset() noexcept {
    state_ = AnswerState::InitialSilence;
    entered_at_ = 0;
    last_cm_ = {};
    same_count_ = 0;
    cm_ = {};
    jm_ = {};
    result_ = {};
    result_.role = Role::Answerer;
}

bool AnswerFsm::finished() const noexcept {
    return state_ == AnswerState::Done || state_ == AnswerState::Legacy || state_ == AnswerState::Failed;
}

SampleTime AnswerFsm::next_deadline() const noexcept {
    switch (state_) {
    case AnswerState::InitialSilence: return entered_at_ + initial_silence_;
    case AnswerState::SendAnsam: return entered_at_ + ansam_;
    case AnswerState::SendJm: return entered_at_ + cj_timeout_;
    case AnswerState::SilenceAfterCj: return entered_at_ + silence_after_cj_;
    case AnswerState::LegacySilence: return entered_at_ + legacy_silence_;
    case AnswerState::Done:
    case AnswerState::Legacy:
    case AnswerState::Failed:
        break;
    }
    return std::numeric_limits<SampleTime>::max();
}

void AnswerFsm::enter(AnswerState next, SampleTime now, std::string_view why) noexcept {
    const Transition t{.at = now, .from = to_string(state_), .to = to_string(next), .why = why};
    result_.steps.push(t);
    emit(trace_, Event::make(now, EventKind::StateEntered, "v8.answer", t.to, why)
                     .with("from", t.from));
    state_ = next;
    entered_at_ = now;
    switch (next) {
    case AnswerState::Done:
        result_.status = V8Result::Status::Ok;
        break;
    case AnswerState::Legacy:
        result_.status = V8Result::Status::Legacy;
        break;
    case AnswerState::Failed:
        result_.status = V8Result::Status::Failed;
        break;
    case AnswerState::InitialSilence:
    case AnswerState::SendAnsam:
    case AnswerState::SendJm:
    case AnswerState::SilenceAfterCj:
    case AnswerState::LegacySilence:
        return;
    }
    result_.reason = why;
    result_.ended_at = now;
    if (next != AnswerState::Legacy) {
        const EventKind kind = next == AnswerState::Done ? EventKind::Connected : EventKind::Failed;
        const std::string_view mod = result_.chosen ? to_string(*result_.chosen) : std::string_view("none");
        emit(trace_, Event::make(now, kind, "v8.answer", mod, why)
                         .with("lapm", result_.lapm));
    }
}

void AnswerFsm::step(SampleTime now, const AnswerObs& obs) noexcept {
    const SampleTime elapsed = now - entered_at_;
    switch (state_) {
    case AnswerState::InitialSilence:
        if (elapsed >= initial_silence_) enter(AnswerState::SendAnsam, now, "initial silence done");
        return;
    case AnswerState::SendAnsam:
        // CI, CT and V.92 packets are tolerated: only CMs count, and only identical neighbours.
        if (obs.message != nullptr && obs.message->kind == Received::Kind::CmJm) {
            if (obs.message->octets == last_cm_) {
                ++same_count_;
            } else {
                last_cm_ = obs.message->octets;
                same_count_ = 1;
            }
            if (same_count_ >= cfg_.identical_cms) {
                const DecodeResult d = decode_menu(last_cm_.view());
                if (d.ok) {
                    cm_ = d.menu;
                    jm_ = build_jm(cm_, cfg_.caps);
                    result_.remote_menu = cm_;
                    result_.call_function = jm_.call_function;
                    result_.agreed = jm_.modulations;
                    result_.chosen = jm_.modulations.best();
                    result_.lapm = jm_.lapm;
                    enter(AnswerState::SendJm, now, "two identical CMs");
                    return;
                }
            }
        }
        if (elapsed >= ansam_) enter(AnswerState::LegacySilence, now, "no CM while ANSam lasted");
        return;
    case AnswerState::SendJm:
        if (obs.message != nullptr && obs.message->kind == Received::Kind::Cj) {
            enter(AnswerState::SilenceAfterCj, now, "CJ received");
        } else if (elapsed >= cj_timeout_) {
            enter(AnswerState::Failed, now, "no CJ after JM");
        }
        return;
    case AnswerState::SilenceAfterCj:
        if (elapsed >= silence_after_cj_) {
            if (result_.chosen) enter(AnswerState::Done, now, "V.8 complete");
            else enter(AnswerState::Failed, now, "no common modulation");
        }
        return;
    case AnswerState::LegacySilence:
        if (elapsed >= legacy_silence_) enter(AnswerState::Legacy, now, "no CM: legacy start-up");
        return;
    case AnswerState::Done:
    case AnswerState::Legacy:
    case AnswerState::Failed:
        return;  // terminal
    }
}

}  // namespace modem::v8
