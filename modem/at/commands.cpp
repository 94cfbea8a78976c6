// SPDX-License-Identifier: MIT
/// \file
/// AT command-line execution: the basic Hayes commands, S-registers, &-commands, dial strings
/// and the V.250 extended command +MS.
#include <algorithm>
#include <cctype>

#include "modem/at/at.hpp"

namespace modem::at {

namespace {
constexpr int kMaxDigits = 6;  // longer numbers are out of range for every parameter here
constexpr int kMaxXLevel = 4;  // X0..X4 (Hayes Smartmodem 2400 set)
constexpr int kMaxEcMode = 4;  // \N0..\N4 (Hayes-compatible V.42 modems; \N5 MNP is not offered)
constexpr int kMaxInfo = 4;    // ATI0..ATI4
constexpr int kMaxDtrMode = 3; // &D0..&D3
constexpr std::array<int, 3> kRates{300, 1200, 2400};  // every rate of V.21, V.22, V.22bis

/// Decimal number at `pos` (advanced past it). No digits: `fallback` (Hayes: a missing number is
/// 0). More than kMaxDigits digits: a value larger than any range.
int parse_number(std::string_view s, std::size_t& pos, int fallback = 0) {
    int value = 0;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < kMaxDigits) value = value * 10 + (s[pos] - '0');
        else value = 9'999'999;
        ++digits;
        ++pos;
    }
    return digits == 0 ? fallback : value;
}

std::string three_digits(int v) {
    std::string s = std::to_string(v);
    while (s.size() < 3) s.insert(s.begin(), '0');
    return s;
}

std::optional<Carrier> parse_carrier(std::string_view s) {
    if (s == "V21") return Carrier::V21;
    if (s == "V22") return Carrier::V22;
    if (s == "V22B") return Carrier::V22B;
    return std::nullopt;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == sep) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

std::string ms_text(const ModulationLimits& m) {
    return "+MS: " + std::string(to_string(m.carrier)) + "," + (m.automode ? "1" : "0") + "," +
           std::to_string(m.min_tx_bps) + "," + std::to_string(m.max_tx_bps) + "," + std::to_string(m.min_rx_bps) +
           "," + std::to_string(m.max_rx_bps);
}
}  // namespace

void Engine::execute_line(const std::string& raw_line) {
    std::string u;
    for (char ch : raw_line)
        if (ch != ' ') u += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    std::size_t pos = 0;
    const auto error = [&] { emit_result(Result::Error); };
    while (pos < u.size()) {
        const char c = u[pos++];
        switch (c) {
        case 'D':
            if (!cmd_dial(std::string_view(u).substr(pos))) error();
            return;  // the dial string is the rest of the line
        case 'A':
            if (mode_ != Mode::Command || off_hook_) return error();
            actions_.emplace_back(Answer{.params = call_params()});
            mode_ = Mode::Connecting;
            off_hook_ = true;
            return;  // Hayes: A ends the command line
        case 'H':
            if (parse_number(u, pos) != 0) return error();  // H1 (off hook, idle) not offered
            if (off_hook_) actions_.emplace_back(Hangup{});
            off_hook_ = false;
            dial_return_pending_ = false;
            mode_ = Mode::Command;
            break;
        case 'Z':
            if (parse_number(u, pos) > 1) return error();
            settings_ = Settings::factory();
            actions_.emplace_back(Reset{});
            off_hook_ = false;
            dial_return_pending_ = false;
            mode_ = Mode::Command;
            emit_result(Result::Ok);
            return;  // Hayes: the rest of the line after Z is ignored
        case 'O':
            if (parse_number(u, pos) > 1) return error();
            if (mode_ != Mode::OnlineCommand) return error();  // no connection to return to
            actions_.emplace_back(GoOnline{});
            go_online(rate_bps_);
            return;  // the following bytes are data
        case 'E':
        case 'V':
        case 'Q': {
            const int n = parse_number(u, pos);
            if (n > 1) return error();
            (c == 'E' ? settings_.echo : c == 'V' ? settings_.verbose : settings_.quiet) = n == 1;
            break;
        }
        case 'X': {
            const int n = parse_number(u, pos);
            if (n > kMaxXLevel) return error();
            settings_.x_level = n;
            break;
        }
        case 'I': {
            const int n = parse_number(u, pos);
            if (n > kMaxInfo) return error();
            show_info(n);
            break;
        }
        case 'S':
            if (!cmd_sreg(u, pos)) return error();
            break;
        case '?':
            emit_info(three_digits(sreg(selected_sreg_)));
            break;
        case '&': {
            if (pos >= u.size()) return error();
            const char sub = u[pos++];
            const int n = parse_number(u, pos);
            if (sub == 'F' && n == 0) {
                settings_ = Settings::factory();
            } else if (sub == 'C' && n <= 1) {
                settings_.dcd_mode = n;
            } else if (sub == 'D' && n <= kMaxDtrMode) {
                settings_.dtr_mode = n;
            } else if (sub == 'V' && n == 0) {
                show_settings();
            } else {
                return error();
            }
            break;
        }
        case '\\': {
            // \N<n>: V.42 error control (see Settings::ec_mode).
            if (pos >= u.size() || u[pos] != 'N') return error();
            ++pos;
            const int n = parse_number(u, pos);
            if (n > kMaxEcMode) return error();
            settings_.ec_mode = (n == 0 || n == 1) ? 0 : (n == 3 ? 3 : 4);
            break;
        }
        case '+':
            if (!cmd_extended(u, pos)) return error();
            break;
        case ';':
            break;  // V.250 separator after an extended command
        default: return error();
        }
    }
    emit_result(Result::Ok);
}

