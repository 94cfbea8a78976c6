// SPDX-License-Identifier: MIT
/// \file
/// The call session: one phase at a time, each phase driving the generator, detector or
/// protocol machine it needs, on an absolute grid of kGrid samples so any block size gives the
/// same line signal and the same events.
#include "modem/session/session.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace modem::session {

namespace {

constexpr std::string_view kSource = "session";
/// Everything runs in steps of this many samples on the absolute sample grid, so hand-overs,
/// checks and event times (at most 1 ms late) do not depend on the caller's block size. Project choice.
constexpr SampleTime kGrid = 8;
/// Busy: bursts of 0.5 s on / 0.5 s off (US); two bursts in range make BUSY. Tolerances: project choice.
constexpr double kBusyMinMs = 380.0, kBusyMaxMs = 650.0;
constexpr int kBusyBursts = 2;
/// Ringback: a burst this long is reported (the detector's own minimum, US 2 s bursts).
constexpr double kRingbackMinMs = 1600.0;
/// V.25: 75 +/- 20 ms of silence between the end of ANS and the start of the data signal.
constexpr double kAnsToDataMs = 75.0;
/// V.25: silence before the answer tone (the billing delay is 1.8-2.5 s on a real network; the
/// exchange tones we send already stand for it). Project choice.
constexpr double kAnsDelayMs = 200.0;
/// Legacy caller: if the answer tone is not seen again within this long after V.8 gave up on it,
/// start the pump anyway; and never wait longer than the longest ANS (V.25: 3.3 + 0.7 s) plus margin.
constexpr double kToneReacquireS = 1.0;
constexpr double kMaxAnsS = 5.0;
/// V.22bis 6.4 via SRS [1]: a retrain S1 is answered within 1.2 s of its start, or sent again.
constexpr double kRetrainReplyS = 1.2;
/// Answering any call: the dialled number is complete after this pause in the digits. Project
/// choice (shorter than Hayes's and the exchange's inter-digit time-outs, longer than DTMF gaps).
constexpr double kAnyNumberPauseS = 1.5;
/// At 1200 bit/s: the receiver's decision SNR estimate reads 13-14 dB on a line at 5 dB SNR (the
/// worst usable), about 4-5 dB once only noise is left; below this for kNoiseOnlyS ends the call,
/// and nothing decoded meanwhile is delivered. Project choices, measured with
/// `squeal loopback --rate 1200 --snr 20 --cut-at 2 -v` and `--snr 5 -v`.
constexpr double kNoiseOnlySnrDb = 8.0;
constexpr double kNoiseOnlyS = 1.0;
/// V.42: received octets moved from LAPM to read() while fewer than this wait there; beyond, the
/// LAPM receive buffer fills and RNR stops the far end. Project choice.
constexpr std::size_t kLapmReadAhead = 8192;
/// V.42: after the far end released the link (our UA sent), the carrier stays this long so the
/// UA leaves the pump before we go quiet. Project choice.
constexpr double kAfterReleaseMs = 300.0;
/// V.42 T401 per line rate: about 4800 bit times either way (see v42::Lapm::Config). Project choice.
constexpr double kT401Ms2400 = 2000.0, kT401Ms1200 = 4000.0;

bool valid_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D') || (c >= 'a' && c <= 'd');
    });
}

std::string upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'd') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

}  // namespace

std::string_view to_string(Phase p) noexcept {
    switch (p) {
    case Phase::WaitDialTone: return "wait_dial_tone";
    case Phase::Dialling: return "dialling";
    case Phase::WaitAnswer: return "wait_answer";
    case Phase::WaitCall: return "wait_call";
    case Phase::Ringing: return "ringing";
    case Phase::Answering: return "answering";
    case Phase::Training: return "training";
    case Phase::Data: return "data";
    case Phase::HangingUp: return "hanging_up";
    case Phase::Ended: return "ended";
    }
    return "?";
}

std::string_view to_string(End e) noexcept {
    switch (e) {
    case End::None: return "none";
    case End::LocalHangup: return "local_hangup";
    case End::CarrierLost: return "carrier_lost";
    case End::NoDialtone: return "no_dialtone";
    case End::Busy: return "busy";
    case End::NoAnswer: return "no_answer";
    case End::NoCarrier: return "no_carrier";
    }
    return "?";
}

