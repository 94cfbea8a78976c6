// SPDX-License-Identifier: MIT
/// \file
/// V.8 endpoint: state machine + V.21 modem + answer tones, per sample.
#include "modem/v8/endpoint.hpp"

#include <algorithm>
#include <limits>

#include "dsp/block.hpp"

namespace modem::v8 {

namespace {
constexpr SampleTime kStepSamples = 8;  // the state machines are stepped every 1 ms; project choice
static_assert((kStepSamples & (kStepSamples - 1)) == 0, "the step test masks the clock");

tones::ToneSequence::Config ansam_config(const V8Endpoint::Config& cfg) {
    // The generator runs longer than the machine's limit: the machine stops it.
    return tones::ansam({.level_dbm0 = cfg.ansam_level_dbm0,
                         .duration_ms = cfg.answer.ansam_ms + 1000.0,
                         .reversals = cfg.ansam_reversals});
}
}  // namespace

V8Endpoint::V8Endpoint(const Config& cfg, TraceSink* trace)
    : cfg_(cfg),
      trace_(trace),
      call_(cfg.call, trace),
      answer_(cfg.answer, trace),
      tx_({.channel = cfg.role == Role::Caller ? v21::Channel::Ch1 : v21::Channel::Ch2,
           .level_dbm0 = cfg.fsk_level_dbm0,
           .idle = v21::FskTx::Idle::Silence,
           .queue_capacity = 1024}),
      rx_({.channel = cfg.role == Role::Caller ? v21::Channel::Ch2 : v21::Channel::Ch1}),
      ansam_(ansam_config(cfg)),
      tone_(cfg.tone) {
    reset();
}

void V8Endpoint::reset() noexcept {
    call_.reset();
    answer_.reset();
    tx_.reset();
    rx_.reset();
    deframer_.reset();
    ansam_.reset();
    tone_.reset();
    mode_ = TxMode::Silent;
    units_ = {};
    unit_pos_ = 0;
    repeating_ = false;
    last_state_ = -1;
    v92_packets_ = 0;
    now_ = 0;
    last_v8_at_ = 0;
}

bool V8Endpoint::finished() const noexcept {
    return cfg_.role == Role::Caller ? call_.finished() : answer_.finished();
}

const V8Result& V8Endpoint::result() const noexcept {
    return cfg_.role == Role::Caller ? call_.result() : answer_.result();
}

std::string_view V8Endpoint::state_name() const noexcept {
    return cfg_.role == Role::Caller ? to_string(call_.state()) : to_string(answer_.state());
}

int V8Endpoint::state_index() const noexcept {
    return cfg_.role == Role::Caller ? static_cast<int>(call_.state()) : static_cast<int>(answer_.state());
}

AnswerTone V8Endpoint::tone_now() const noexcept {
    const auto& st = tone_.state();
    if (!st.present || !st.classified) return AnswerTone::None;
    switch (st.kind) {
    case tones::ToneKind::Ans: return AnswerTone::Ans;
    case tones::ToneKind::AnsPr: return AnswerTone::AnsPr;
    case tones::ToneKind::Ansam: return AnswerTone::Ansam;
    case tones::ToneKind::AnsamPr: return AnswerTone::AnsamPr;
    case tones::ToneKind::Cng:
    case tones::ToneKind::Ct:
    case tones::ToneKind::Dial:
    case tones::ToneKind::Busy:
    case tones::ToneKind::Ringback:
    case tones::ToneKind::Dtmf:
        return AnswerTone::None;
    }
    return AnswerTone::None;
}

void V8Endpoint::emit_v8(const Event& e) noexcept {
    last_v8_at_ = std::max(last_v8_at_, e.at);
    emit(trace_, e);
}

void V8Endpoint::step(const Received* message) noexcept {
    if (cfg_.role == Role::Caller) {
        const AnswerTone before = call_.tone_heard();
        const CallState was = call_.state();
        call_.step(now_, CallObs{.tone = tone_now(), .message = message, .tx_idle = !tx_.busy()});
        if (call_.state() != was) last_v8_at_ = now_;  // the machine recorded the state it entered
        if (before == AnswerTone::None && call_.tone_heard() != AnswerTone::None) {
            const auto& st = tone_.state();
            emit_v8(Event::make(now_, EventKind::ToneHeard, "v8.call", to_string(call_.tone_heard()))
                             .with("since_sample", st.since)
                             .with("am_depth", st.am_depth)
                             .with("reversals", st.reversals)
                             .with("freq_hz", st.freq_hz));
        }
    } else {
        const AnswerState was = answer_.state();
        answer_.step(now_, AnswerObs{.message = message});
        if (answer_.state() != was) last_v8_at_ = now_;
    }
    apply_state();
}

void V8Endpoint::queue_units(const Units& u) noexcept {
    for (const std::uint16_t unit : u.view()) tx_.push_word(unit, 10);
}

void V8Endpoint::start_repeating(Sync sync, const Octets& octets, std::string_view name) noexcept {
    units_ = frame_message(sync, octets);
    unit_pos_ = 0;
    repeating_ = true;
    mode_ = TxMode::Fsk;
    Event e = Event::make(now_, EventKind::MessageSent, cfg_.role == Role::Caller ? "v8.call" : "v8.answer", name,
                          "repeated");
    e.text = hex_text(octets.view());
    emit_v8(e);
}

void V8Endpoint::apply_state() noexcept {
    const int s = state_index();
    if (s == last_state_) return;
    last_state_ = s;
    flush_run();  // the samples so far belong to the mode being left
    if (cfg_.role == Role::Caller) {
        switch (call_.state()) {
        case CallState::Listen:
        case CallState::CiGap:
        case CallState::SilenceAfterCj:
            mode_ = TxMode::Silent;
            return;
        case CallState::Te:
        case CallState::Done:
        case CallState::Legacy:
        case CallState::Failed:
            tx_.abort();  // a CI burst in progress stops at once (Te counts from here)
            repeating_ = false;
            mode_ = TxMode::Silent;
            return;
        case CallState::SendCi: {
            mode_ = TxMode::Fsk;
            repeating_ = false;
            const Units ci = frame_message(Sync::Ci, encode_ci(call_.config().call_function));
            for (int i = 0; i < call_.config().ci_per_burst; ++i) queue_units(ci);
            Event e = Event::make(now_, EventKind::MessageSent, "v8.call", "CI", "burst");
            e.text = hex_text(encode_ci(call_.config().call_function).view());
            emit_v8(e.with("count", call_.config().ci_per_burst));
            return;
        }
        case CallState::SendCm:
            start_repeating(Sync::CmJm, encode_menu(call_.cm()), "CM");
            return;
        case CallState::SendCj:
            finish_octet_then_cj();
            emit_v8(Event::make(now_, EventKind::MessageSent, "v8.call", "CJ"));
            return;
        }
        return;
    }
    switch (answer_.state()) {
    case AnswerState::InitialSilence:
        mode_ = TxMode::Silent;
        return;
    case AnswerState::SendAnsam:
        ansam_.reset();
        mode_ = TxMode::Ansam;
        emit_v8(Event::make(now_, EventKind::ToneSent, "v8.answer", cfg_.ansam_reversals ? "ANSam/" : "ANSam"));
        return;
    case AnswerState::SendJm:
        start_repeating(Sync::CmJm, encode_menu(answer_.jm()), "JM");
        return;
    case AnswerState::SilenceAfterCj:  // JM stops at once, even in mid-sequence (V.8 8.2.3)
    case AnswerState::LegacySilence:
    case AnswerState::Done:
    case AnswerState::Legacy:
    case AnswerState::Failed:
        tx_.abort();
        repeating_ = false;
        mode_ = TxMode::Silent;
        return;
    }
}

void V8Endpoint::on_message(const Received& m) noexcept {
    const bool caller = cfg_.role == Role::Caller;
    std::string_view name = to_string(m.kind);
    if (m.kind == Received::Kind::CmJm) name = caller ? "JM" : "CM";
    if (m.kind == Received::Kind::V92) ++v92_packets_;
    // Stamped at its last bit on the line, but never before an event this endpoint has already
    // recorded: a message is only known to be whole at the next idle bit or when the carrier
    // drops, and a timer step may fall in between (a JM that ends with the answerer's carrier is
    // whole when the carrier-off is known, after the caller's 75 ms silence may have ended V.8).
    // Its span on the line is start_sample .. end_sample.
    Event e = Event::make(std::max(m.end, last_v8_at_), EventKind::MessageReceived, caller ? "v8.call" : "v8.answer",
                          name, m.kind == Received::Kind::V92 ? "ignored" : "");
    e.text = hex_text(m.octets.view());
    emit_v8(e.with("start_sample", m.start).with("end_sample", m.end));
    if (!finished()) step(&m);
}

void V8Endpoint::on_rx_event(const v21::RxEvent& e) noexcept {
    const std::string_view src = cfg_.role == Role::Caller ? "v21.rx.ch2" : "v21.rx.ch1";
    switch (e.kind) {
    case v21::RxEvent::Kind::Bit:
        if (const Received* m = deframer_.push(e.bit, e.at)) on_message(*m);
        return;
    case v21::RxEvent::Kind::CarrierOn:
        emit(trace_, Event::make(e.at, EventKind::CarrierOn, src).with("level_dbm0", e.level_dbm0));
        return;
    case v21::RxEvent::Kind::CarrierOff:
        emit(trace_, Event::make(e.at, EventKind::CarrierOff, src).with("level_dbm0", e.level_dbm0));
        if (const Received* m = deframer_.flush()) on_message(*m);
        return;
    }
}

void V8Endpoint::finish_octet_then_cj() noexcept {
    // V.8 8.1.2: finish the CM octet in progress, then CJ. Units go to the transmitter one at a
    // time, pushed when the previous unit's last bit starts, so the queue holds either the rest
    // of the unit on the line (< 10 bits) or one whole unit that has not started (10 bits).
    repeating_ = false;
    const std::size_t n = units_.size;
    const std::size_t last_pushed = (unit_pos_ + n - 1) % n;
    const bool untouched = tx_.queued() == 10;
    const std::size_t on_line = untouched ? (last_pushed + n - 1) % n : last_pushed;
    // The preamble and the sync are sent as one header: CJ never follows the ten ones directly,
    // where its first zero octet would read as a CI sync (spandsp then misses CJ).
    if (on_line == 0) {
        if (!untouched) tx_.push_word(units_.data[1], 10);  // the sync follows the preamble
    } else if (untouched) {
        tx_.clear_queue();  // the next unit has not started: drop it
    }
    queue_units(cj_units());
}

void V8Endpoint::feed_tx() noexcept {
    if (repeating_ && tx_.queued() == 0 && units_.size > 0) {
        // One unit at a time, so that CJ can follow the unit in progress (V.8 8.1.2).
        tx_.push_word(units_.data[unit_pos_], 10);
        if (++unit_pos_ == units_.size) unit_pos_ = 0;
    }
}

void V8Endpoint::fsk_output(std::span<float> out) noexcept {
    // Sample by sample this is: before each sample, feed_tx(), then one sample. The transmitter
    // reads its queue only at the samples where a bit may start, and the queue runs dry only at
    // such a sample, so feeding before the span and after each of those samples gives the same
    // samples and leaves the same queue.
    feed_tx();
    while (!out.empty()) {
        const std::size_t n = std::min(out.size(), tx_.samples_to_boundary());
        tx_.process(out.first(n));
        out = out.subspan(n);
        feed_tx();
    }
}

void V8Endpoint::flush_run() noexcept {
    if (run_out_ == nullptr) return;
    const std::size_t upto = run_pos_ + static_cast<std::size_t>(now_ - run_at_);
    if (upto > run_pos_) {
        const std::span<float> out(run_out_ + run_pos_, upto - run_pos_);
        if (mode_ == TxMode::Ansam) {
            ansam_.generate(out);
        } else {
            std::fill(out.begin(), out.end(), 0.0f);
        }
    }
    run_pos_ = upto;
    run_at_ = now_;
}

void V8Endpoint::process(std::span<const float> in, std::span<float> out) noexcept {
    for (std::size_t start = 0; start < in.size(); start += kRxBlock) {
        const std::size_t m = std::min(kRxBlock, in.size() - start);
        // Receive the block first; each event is then acted on at the sample that completed it,
        // exactly as if the receiver were fed sample by sample.
        const std::size_t n_ev = rx_.process(in.subspan(start, m), rx_buf_);
        std::size_t k = 0;
        // Silence and ANSam are written in runs: the run so far is written out whenever the state
        // changes (apply_state) and before FSK samples; out[i] is written only after in[i] was
        // read, so in-place works.
        run_out_ = out.data();
        run_pos_ = start;
        run_at_ = now_;
        const bool caller = cfg_.role == Role::Caller;
        const std::size_t end = start + m;
        for (std::size_t i = start; i < end;) {
            while (k < n_ev && rx_buf_[k].known_at <= now_) on_rx_event(rx_buf_[k++]);
            if (caller) tone_.push(in[i]);
            if ((now_ & (kStepSamples - 1)) == 0 && !finished()) step(nullptr);
            // Nothing else happens before the next step or event: the span up to it at once.
            SampleTime next = (now_ | (kStepSamples - 1)) + 1;
            if (!caller) {
                // The answerer's machine does nothing without a message before its deadline (and
                // nothing at all when finished), and its output goes out in runs: the span may
                // reach the first step at or after the deadline.
                const SampleTime due = finished() ? std::numeric_limits<SampleTime>::max() : answer_.next_deadline();
                if (due > next) {
                    next = due > std::numeric_limits<SampleTime>::max() - kStepSamples
                               ? due
                               : ((due + kStepSamples - 1) & ~(kStepSamples - 1));
                }
            }
            if (k < n_ev) next = std::min(next, rx_buf_[k].known_at);
            const std::size_t n = std::min(end - i, static_cast<std::size_t>(next - now_));
            if (caller) {
                // The detector is read only at steps, so the span's other samples can go in now.
                for (std::size_t j = i + 1; j < i + n; ++j) tone_.push(in[j]);
            }
            if (mode_ == TxMode::Fsk) {
                flush_run();
                fsk_output(out.subspan(i, n));
                run_pos_ = i + n;
                run_at_ = now_ + static_cast<SampleTime>(n);
            }
            i += n;
            now_ += static_cast<SampleTime>(n);
        }
        flush_run();
        run_out_ = nullptr;
    }
}

}  // namespace modem::v8