bool Engine::cmd_sreg(std::string_view line, std::size_t& pos) {
    const int n = parse_number(line, pos);
    const auto info = sreg_info(n);
    if (!info) return false;
    if (pos < line.size() && line[pos] == '=') {
        ++pos;
        const int v = parse_number(line, pos);
        if (v < info->min || v > info->max) return false;
        settings_.s[static_cast<std::size_t>(n)] = v;
    } else if (pos < line.size() && line[pos] == '?') {
        ++pos;
        emit_info(three_digits(sreg(n)));
    } else {
        selected_sreg_ = n;  // ATSn selects the register AT? reads
    }
    return true;
}

bool Engine::cmd_extended(std::string_view line, std::size_t& pos) {
    std::size_t end = pos;
    while (end < line.size() && std::isalpha(static_cast<unsigned char>(line[end]))) ++end;
    const std::string_view name = line.substr(pos, end - pos);
    // Arguments run to the next ';' or the end of the line (V.250 extended syntax).
    std::size_t stop = line.find(';', end);
    if (stop == std::string_view::npos) stop = line.size();
    const std::string_view tail = line.substr(end, stop - end);
    pos = stop;
    if (name != "MS") return false;
    if (tail == "=?") {
        emit_info("+MS: (V21,V22,V22B),(0,1),(0,300,1200,2400),(0,300,1200,2400),(0,300,1200,2400),(0,300,1200,2400)");
        return true;
    }
    if (tail == "?") {
        emit_info(ms_text(settings_.ms));
        return true;
    }
    if (!tail.empty() && tail[0] == '=') return cmd_ms(tail.substr(1));
    return false;
}

// AT+MS=[carrier][,[automode][,[min_tx][,[max_tx][,[min_rx][,[max_rx]]]]]]. An empty field keeps
// its value (V.250); a rate of 0 means the lowest (min) or highest (max) rate of the allowed
// modulations; a kept rate that the new modulation set cannot reach is reset to the set's range
// (project choice, so that AT+MS=V21 works after AT+MS=V22B).
bool Engine::cmd_ms(std::string_view args) {
    const auto fields = split(args, ',');
    if (fields.size() > 6) return false;
    ModulationLimits m = settings_.ms;
    if (!fields.empty() && !fields[0].empty()) {
        const auto c = parse_carrier(fields[0]);
        if (!c) return false;
        m.carrier = *c;
    }
    if (fields.size() > 1 && !fields[1].empty()) {
        if (fields[1] == "0") m.automode = false;
        else if (fields[1] == "1") m.automode = true;
        else return false;
    }
    // Rates the allowed modulation set can run at.
    std::vector<int> usable;
    for (int r : kRates)
        for (Carrier c : {Carrier::V21, Carrier::V22, Carrier::V22B})
            if (ModulationLimits{.carrier = m.carrier, .automode = m.automode, .min_tx_bps = 0, .max_tx_bps = 1'000'000,
                                 .min_rx_bps = 0, .max_rx_bps = 1'000'000}
                    .allows(c, r) &&
                std::find(usable.begin(), usable.end(), r) == usable.end())
                usable.push_back(r);
    if (usable.empty()) return false;
    const int lo = usable.front();
    const int hi = usable.back();
    const auto usable_rate = [&](int r) { return r >= lo && r <= hi && std::find(kRates.begin(), kRates.end(), r) != kRates.end(); };
    int* targets[4] = {&m.min_tx_bps, &m.max_tx_bps, &m.min_rx_bps, &m.max_rx_bps};
    for (std::size_t i = 0; i < 4; ++i) {
        int& t = *targets[i];
        const bool is_min = i % 2 == 0;
        const std::size_t f = i + 2;
        if (f < fields.size() && !fields[f].empty()) {
            std::size_t p = 0;
            const int v = parse_number(fields[f], p, -1);
            if (p != fields[f].size() || v < 0) return false;
            if (v == 0) t = is_min ? lo : hi;
            else if (usable_rate(v)) t = v;
            else return false;
        } else if (!usable_rate(t)) {
            t = is_min ? lo : hi;
        }
    }
    if (m.min_tx_bps > m.max_tx_bps || m.min_rx_bps > m.max_rx_bps) return false;
    settings_.ms = m;
    return true;
}