std::string_view to_string(Ec e) noexcept {
    switch (e) {
    case Ec::Off: return "off";
    case Ec::On: return "on";
    case Ec::Require: return "require";
    }
    return "?";
}

std::string ConnectInfo::connect_text() const {
    std::string t = "CONNECT " + std::to_string(rate_bps);
    if (protocol == "LAPM") t += "/LAPM";
    return t;
}

std::string_view result_text(End e) noexcept {
    switch (e) {
    case End::None: return "";
    case End::LocalHangup: return "OK";
    case End::CarrierLost: return "NO CARRIER";
    case End::NoDialtone: return "NO DIALTONE";
    case End::Busy: return "BUSY";
    case End::NoAnswer: return "NO ANSWER";
    case End::NoCarrier: return "NO CARRIER";
    }
    return "";
}

void Session::OffsetSink::record(const Event& e) noexcept {
    if (next == nullptr) return;
    Event shifted = e;
    shifted.at += offset;
    next->record(shifted);
}

Session::Session(const Config& cfg)
    : cfg_(cfg),
      phase_(cfg.role == Role::Caller ? Phase::WaitDialTone : Phase::WaitCall),
      dial_det_(tones::dial_detector()),
      busy_det_(tones::busy_detector()),
      ring_det_(tones::ringback_detector()),
      tx_({.format = cfg.format, .queue_capacity = cfg.tx_queue}),
      rx_({.format = cfg.format}, [this](const v14::RxChar& c) {
          if (c.is_break) {
              ++stats_.breaks;
              emit(cfg_.trace, Event::make(decoded_at(), EventKind::Info, kSource, "break", "break received"));
              return;
          }
          if (c.parity_error) ++stats_.parity_errors;
          if (c.framing_error) ++stats_.framing_errors;
          held_.push_back({decoded_at(), c.value});
      }) {
    if (!valid_digits(cfg.number) || !valid_digits(cfg.answer_number))
        throw std::invalid_argument("session: a number may only hold the DTMF digits 0-9 * # A-D");
    if (cfg.role == Role::Caller && cfg.guard != v22bis::GuardTone::None)
        throw std::invalid_argument("session: only the answering modem sends a guard tone");
    if (cfg.hold_ms < 0 || cfg.trailer_ms < 0 || cfg.ring_s < 0 || cfg.answer_wait_s <= 0)
        throw std::invalid_argument("session: negative durations");
    hold_samples_ = dsp::ms_to_samples(cfg_.hold_ms);
    cfg_.number = upper(cfg_.number);
    cfg_.answer_number = upper(cfg_.answer_number);
    v8_sink_.next = cfg_.trace;
    pump_sink_.next = cfg_.trace;
    // Entry state.
    if (cfg_.role == Role::Caller) {
        if (cfg_.number.empty()) {
            phase_ = Phase::WaitAnswer;
            if (cfg_.v8) start_v8();
        }
    } else if (cfg_.answer_number.empty() && !cfg_.answer_any) {
        phase_ = Phase::Answering;
        if (cfg_.v8) start_v8();
        else start_legacy_answer();
    } else if (cfg_.exchange_tones) {
        start_tone(tones::dial(), "dial");
    }
    emit(cfg_.trace, Event::make(0, EventKind::StateEntered, kSource, to_string(phase_), "start"));
}

Session::~Session() = default;

double Session::since_s() const noexcept { return dsp::samples_to_seconds(now_ - phase_at_); }

void Session::enter(Phase p, std::string_view why) {
    phase_ = p;
    phase_at_ = now_;
    emit(cfg_.trace, Event::make(now_, EventKind::StateEntered, kSource, to_string(p), why));
}

void Session::finish(End e, std::string_view why) {
    end_ = e;
    tone_.reset();
    if (link_ == Link::Lapm && connect_) {
        update_lapm_stats();
        auto c = Event::make(now_, EventKind::Info, kSource, "v42", "LAPM frames sent/received, resent, FCS errors");
        c.with("frames_sent", static_cast<std::int64_t>(stats_.frames_sent))
            .with("frames_received", static_cast<std::int64_t>(stats_.frames_received))
            .with("retransmissions", static_cast<std::int64_t>(stats_.retransmissions))
            .with("fcs_errors", static_cast<std::int64_t>(stats_.fcs_errors));
        emit(cfg_.trace, c);
    }
    const EventKind kind = e == End::LocalHangup ? EventKind::Info : EventKind::Failed;
    auto ev = Event::make(now_, kind, kSource, e == End::LocalHangup ? "hangup" : result_text(e), why);
    ev.with("end", to_string(e));
    emit(cfg_.trace, ev);
    enter(Phase::Ended, why);
}

