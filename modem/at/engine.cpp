// SPDX-License-Identifier: MIT
/// \file
/// AT engine core: modes, command-line editing, the guarded "+++" escape, session callbacks and
/// result/info formatting (Hayes conventions).
#include <algorithm>
#include <stdexcept>
#include <utility>

#include "modem/at/at.hpp"

namespace modem::at {

namespace {
constexpr std::int64_t kMsPerGuardUnit = 20;        // Hayes S12 counts fiftieths of a second
constexpr std::int64_t kRingCountClearMs = 8000;    // Hayes: S1 clears 8 s after the last ring
constexpr int kMaxEscapeChar = 127;                 // Hayes: S2 above 127 disables the escape
constexpr int kMaxRingCount = 255;                  // S1 is one byte
}  // namespace

std::string_view Engine::to_string(Mode m) noexcept {
    switch (m) {
    case Mode::Command: return "Command";
    case Mode::Connecting: return "Connecting";
    case Mode::Online: return "Online";
    case Mode::OnlineCommand: return "OnlineCommand";
    }
    return "?";
}

Engine::Engine() : Engine(Config{}) {}

Engine::Engine(const Config& cfg) : cfg_(cfg), settings_(Settings::factory()) {
    cfg_.format.validate();
    if (cfg_.max_line_chars == 0) throw std::invalid_argument("AT engine: max_line_chars must be at least 1");
    format_ = cfg_.format;
    data_format_ = cfg_.format;
}

int Engine::sreg(int n) const noexcept {
    if (n < 0 || n >= kNumSRegisters) return 0;
    return settings_.s[static_cast<std::size_t>(n)];
}

CallParams Engine::call_params() const {
    const int x = settings_.x_level;
    return CallParams{.detect_dialtone = x == 2 || x == 4,
                      .detect_busy = x >= 3,
                      .dialtone_wait_s = sreg(6),
                      .carrier_wait_s = sreg(7),
                      .comma_pause_s = sreg(8),
                      .carrier_loss_ds = sreg(10),
                      .dtmf_ms = sreg(11),
                      .ms = settings_.ms,
                      .format = format_,
                      .ec_mode = settings_.ec_mode};
}

std::string Engine::take_output() { return std::exchange(out_, {}); }
std::vector<std::uint8_t> Engine::take_data() { return std::exchange(data_, {}); }
std::vector<Action> Engine::take_actions() { return std::exchange(actions_, {}); }

// ---------------------------------------------------------------------------------------------
// Output formatting

std::string Engine::crlf() const {
    std::string s;
    s += static_cast<char>(sreg(3));
    s += static_cast<char>(sreg(4));
    return s;
}

void Engine::emit_text(std::string_view text) {
    for (char ch : text) out_ += static_cast<char>(dte_byte(format_, static_cast<std::uint8_t>(ch)));
}

void Engine::emit_result(Result r) {
    if (settings_.quiet) return;
    const ResultText t = result_text(r, rate_bps_, settings_.x_level, lapm_);
    if (settings_.verbose) {
        emit_text(crlf() + t.text + crlf());  // Hayes V1: <CR><LF>text<CR><LF>
    } else {
        std::string s = std::to_string(t.code);  // Hayes V0: digits<CR>
        s += static_cast<char>(sreg(3));
        emit_text(s);
    }
}

// Information text (ATI, S?, &V, +MS?): '\n' in `text` separates lines. Not silenced by Q1.
void Engine::emit_info(std::string_view text) {
    std::string body;
    for (char ch : text) {
        if (ch == '\n') body += crlf();
        else body += ch;
    }
    if (settings_.verbose) emit_text(crlf() + body + crlf());
    else emit_text(body + crlf());
}

// ---------------------------------------------------------------------------------------------
// DTE input

void Engine::feed(std::span<const std::uint8_t> bytes, std::int64_t now_ms) {
    tick(now_ms);
    for (const std::uint8_t raw : bytes) {
        switch (mode_) {
        case Mode::Command:
        case Mode::OnlineCommand: command_byte(raw); break;
        case Mode::Connecting:
            // Hayes: any character from the DTE while a call is being set up abandons it.
            actions_.emplace_back(Hangup{});
            end_call(Result::NoCarrier);
            break;
        case Mode::Online: online_byte(raw, now_ms_); break;
        }
    }
}

void Engine::command_byte(std::uint8_t raw) {
    const auto c = static_cast<char>(raw & 0x7Fu);  // commands are 7-bit ASCII; bit 7 may be parity
    if (settings_.echo) out_ += static_cast<char>(raw);
    const char cr = static_cast<char>(sreg(3));
    const char bs = static_cast<char>(sreg(5));
    switch (line_state_) {
    case LineState::WaitA:
        if (c == 'A' || c == 'a') {
            a_raw_ = raw;
            line_state_ = LineState::GotA;
        }
        return;
    case LineState::GotA:
        if (c == 'T' || c == 't') {
            if (cfg_.detect_format) {
                if (const auto f = detect_format(a_raw_, raw)) format_ = *f;
            }
            line_.clear();
            line_overflow_ = false;
            line_state_ = LineState::InLine;
        } else if (c == '/') {
            line_state_ = LineState::WaitA;  // A/ repeats the last command line at once
            execute_line(last_line_);
        } else if (c == 'A' || c == 'a') {
            a_raw_ = raw;
        } else {
            line_state_ = LineState::WaitA;
        }
        return;
    case LineState::InLine:
        if (c == cr) {
            line_state_ = LineState::WaitA;
            if (line_overflow_) {
                emit_result(Result::Error);
                return;
            }
            last_line_ = line_;
            execute_line(line_);
        } else if (c == bs) {
            if (line_.empty()) line_state_ = LineState::GotA;  // rubbed out the 'T'
            else line_.pop_back();
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
            // other control characters (LF after CR, NUL...) are not part of a command
        } else if (line_.size() >= cfg_.max_line_chars) {
            line_overflow_ = true;
        } else {
            line_ += c;
        }
        return;
    }
}

// Escape (Hayes): at least S12 guard time without data, three S2 characters each less than the
// guard time after the previous one, then the guard time without data. The '+' characters are
// held until the sequence resolves; if it fails they are data, in order.
void Engine::online_byte(std::uint8_t raw, std::int64_t now_ms) {
    const int esc = sreg(2);
    const std::int64_t guard = sreg(12) * kMsPerGuardUnit;
    const auto mask = static_cast<std::uint8_t>((1u << data_format_.data_bits) - 1u);
    const int c = raw & mask;
    const std::int64_t gap = std::max<std::int64_t>(0, now_ms - last_dte_byte_ms_);
    last_dte_byte_ms_ = now_ms;
    if (esc > kMaxEscapeChar) {
        data_.push_back(raw);
        return;
    }
    if (esc_count_ == 3) {  // data inside the trailing guard time: no escape
        release_escape_chars();
        data_.push_back(raw);
        return;
    }
    if (esc_count_ > 0) {
        if (c == esc && (guard == 0 || gap < guard)) {
            esc_held_[static_cast<std::size_t>(esc_count_++)] = raw;
            if (esc_count_ == 3 && guard == 0) complete_escape();
            return;
        }
        release_escape_chars();
    }
    if (c == esc && gap >= guard) {
        esc_held_[0] = raw;
        esc_count_ = 1;
        return;
    }
    data_.push_back(raw);
}

void Engine::release_escape_chars() {
    for (int i = 0; i < esc_count_; ++i) data_.push_back(esc_held_[static_cast<std::size_t>(i)]);
    esc_count_ = 0;
}

void Engine::complete_escape() {
    esc_count_ = 0;
    mode_ = Mode::OnlineCommand;
    line_state_ = LineState::WaitA;
    actions_.emplace_back(CommandMode{});
    emit_result(Result::Ok);
}

void Engine::tick(std::int64_t now_ms) {
    if (!clock_started_ || now_ms > now_ms_) now_ms_ = now_ms;
    clock_started_ = true;
    if (mode_ == Mode::Online && esc_count_ > 0) {
        const std::int64_t guard = sreg(12) * kMsPerGuardUnit;
        if (now_ms_ - last_dte_byte_ms_ >= guard) {
            if (esc_count_ == 3) complete_escape();
            else release_escape_chars();  // the next '+' came too late (or never)
        }
    }
    if (sreg(1) > 0 && now_ms_ - last_ring_ms_ >= kRingCountClearMs) settings_.s[1] = 0;
}

std::optional<std::int64_t> Engine::next_deadline_ms() const noexcept {
    std::optional<std::int64_t> t;
    if (mode_ == Mode::Online && esc_count_ > 0) t = last_dte_byte_ms_ + sreg(12) * kMsPerGuardUnit;
    if (sreg(1) > 0) {
        const std::int64_t r = last_ring_ms_ + kRingCountClearMs;
        t = t ? std::min(*t, r) : r;
    }
    return t;
}

// ---------------------------------------------------------------------------------------------
// Call session events

void Engine::end_call(Result r) {
    esc_count_ = 0;
    off_hook_ = false;
    dial_return_pending_ = false;
    mode_ = Mode::Command;
    line_state_ = LineState::WaitA;
    emit_result(r);
}

void Engine::go_online(int rate_bps) {
    rate_bps_ = rate_bps;
    mode_ = Mode::Online;
    esc_count_ = 0;
    last_dte_byte_ms_ = now_ms_;  // the guard time before "+++" counts from here
    emit_result(Result::Connect);
}

void Engine::on_connect(int rate_bps, const v14::Format& format, bool lapm) {
    if (mode_ != Mode::Connecting || dial_return_pending_) return;
    lapm_ = lapm;
    try {
        format.validate();
        data_format_ = format;
    } catch (const std::invalid_argument&) {
        data_format_ = format_;  // a bad format from the session: keep the DTE's
    }
    go_online(std::max(0, rate_bps));
}

void Engine::on_no_carrier() {
    if (mode_ == Mode::Command) return;
    end_call(Result::NoCarrier);
}

void Engine::on_ring() {
    if (mode_ != Mode::Command) return;
    emit_result(Result::Ring);
    settings_.s[1] = std::min(kMaxRingCount, sreg(1) + 1);
    last_ring_ms_ = now_ms_;
    if (sreg(0) > 0 && sreg(1) >= sreg(0)) {
        settings_.s[1] = 0;
        actions_.emplace_back(Answer{.params = call_params()});
        mode_ = Mode::Connecting;
        off_hook_ = true;
        line_state_ = LineState::WaitA;
    }
}

void Engine::on_busy() {
    if (mode_ == Mode::Connecting) end_call(Result::Busy);
}

void Engine::on_no_dialtone() {
    if (mode_ == Mode::Connecting) end_call(Result::NoDialtone);
}

void Engine::on_no_answer() {
    if (mode_ == Mode::Connecting) end_call(Result::NoAnswer);
}

void Engine::on_dial_complete() {
    if (mode_ != Mode::Connecting || !dial_return_pending_) return;
    dial_return_pending_ = false;
    mode_ = Mode::Command;  // still off hook: ATH hangs up
    emit_result(Result::Ok);
}

}  // namespace modem::at