bool Engine::cmd_dial(std::string_view rest) {
    if (mode_ != Mode::Command) return false;
    std::string text(rest);
    if (!text.empty() && text[0] == 'L') {  // ATDL: the last number again (';' may follow)
        if (last_number_.empty()) return false;
        text = last_number_ + text.substr(1);
        // Digits after L extend the number: never beyond what one command line can hold, or
        // repeated ATDL<digits> would grow it without limit.
        if (text.size() > cfg_.max_line_chars) return false;
    }
    Dial d;
    bool tone = true;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool is_digit = (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
        if (is_digit) {
            if (d.steps.empty() || d.steps.back().kind != DialStep::Kind::Digits || d.steps.back().tone != tone)
                d.steps.push_back(DialStep{.kind = DialStep::Kind::Digits, .digits = {}, .tone = tone});
            d.steps.back().digits += c;
            d.number += c;
        } else if (c == 'T' || c == 'P') {
            tone = c == 'T';
            d.number += c;
        } else if (c == 'W' || c == ',' || c == '!') {
            const auto kind = c == 'W' ? DialStep::Kind::WaitDialTone
                              : c == ',' ? DialStep::Kind::Pause
                                         : DialStep::Kind::Flash;
            d.steps.push_back(DialStep{.kind = kind, .digits = {}, .tone = tone});
            d.number += c;
        } else if (c == ';') {
            if (i + 1 != text.size()) return false;  // ';' ends the dial string
            d.return_to_command = true;
        } else if (c == '-' || c == '(' || c == ')' || c == '.') {
            // punctuation in a written number: ignored (Hayes)
        } else {
            return false;  // '@', 'S', 'R' and anything else: not supported
        }
    }
    if (!d.number.empty()) last_number_ = d.number;
    d.params = call_params();
    dial_return_pending_ = d.return_to_command;
    actions_.emplace_back(std::move(d));
    mode_ = Mode::Connecting;
    off_hook_ = true;
    return true;
}

void Engine::show_info(int n) {
    const ProductInfo& p = cfg_.product;
    switch (n) {
    case 0: emit_info(p.name); return;
    case 1: {  // Hayes I1: a ROM checksum; here a checksum of the product text (project choice)
        unsigned sum = 0;
        for (char ch : p.name + p.version) sum += static_cast<unsigned char>(ch);
        emit_info(three_digits(static_cast<int>(sum % 1000u)));
        return;
    }
    case 2: emit_info("OK"); return;  // Hayes I2: ROM test result
    case 3: emit_info(p.name + " " + p.version); return;
    default: emit_info(p.capabilities); return;
    }
}

void Engine::show_settings() {
    const Settings& s = settings_;
    std::string text = "ACTIVE PROFILE:\n";
    text += std::string("E") + (s.echo ? "1" : "0") + " Q" + (s.quiet ? "1" : "0") + " V" + (s.verbose ? "1" : "0") +
            " X" + std::to_string(s.x_level) + " &C" + std::to_string(s.dcd_mode) + " &D" + std::to_string(s.dtr_mode) +
            " \\N" + std::to_string(s.ec_mode) + "\n";
    bool first = true;
    for (int i = 0; i < kNumSRegisters; ++i) {
        if (!sreg_info(i)) continue;
        text += (first ? "S" : " S") + std::string(i < 10 ? "0" : "") + std::to_string(i) + ":" + three_digits(sreg(i));
        first = false;
    }
    text += "\n" + ms_text(s.ms) + "\n";
    text += "FORMAT: " + format_.name();
    if (!last_number_.empty()) text += "\nLAST NUMBER: " + last_number_;
    emit_info(text);
}

}  // namespace modem::at