void Session::start_tone(const tones::ToneSequence::Config& seq, std::string_view name) {
    tone_ = std::make_unique<tones::ToneSequence>(seq);
    emit(cfg_.trace, Event::make(now_, EventKind::ToneSent, kSource, name));
}

void Session::start_v8() {
    v8::V8Endpoint::Config c;
    c.role = cfg_.role == Role::Caller ? v8::Role::Caller : v8::Role::Answerer;
    // Only what this session can run after V.8: V.22bis (which covers V.22), and LAPM when V.42
    // error correction is wanted.
    const v8::Capabilities caps{.modulations = v8::ModulationSet{v8::Modulation::V22bis},
                                .lapm = cfg_.ec != Ec::Off};
    c.call.caps = caps;
    c.answer.caps = caps;
    c.call.tone_timeout_ms = cfg_.answer_wait_s * 1000.0;
    c.ansam_reversals = cfg_.ansam_reversals;
    v8_sink_.offset = now_;
    v8_ = std::make_unique<v8::V8Endpoint>(c, &v8_sink_);
    start_up_ = "V.8";
}

void Session::start_legacy_answer() {
    tones::ToneSequence::Config seq = tones::ans({.reversals = cfg_.ansam_reversals});
    tones::ToneSegment pause;
    pause.duration = dsp::ms_to_samples(kAnsDelayMs);
    seq.segments.insert(seq.segments.begin(), pause);
    start_tone(seq, cfg_.ansam_reversals ? "ANS/" : "ANS");
    start_up_ = "V.25";
}

void Session::start_pump(SampleTime initial_silence) {
    v8_.reset();
    tone_.reset();
    v22bis::Modem::Config mc;
    mc.role = cfg_.role == Role::Caller ? v22bis::Role::Caller : v22bis::Role::Answerer;
    mc.max_rate = cfg_.max_rate;
    mc.guard = cfg_.role == Role::Answerer ? cfg_.guard : v22bis::GuardTone::None;
    mc.level_dbm0 = cfg_.level_dbm0;
    mc.initial_silence = initial_silence;
    mc.trace = &pump_sink_;
    pump_sink_.offset = now_;
    pump_ = std::make_unique<v22bis::Modem>(mc);
    // One call per symbol (2 or 4 bits) rather than one per bit.
    pump_->set_block_source([this](std::span<std::uint8_t> bits) {
        if (link_ == Link::Async) {
            tx_.next_bits(bits);
        } else {
            for (auto& b : bits) b = line_bit();
        }
    });
    pump_->set_block_sink([this](std::span<const std::uint8_t> bits) {
        if (link_ == Link::Async) {
            rx_.push_bits(bits);
        } else {
            for (const auto b : bits) line_in(b);
        }
    });
    enter(Phase::Training, start_up_ == "V.8" ? "V.8 done" : "answer tone (no V.8)");
}

void Session::on_connected() {
    const bool fast = pump_->rate() == v22bis::Rate::Bps2400;
    const bool lapm = link_ == Link::Lapm;
    connect_ = ConnectInfo{.modulation = fast ? "V.22bis" : "V.22",
                           .rate_bps = fast ? 2400 : 1200,
                           .start_up = start_up_,
                           .protocol = lapm ? "LAPM" : "none",
                           .format = cfg_.format,
                           .at = now_,
                           .lapm = lapm ? lapm_->agreed() : v42::LapmAgreed{}};
    auto ev = Event::make(now_, EventKind::Connected, kSource, fast ? "2400" : "1200", "CONNECT");
    ev.with("rate", connect_->rate_bps).with("modulation", connect_->modulation).with("start_up", start_up_);
    ev.with("protocol", connect_->protocol);
    ev.text = ShortText(cfg_.format.name());
    emit(cfg_.trace, ev);
    enter(Phase::Data, "connected");
}

void Session::release_held() {
    const SampleTime limit = now_ - hold_samples_;
    while (!held_.empty() && held_.front().at <= limit) {
        rx_out_.push_back(held_.front().value);
        held_.pop_front();
        ++stats_.bytes_received;
    }
}

void Session::listen_call_progress(std::span<const float> in) {
    auto ignore = [](const tones::ToneEvent&) {};
    busy_det_.process(in, ignore);
    ring_det_.process(in, ignore);
    if (busy_det_.tone_on()) {
        if (busy_on_since_ < 0) busy_on_since_ = now_;
    } else if (busy_on_since_ >= 0) {
        const double ms = dsp::samples_to_seconds(now_ - busy_on_since_) * 1000.0;
        busy_bursts_ = (ms >= kBusyMinMs && ms <= kBusyMaxMs) ? busy_bursts_ + 1 : 0;
        busy_on_since_ = -1;
        if (busy_bursts_ >= kBusyBursts) {
            emit(cfg_.trace, Event::make(now_, EventKind::ToneHeard, kSource, "busy"));
            finish(End::Busy, "busy tone");
            return;
        }
    }
    if (ring_det_.tone_on()) {
        if (ring_on_since_ < 0) ring_on_since_ = now_;
        if (!ring_reported_ && dsp::samples_to_seconds(now_ - ring_on_since_) * 1000.0 >= kRingbackMinMs) {
            ring_reported_ = true;
            emit(cfg_.trace, Event::make(ring_on_since_, EventKind::ToneHeard, kSource, "ringback"));
        }
    } else {
        ring_on_since_ = -1;
        ring_reported_ = false;
    }
}

void Session::collect_digits(std::span<const float> in) {
    bool got = false;
    dtmf_det_.process(in, [&](const tones::ToneEvent& e) {
        digits_ += e.digit;
        last_digit_at_ = now_;
        got = true;
        auto ev = Event::make(e.start, EventKind::ToneHeard, kSource, "DTMF");
        ev.text = ShortText(std::string_view(&e.digit, 1));
        emit(cfg_.trace, ev);
    });
    if (got && cfg_.exchange_tones) tone_.reset();  // the exchange stops dial tone at the first digit
    // Any call: a number is complete once the digits pause (the exchange's end-of-dialling timer).
    const bool any_done = cfg_.answer_any && !digits_.empty() &&
                          dsp::samples_to_seconds(now_ - last_digit_at_) >= kAnyNumberPauseS;
    const bool ours = !cfg_.answer_any && !digits_.empty() && digits_.size() >= cfg_.answer_number.size() &&
                      digits_.compare(digits_.size() - cfg_.answer_number.size(), std::string::npos,
                                      cfg_.answer_number) == 0;
    if (any_done || ours) {
        auto ev = Event::make(now_, EventKind::Info, kSource, "number",
                              cfg_.answer_any ? "a number was dialled" : "our number was dialled");
        ev.text = ShortText(digits_);
        emit(cfg_.trace, ev);
        enter(Phase::Ringing, "our number");
        if (cfg_.exchange_tones) start_tone(tones::ringback(), "ringback");
        return;
    }
    if (!digits_.empty() && dsp::samples_to_seconds(now_ - last_digit_at_) > cfg_.digit_timeout_s) {
        auto ev = Event::make(now_, EventKind::Info, kSource, "number", "not our number; waiting again");
        ev.text = ShortText(digits_);
        emit(cfg_.trace, ev);
        digits_.clear();
        if (cfg_.exchange_tones) start_tone(tones::dial(), "dial");
    }
}

void Session::process(std::span<const float> in, std::span<float> out) {
    if (in.size() != out.size()) throw std::invalid_argument("session: in and out differ in length");
    std::size_t i = 0;
    while (i < in.size()) {
        std::size_t n = in.size() - i;
        if (phase_ != Phase::Ended) n = std::min<std::size_t>(n, static_cast<std::size_t>(kGrid - now_ % kGrid));
        if (quiet_data()) {
            i += run_quiet_data(in.subspan(i), out.subspan(i), n);
            continue;
        }
        run(in.subspan(i, n), out.subspan(i, n));
        now_ += static_cast<SampleTime>(n);
        i += n;
        if (phase_ == Phase::Data || phase_ == Phase::HangingUp) {
            if (link_ == Link::Lapm) pull_lapm_rx();
            else release_held();
        }
    }
}

SampleTime Session::decoded_at() const noexcept {
    if (batch_at_ < 0) return now_;
    // The grid step the character would have been decoded in, step by step: the one holding the
    // sample the receiver decided the symbol on (the first step may start off the grid).
    const SampleTime x = batch_at_ + pump_->rx_taken() - 1;
    return std::max(batch_at_, x - x % kGrid);
}

bool Session::quiet_data() const noexcept {
    // In data at 2400 bit/s with V.14 characters and no retrain, the session's grid step does
    // nothing but count and release held characters until the pump changes state; at 1200 it
    // watches the SNR on every step, with LAPM it ticks the link, hanging up it watches the time.
    return phase_ == Phase::Data && link_ == Link::Async && pump_->state() == v22bis::HandshakeState::Data &&
           pump_->rate() == v22bis::Rate::Bps2400 && pump_->retrain_by() == v22bis::RetrainBy::None;
}

std::size_t Session::run_quiet_data(std::span<const float> in, std::span<float> out, std::size_t first) {
    // The pump takes the grid steps one after the other in one call, stopping after a step in
    // which its state changed; that step gets the session's full treatment, the quiet ones before
    // it need only their releases (release_held() at the start of the last step releases what
    // they released). Bits, characters, their hold times and events are those of step by step.
    const SampleTime start = now_;
    batch_at_ = start;
    const std::size_t done = pump_->process_pieces(in, out, first, static_cast<std::size_t>(kGrid));
    batch_at_ = -1;
    const SampleTime end = start + static_cast<SampleTime>(done);
    now_ = std::max(start, (end - 1) - (end - 1) % kGrid);
    release_held();
    data_step();
    now_ = end;
    if (phase_ == Phase::Data || phase_ == Phase::HangingUp) release_held();
    return done;
}

void Session::run(std::span<const float> in, std::span<float> out) {
    // The pump writes every sample of its block; every other phase starts from silence.
    const bool pump_phase = phase_ == Phase::Training || phase_ == Phase::Data || phase_ == Phase::HangingUp;
    if (!pump_phase) std::fill(out.begin(), out.end(), 0.0f);
    switch (phase_) {
    case Phase::WaitDialTone: {
        if (!cfg_.wait_dial_tone) {
            if (since_s() >= cfg_.blind_dial_delay_s) {
                enter(Phase::Dialling, "blind dialling");
                start_tone(tones::dtmf(cfg_.number, cfg_.dtmf), "DTMF");
            }
            return;
        }
        dial_det_.process(in, [](const tones::ToneEvent&) {});
        if (dial_det_.tone_on()) {
            if (dial_on_since_ < 0) dial_on_since_ = now_;
            if (dsp::samples_to_seconds(now_ - dial_on_since_) >= cfg_.dial_tone_min_s) {
                emit(cfg_.trace, Event::make(dial_on_since_, EventKind::ToneHeard, kSource, "dial"));
                enter(Phase::Dialling, "dial tone");
                start_tone(tones::dtmf(cfg_.number, cfg_.dtmf), "DTMF");
            }
        } else {
            dial_on_since_ = -1;
        }
        if (phase_ == Phase::WaitDialTone && since_s() >= cfg_.dial_tone_wait_s) finish(End::NoDialtone, "no dial tone");
        return;
    }
    case Phase::Dialling:
        tone_->generate(out);
        if (tone_->done()) {
            tone_.reset();
            enter(Phase::WaitAnswer, "number dialled");
            if (cfg_.v8) start_v8();
        }
        return;
    case Phase::WaitAnswer:
        listen_call_progress(in);
        if (phase_ != Phase::WaitAnswer) return;
        if (tone_wait_since_ >= 0) {
            // Legacy path: the answering modem sends its data signal 75 ms after the end of ANS,
            // so the pump starts when the tone has gone (a receiver trained on 2100 Hz would
            // only have to unlearn it).
            ans_det_.process(in, [](const tones::ToneEvent&) {});
            if (ans_det_.state().present) tone_seen_ = true;
            const double waited = dsp::samples_to_seconds(now_ - tone_wait_since_);
            if ((tone_seen_ && !ans_det_.state().present) || (!tone_seen_ && waited >= kToneReacquireS) ||
                waited >= kMaxAnsS)
                start_pump(0);
            return;
        }
        if (cfg_.v8) {
            v8_->process(in, out);
            if (!v8_->finished()) return;
            const v8::V8Result& r = v8_->result();
            v8_lapm_ = r.status == v8::V8Result::Status::Ok && r.lapm;
            if (r.status == v8::V8Result::Status::Ok && r.chosen == v8::Modulation::V22bis) {
                start_pump(0);
            } else if (r.status == v8::V8Result::Status::Legacy) {
                start_up_ = "V.25";
                tone_wait_since_ = now_;
                tone_seen_ = false;
                ans_det_.reset();
            } else if (v8_->tone_heard() == v8::AnswerTone::None) {
                finish(End::NoAnswer, "no answer tone");
            } else {
                finish(End::NoCarrier, r.status == v8::V8Result::Status::Ok ? "no common modulation" : "V.8 failed");
            }
            return;
        }
        ans_det_.process(in, [](const tones::ToneEvent&) {});
        if (ans_det_.state().present) {
            emit(cfg_.trace, Event::make(ans_det_.state().since, EventKind::ToneHeard, kSource, "answer tone"));
            start_up_ = "V.25";
            tone_wait_since_ = now_;
            tone_seen_ = true;
        } else if (since_s() >= cfg_.answer_wait_s) {
            finish(End::NoAnswer, "no answer tone");
        }
        return;
    case Phase::WaitCall:
        if (tone_) tone_->generate(out);
        collect_digits(in);
        return;
    case Phase::Ringing:
        if (tone_) tone_->generate(out);
        if (!cfg_.auto_answer && static_cast<double>(rings_) * cfg_.ring_cycle_s <= since_s()) {
            ++rings_;
            emit(cfg_.trace, Event::make(now_, EventKind::Info, kSource, "ring").with("count", rings_));
        }
        if (cfg_.auto_answer ? since_s() >= cfg_.ring_s : answer_asked_) {
            tone_.reset();
            enter(Phase::Answering, "off hook");
            if (cfg_.v8) start_v8();
            else start_legacy_answer();
        }
        return;
    case Phase::Answering:
        if (cfg_.v8) {
            v8_->process(in, out);
            if (!v8_->finished()) return;
            const v8::V8Result& r = v8_->result();
            v8_lapm_ = r.status == v8::V8Result::Status::Ok && r.lapm;
            if (r.status == v8::V8Result::Status::Ok && r.chosen == v8::Modulation::V22bis) {
                start_pump(0);
            } else if (r.status == v8::V8Result::Status::Legacy) {
                start_up_ = "V.25";
                start_pump(0);
            } else {
                finish(End::NoCarrier, r.status == v8::V8Result::Status::Ok ? "no common modulation" : "V.8 failed");
            }
            return;
        }
        tone_->generate(out);
        if (tone_->done()) start_pump(dsp::ms_to_samples(kAnsToDataMs));
        return;
    case Phase::Training:
        pump_->process(in, out);
        if (pump_->failed()) {
            finish(End::NoCarrier, link_started_ ? "carrier lost during the V.42 negotiation" : "V.22bis handshake failed");
        } else if (link_started_) {
            run_link();
        } else if (pump_->connected()) {
            link_started_ = true;
            start_link();
        }
        return;
    case Phase::Data:
    case Phase::HangingUp: {
        pump_->process(in, out);
        data_step();
        return;
    }
    case Phase::Ended:
        return;
    }
}

// Data and HangingUp: what the session does at the end of each grid step, after the pump.
void Session::data_step() {
    if (link_ == Link::Lapm) update_lapm_stats();
    else stats_.bytes_sent = tx_.chars_sent();
    if (pump_->failed()) {
        stats_.bytes_discarded += held_.size();
        held_.clear();
        finish(End::CarrierLost, "far carrier lost");
        return;
    }
    // A retrain we start means our reception went bad some time ago: what was decoded in
    // the hold window is suspect (noise after a vanished carrier decodes as characters), so
    // it is dropped, never delivered. (A retrain the far end asks for says nothing about our
    // reception: nothing is dropped then.)
    const bool local_retrain = pump_->retrain_by() == v22bis::RetrainBy::Local;
    if (local_retrain && unanswered_since_ < 0) {
        unanswered_since_ = now_;
        stats_.bytes_discarded += held_.size();
        held_.clear();
    }
    if (!local_retrain) unanswered_since_ = -1;
    // Our retrain not answered by the far end's S1 within V.22bis's 1.2 s means the far end
    // has gone (its carrier replaced by noise, which a level detector cannot tell): end the
    // call now rather than after every S1 resend.
    const auto st = pump_->state();
    if (local_retrain && (st == v22bis::HandshakeState::RetrainSendS1 || st == v22bis::HandshakeState::RetrainWaitS1) &&
        dsp::samples_to_seconds(now_ - unanswered_since_) >= kRetrainReplyS) {
        finish(End::CarrierLost, "far end did not answer the retrain");
        return;
    }
    // At 1200 bit/s there is no retrain (V.22bis 6.4 is a 2400 bit/s procedure): a decision
    // SNR that stays low means the far signal is gone and only noise is left.
    const bool poor = pump_->rate() == v22bis::Rate::Bps1200 && pump_->connected() &&
                      pump_->rx_status().snr_db < kNoiseOnlySnrDb;
    if (!poor) {
        poor_since_ = -1;
    } else if (poor_since_ < 0) {
        poor_since_ = now_;
    } else if (dsp::samples_to_seconds(now_ - poor_since_) >= kNoiseOnlyS) {
        stats_.bytes_discarded += held_.size();
        held_.clear();
        finish(End::CarrierLost, "only noise where the far signal was");
        return;
    }
    while ((local_retrain || poor) && !held_.empty()) {  // nothing decoded now is data
        ++stats_.bytes_discarded;
        held_.pop_front();
    }
    if (link_ == Link::Lapm && phase_ == Phase::Data &&
        (lapm_->state() == v42::LapmState::Disconnected || lapm_->state() == v42::LapmState::Failed)) {
        // The far end released the link (DISC, our UA follows), or the link failed (N400).
        if (released_at_ < 0) released_at_ = now_;
        if (lapm_->line_idle() && dsp::samples_to_seconds(now_ - released_at_) * 1000.0 >= kAfterReleaseMs)
            finish(End::CarrierLost, lapm_->released_by_peer() ? "far end released the V.42 link" : "V.42 link failed");
        return;
    }
    if (phase_ == Phase::HangingUp && link_ == Link::Lapm) {
        // Everything acknowledged, then DISC; once released, the trailer as below.
        if (lapm_->connected() && lapm_->tx_drained()) lapm_->disconnect(now_);
        const bool released =
            lapm_->state() == v42::LapmState::Disconnected || lapm_->state() == v42::LapmState::Failed;
        if (!released || !lapm_->line_idle()) {
            drained_at_ = -1;
        } else if (drained_at_ < 0) {
            drained_at_ = now_;
        } else if (dsp::samples_to_seconds(now_ - drained_at_) * 1000.0 >= cfg_.trailer_ms) {
            finish(End::LocalHangup, "hung up");
        }
        return;
    }
    if (phase_ == Phase::HangingUp) {
        if (!tx_.idle()) {
            drained_at_ = -1;
        } else if (drained_at_ < 0) {
            drained_at_ = now_;
        } else if (dsp::samples_to_seconds(now_ - drained_at_) * 1000.0 >= cfg_.trailer_ms) {
            // What is still held arrived within hold_ms: the far end had been quiet (or we
            // are cutting it off), so it is most likely noise after its carrier went.
            release_held();
            stats_.bytes_discarded += held_.size();
            held_.clear();
            finish(End::LocalHangup, "hung up");
        }
    }
}

void Session::start_link() {
    if (cfg_.ec == Ec::Off) {
        on_connected();
        return;
    }
    if (start_up_ == "V.8" && !v8_lapm_) {
        // V.8 already told us the far end has no V.42: no detection phase.
        if (cfg_.ec == Ec::Require) finish(End::NoCarrier, "no LAPM offered in V.8 (error correction required)");
        else on_connected();
        return;
    }
    v42::Lapm::Config lc;
    lc.originator = cfg_.role == Role::Caller;
    lc.t401_ms = pump_->rate() == v22bis::Rate::Bps2400 ? kT401Ms2400 : kT401Ms1200;
    lc.tx_queue = cfg_.tx_queue;
    lc.trace = cfg_.trace;
    lapm_ = std::make_unique<v42::Lapm>(lc);
    if (v8_lapm_) {
        // V.8 agreed LAPM: straight to establishment, no ODP/ADP.
        link_ = Link::Lapm;
        lapm_->start(now_);
        return;
    }
    detect_ = std::make_unique<v42::Detector>(v42::Detector::Config{.originator = cfg_.role == Role::Caller,
                                                                   .trace = cfg_.trace});
    detect_->start(now_);
    link_ = Link::Detect;
}

void Session::fall_back(std::string_view why) {
    if (cfg_.ec == Ec::Require) {
        finish(End::NoCarrier, why);
        return;
    }
    emit(cfg_.trace, Event::make(now_, EventKind::Info, kSource, "v42", why));
    link_ = Link::Async;
    on_connected();
}

void Session::run_link() {
    if (link_ == Link::Detect) {
        detect_->tick(now_);
        // The answerer listens for LAPM from the moment it answers ODP.
        if (detect_->state() == v42::DetectState::SendAdp && lapm_->state() == v42::LapmState::Idle)
            lapm_->start(now_);
        if (detect_->state() == v42::DetectState::Lapm) {
            link_ = Link::Lapm;
            if (lapm_->state() == v42::LapmState::Idle) lapm_->start(now_);
            held_.clear();  // ODP/ADP seen as characters
            rx_.reset();
        } else if (detect_->state() == v42::DetectState::Async) {
            // What the parallel V.14 receiver decoded (plain data before ODP) stays.
            fall_back("no V.42 at the far end (detection phase)");
            return;
        }
    }
    if (link_ == Link::Lapm) {
        lapm_->tick(now_);
        if (lapm_->connected()) {
            on_connected();
        } else if (lapm_->state() == v42::LapmState::Failed || lapm_->state() == v42::LapmState::Disconnected) {
            fall_back("LAPM not established");
        }
    }
}

std::uint8_t Session::line_bit() noexcept {
    switch (link_) {
    case Link::Async: return tx_.next_bit();
    case Link::Detect: return detect_->next_bit(now_);
    case Link::Lapm: return lapm_->next_bit(now_);
    }
    return 1;
}

void Session::line_in(std::uint8_t bit) noexcept {
    switch (link_) {
    case Link::Async: rx_.push_bit(bit); return;
    case Link::Detect:
        detect_->push_bit(now_, bit);
        rx_.push_bit(bit);  // in case the far end turns out to send plain characters
        lapm_->push_bit(now_, bit);
        return;
    case Link::Lapm: lapm_->push_bit(now_, bit); return;
    }
}

void Session::pull_lapm_rx() {
    std::array<std::uint8_t, 256> buf{};
    while (rx_out_.size() < kLapmReadAhead && lapm_->readable() > 0) {
        const std::size_t n = lapm_->read(std::span(buf.data(), std::min(buf.size(), kLapmReadAhead - rx_out_.size())));
        rx_out_.insert(rx_out_.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        stats_.bytes_received += n;
    }
    if (lapm_->stats().breaks_received != lapm_breaks_seen_) {
        lapm_breaks_seen_ = lapm_->stats().breaks_received;
        ++stats_.breaks;
    }
}

void Session::update_lapm_stats() {
    const auto& l = lapm_->stats();
    stats_.bytes_sent = l.bytes_sent;
    stats_.frames_sent = l.frames_sent;
    stats_.frames_received = l.frames_received;
    stats_.retransmissions = l.retransmissions;
    stats_.fcs_errors = l.fcs_errors;
}

std::size_t Session::write(std::span<const std::uint8_t> bytes) {
    if (writable() == 0) return 0;
    if (link_ == Link::Lapm) return lapm_->write(bytes);
    return tx_.push(bytes);
}

std::size_t Session::writable() const noexcept {
    if (hangup_asked_ || phase_ == Phase::Ended) return 0;
    // With V.42 wanted, nothing before CONNECT: LAPM or V.14 is not decided yet.
    if (cfg_.ec != Ec::Off && phase_ != Phase::Data) return 0;
    return link_ == Link::Lapm ? lapm_->writable() : tx_.free_space();
}

bool Session::tx_drained() const noexcept { return link_ == Link::Lapm ? lapm_->tx_drained() : tx_.idle(); }

std::size_t Session::read(std::span<std::uint8_t> out) {
    const std::size_t n = std::min(out.size(), rx_out_.size());
    std::copy_n(rx_out_.begin(), n, out.begin());
    rx_out_.erase(rx_out_.begin(), rx_out_.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
}

void Session::send_break() {
    if (phase_ != Phase::Data) return;
    if (link_ == Link::Lapm) lapm_->send_break();
    else tx_.send_break();
}

void Session::answer() {
    if (phase_ == Phase::Ringing) answer_asked_ = true;
}

void Session::hangup() {
    if (hangup_asked_ || phase_ == Phase::Ended) return;
    hangup_asked_ = true;
    if (phase_ == Phase::Data) {
        enter(Phase::HangingUp, "hang-up asked");
        return;
    }
    finish(End::LocalHangup, "hung up before connecting");
}

}  // namespace modem::session
