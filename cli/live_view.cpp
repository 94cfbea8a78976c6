// SPDX-License-Identifier: MIT
/// \file
/// The live view of `squeal demo` / `squeal play`: model, narration, ANSI frame and plain lines,
/// and the mapping from session events (V.8, V.22bis, call progress) and decoded events to phases.
#include "cli/live_view.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <variant>

#include "modem/v8/messages.hpp"

namespace squeal::cli {

namespace {

using modem::dsp::samples_to_seconds;

/// Project choice: the strip shows this many rows (newest at the bottom); each row is the maximum
/// of kColumnsPerRow spectrogram columns (4 x 128 samples = 64 ms), so it spans about 0.5 s.
constexpr std::size_t kStripRows = 8;
constexpr int kColumnsPerRow = 4;
/// Project choice: bins below kFloorDbm0 are blank, kFloorDbm0 + kRangeDb and above are full blocks.
constexpr double kFloorDbm0 = -75.0;
constexpr double kRangeDb = 50.0;
/// Project choice: notes kept on screen (older ones scroll away).
constexpr std::size_t kNotes = 4;
/// Columns before the phase trail and before the strip.
constexpr int kLabelWidth = 10;
/// Project choice: lines of phase history shown per side.
constexpr std::size_t kTrailLines = 4;

struct Narration {
    std::string_view key;
    std::string_view sentence;
};

// One sentence each: what the sound is and why it is there (facts from V.25, V.8, V.21, V.22bis,
// Q.23/Q.24; the wording is ours).
constexpr Narration kNarration[] = {
    {"dial_tone", "Dial tone (350 + 440 Hz): the exchange tells the caller the line is free and it may dial."},
    {"dtmf", "DTMF digits: two tones per digit, one from a low and one from a high group, so no voice can fake them."},
    {"ringback", "Ringback (440 + 480 Hz, 2 s on, 4 s off): the far phone is ringing; the caller waits for an answer."},
    {"busy", "Busy tone (480 + 620 Hz, half a second on and off): the far line is engaged, so the call cannot go on."},
    {"ans", "ANS, a plain 2100 Hz tone: an old-style (V.25) answer that says a modem is here and switches off the "
            "network's echo suppressors."},
    {"ansam", "ANSam, 2100 Hz with a 15 Hz flutter and phase flips every 450 ms: the answerer is a V.8 modem, and the "
              "flips switch off echo cancellers on the way."},
    {"ci", "CI: the caller says what kind of call this is (data, fax, ...) in slow FSK while it waits."},
    {"cm", "CM, the call menu: 300 bit/s FSK (V.21 low channel) listing every modulation the caller can run."},
    {"jm", "JM, the joint menu: the answerer replies on the V.21 high channel with the modes both modems share."},
    {"cj", "CJ: three zero octets that say 'menu received, stop sending JM'; V.8 is over."},
    {"silence", "A short silence between procedures, so each receiver can let go of the last signal."},
    {"usb1", "Unscrambled ones at 1200 bit/s: the answerer's V.22bis carrier (2400 Hz) with nothing in it yet, so the "
             "caller can find it."},
    {"s1", "S1, a 100 ms pattern of repeated dibits: this modem can do 2400 bit/s (V.22bis) and asks the other to "
           "train for it."},
    {"sb1_1200", "Scrambled ones at 1200 bit/s: random-sounding on purpose, so the receivers' equalisers and timing "
                 "loops can adapt to the line."},
    {"sb1_2400", "Scrambled ones at 2400 bit/s: the last training, now with all 16 points of the constellation."},
    {"data", "Data: the characters typed at each end, scrambled into the same hiss, both directions at once."},
    {"retrain", "Retrain: the line got worse, so the modems send S1 and train again without dropping the call."},
    {"hangup", "Hang-up: the last characters go out, then the carrier stops."},
};

std::string fmt(const char* f, double v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

/// Visible width of a UTF-8 string without escape sequences (one column per code point).
std::size_t visible_width(std::string_view s) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == 0x1b) {  // CSI: ESC [ ... final byte in 0x40..0x7e
            for (++i; i < s.size() && !(s[i] >= '@' && s[i] <= '~' && s[i] != '['); ++i) {
            }
            continue;
        }
        if ((c & 0xC0) != 0x80) ++w;
    }
    return w;
}

/// The first `width` visible columns of s (escape sequences kept).
std::string clip(std::string_view s, std::size_t width) {
    std::string out;
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == 0x1b) {
            const std::size_t start = i;
            for (++i; i < s.size() && !(s[i] >= '@' && s[i] <= '~' && s[i] != '['); ++i) {
            }
            out.append(s.substr(start, i - start + 1));
            continue;
        }
        if ((c & 0xC0) != 0x80) {
            if (w == width) break;
            ++w;
        }
        out += s[i];
    }
    return out;
}

/// Printable form of received characters (line breaks become spaces in the view; other control
/// characters \xHH).
std::string escape(std::string_view bytes) {
    std::string out;
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n' || c == '\r' || c == '\t') out += ' ';
        else if (c >= 0x20 && c < 0x7f) out += ch;
        else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned>(c));
            out += hex;
        }
    }
    return out;
}

std::string side_label(Side s) {
    std::string l(to_string(s));
    l.resize(static_cast<std::size_t>(kLabelWidth), ' ');
    return l;
}

std::string field_str(const modem::Event& e, std::string_view key) {
    const auto v = e.field(key);
    if (const auto* s = std::get_if<std::string_view>(&v)) return std::string(*s);
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (const auto* d = std::get_if<double>(&v)) return fmt("%.1f", *d);
    if (const auto* b = std::get_if<bool>(&v)) return *b ? "yes" : "no";
    return {};
}

}  // namespace

std::string_view to_string(Side s) noexcept {
    switch (s) {
    case Side::Caller: return "caller";
    case Side::Answerer: return "answerer";
    case Side::Line: return "network";
    }
    return "?";
}

std::string_view narration(std::string_view key) noexcept {
    for (const auto& n : kNarration)
        if (n.key == key) return n.sentence;
    return {};
}

std::string describe_menu(std::string_view octets_hex) {
    std::vector<std::uint8_t> octets;
    std::istringstream ss{std::string(octets_hex)};
    for (std::string w; ss >> w;) {
        if (w.size() != 2 || !std::isxdigit(static_cast<unsigned char>(w[0])) ||
            !std::isxdigit(static_cast<unsigned char>(w[1])))
            return std::string(octets_hex);
        octets.push_back(static_cast<std::uint8_t>(std::stoul(w, nullptr, 16)));
    }
    const auto r = modem::v8::decode_menu(octets);
    if (!r.ok) return std::string(octets_hex);
    std::string out = std::string(modem::v8::to_string(r.menu.call_function)) + "; " + r.menu.modulations.to_string();
    if (r.menu.lapm) out += "; LAPM";
    out += "  [" + std::string(octets_hex) + "]";
    return out;
}

LiveView::LiveView(Config cfg) : cfg_(std::move(cfg)) {
    if (cfg_.os == nullptr) throw std::invalid_argument("LiveView: no output stream");
    cfg_.width = std::clamp(cfg_.width, 40, 200);
    if (!cfg_.ansi) pending_.push_back(cfg_.title);
}

LiveView::~LiveView() {
    if (cfg_.ansi && drawn_lines_ > 0 && !finished_) *cfg_.os << "\x1b[?25h\n" << std::flush;
}

std::string LiveView::current(Side side) const {
    const auto& r = row(side);
    return r.steps.empty() ? std::string() : r.steps.back().label;
}

void LiveView::plain(std::string line) {
    if (!cfg_.ansi) pending_.push_back(std::move(line));
}

void LiveView::phase(Side side, SampleTime at, std::string label, std::string_view key) {
    Row& r = row(side);
    // A repeated DTMF digit is a new sound; anything else repeated is the same phase going on.
    if (!r.steps.empty() && r.steps.back().label == label && key != "dtmf") return;
    // Each sentence once: the second DTMF digit or S1 needs no new explanation.
    const bool first_time = narrated_.insert(std::string(key)).second;
    const std::string sentence(first_time ? narration(key) : std::string_view());
    plain(fmt("%9.3f s  ", samples_to_seconds(at)) + side_label(side) + label);
    if (cfg_.narrate && !sentence.empty()) {
        plain(std::string(13 + kLabelWidth, ' ') + sentence);
        narration_ = label + ": " + sentence;
    }
    r.steps.push_back({at, std::move(label)});
}

void LiveView::menu(Side side, std::string_view message, std::string text) {
    const std::string key = std::string(message) + " (" + std::string(to_string(side)) + ")";
    if (menus_.count(key) != 0) return;
    plain("           V.8 " + key + ": " + text);
    menus_[key] = std::move(text);
}

void LiveView::negotiated(std::string text) {
    if (text == negotiated_) return;
    plain("           negotiated: " + text);
    negotiated_ = std::move(text);
}

void LiveView::note(SampleTime at, std::string text) {
    std::string line = fmt("%9.3f s  ", samples_to_seconds(at)) + text;
    plain(line);
    notes_.push_back(std::move(line));
    while (notes_.size() > kNotes) notes_.pop_front();
}

void LiveView::text(Side from, std::string_view bytes) {
    Row& r = row(from);
    r.text += escape(bytes);
    // Plain lines: each line of text as soon as its end arrives (a last partial one at result()).
    for (const char c : bytes) {
        if (c == '\n') {
            plain("           " + std::string(to_string(from)) + " sent: " + r.line);
            r.line.clear();
        } else {
            r.line += escape(std::string_view(&c, 1));
        }
    }
}

void LiveView::spectrum(std::span<const float> db) {
    if (db.size() < 2) return;
    const auto bands = static_cast<std::size_t>(cfg_.width - kLabelWidth - 1);
    if (acc_.size() != bands) {
        acc_.assign(bands, -300.0f);
        acc_n_ = 0;
    }
    // Band b covers bins [b * n / bands, (b + 1) * n / bands): keep the strongest.
    const std::size_t n = db.size() - 1;  // the last bin is 4000 Hz exactly
    for (std::size_t b = 0; b < bands; ++b) {
        const std::size_t lo = b * n / bands;
        const std::size_t hi = std::max(lo + 1, (b + 1) * n / bands);
        for (std::size_t k = lo; k < hi; ++k) acc_[b] = std::max(acc_[b], db[k]);
    }
    if (++acc_n_ < kColumnsPerRow) return;
    strip_.push_back(acc_);
    while (strip_.size() > kStripRows) strip_.pop_front();
    std::fill(acc_.begin(), acc_.end(), -300.0f);
    acc_n_ = 0;
}

void LiveView::result(std::string text) {
    if (results_.empty()) {
        for (const Side sd : {Side::Caller, Side::Answerer}) {
            Row& r = row(sd);
            if (!r.line.empty()) plain("           " + std::string(to_string(sd)) + " sent: " + r.line);
            r.line.clear();
        }
    }
    plain(text);
    results_.push_back(std::move(text));
}

std::string LiveView::strip_row(const std::vector<float>& row_db) const {
    // Levels: blank, then four block shades; colour from blue (quiet) to red (loud), 256-colour.
    static constexpr std::string_view kShades[] = {" ", "░", "▒", "▓", "█"};
    static constexpr int kColours[] = {0, 24, 31, 37, 43, 113, 184, 214, 208, 196};
    std::string out;
    int last_colour = -1;
    for (const float d : row_db) {
        // Spectrum dB (mean power, full scale 1.0) to dBm0, then to 0..1 over the display range.
        const double dbm0 = modem::dsp::power_to_dbm0(modem::dsp::db_to_power(d));
        const double x = std::clamp((dbm0 - kFloorDbm0) / kRangeDb, 0.0, 1.0);
        const auto shade = static_cast<std::size_t>(std::lround(x * 4.0));
        if (cfg_.colour) {
            const int colour = kColours[std::min<std::size_t>(9, static_cast<std::size_t>(x * 9.99))];
            if (colour != last_colour) {
                out += "\x1b[38;5;" + std::to_string(colour) + "m";
                last_colour = colour;
            }
        }
        out += kShades[shade];
    }
    if (cfg_.colour) out += "\x1b[0m";
    return out;
}

std::vector<std::string> LiveView::frame(SampleTime now) const {
    const auto width = static_cast<std::size_t>(cfg_.width);
    const bool c = cfg_.colour;
    auto bold = [c](const std::string& s) { return c ? "\x1b[1m" + s + "\x1b[0m" : s; };
    auto tint = [c](const std::string& s, int colour) {
        return c ? "\x1b[38;5;" + std::to_string(colour) + "m" + s + "\x1b[0m" : s;
    };
    std::vector<std::string> out;
    std::string head = cfg_.title;
    const std::string clock = fmt("%7.2f s", samples_to_seconds(now));
    const std::size_t tw = visible_width(head);
    if (tw + clock.size() + 1 < width) head += std::string(width - tw - clock.size(), ' ');
    out.push_back(bold(head + clock));

    const Side sides[] = {Side::Caller, Side::Answerer, Side::Line};
    const int colours[] = {51, 84, 252};  // caller cyan, answerer green, network grey (as the PNG)
    for (std::size_t i = 0; i < (cfg_.line_row ? 3u : 2u); ++i) {
        const Row& r = row(sides[i]);
        std::string line = side_label(sides[i]);
        if (r.steps.empty()) {
            line += "-";
        } else {
            const Step& cur = r.steps.back();
            line += tint(cur.label, colours[i]) + fmt("  for %.2f s", samples_to_seconds(now - cur.at));
        }
        out.push_back(line);
        // The trail: every phase with its start time, wrapped; the newest kTrailLines lines.
        const std::size_t room = width - static_cast<std::size_t>(kLabelWidth);
        std::vector<std::string> wrapped;
        for (std::size_t k = 0; k < r.steps.size(); ++k) {
            const std::string item = r.steps[k].label + fmt(" %.2f", samples_to_seconds(r.steps[k].at));
            if (wrapped.empty() || wrapped.back().size() + item.size() + 3 > room) wrapped.push_back(item);
            else wrapped.back() += " > " + item;
        }
        const std::size_t first = wrapped.size() > kTrailLines ? wrapped.size() - kTrailLines : 0;
        for (std::size_t k = first; k < wrapped.size(); ++k)
            out.push_back(std::string(static_cast<std::size_t>(kLabelWidth), ' ') + wrapped[k]);
    }

    out.push_back(std::string("spectrum  ") + "0 Hz" +
                  std::string(width - static_cast<std::size_t>(kLabelWidth) - 12, ' ') + "4000 Hz");
    for (std::size_t k = 0; k < kStripRows; ++k) {
        const std::size_t missing = kStripRows - strip_.size();
        std::string line(static_cast<std::size_t>(kLabelWidth), ' ');
        if (k == kStripRows - 1) line.replace(0, 3, "now");
        if (k >= missing) line += strip_row(strip_[k - missing]);
        out.push_back(line);
    }

    auto labelled = [&](std::string_view label, const std::string& value) {
        std::string l(label);
        l.resize(static_cast<std::size_t>(kLabelWidth + 2), ' ');
        out.push_back(l + value);
    };
    if (menus_.empty()) labelled("V.8 menus", "-");
    for (const auto& [k, v] : menus_) labelled("V.8 menus", k + ": " + v);
    labelled("agreed", negotiated_.empty() ? "-" : bold(negotiated_));
    for (std::size_t i = 0; i < 2; ++i) {
        const Row& r = row(sides[i]);
        // The newest characters that fit, on one line.
        const std::size_t room = width - static_cast<std::size_t>(kLabelWidth) - 4;
        std::string t = r.text.size() > room ? "..." + r.text.substr(r.text.size() - room + 3) : r.text;
        labelled(std::string(to_string(sides[i])) + " >", t.empty() ? "-" : tint(t, colours[i]));
    }
    for (const auto& n : notes_) out.push_back(n);
    if (cfg_.narrate) out.push_back(narration_.empty() ? "" : tint(narration_, 229));
    for (const auto& r : results_) out.push_back(bold(r));
    for (auto& l : out) l = clip(l, width);
    return out;
}

void LiveView::render(SampleTime now) {
    std::ostream& os = *cfg_.os;
    if (!cfg_.ansi) {
        // Plain lines, then the characters that arrived since the last render, per side.
        for (const auto& l : pending_) os << l << '\n';
        pending_.clear();
        os << std::flush;
        return;
    }
    const auto lines = frame(now);
    std::string buf;
    if (drawn_lines_ > 0) buf += "\x1b[" + std::to_string(drawn_lines_) + "F";  // to the first line drawn
    else buf += "\x1b[?25l";                                                     // hide the cursor
    for (const auto& l : lines) buf += l + "\x1b[K\n";
    // A frame shorter than the last one: clear what is left below.
    if (static_cast<int>(lines.size()) < drawn_lines_) buf += "\x1b[J";
    drawn_lines_ = static_cast<int>(lines.size());
    os << buf << std::flush;
}

void LiveView::finish(SampleTime now) {
    render(now);
    if (cfg_.ansi) *cfg_.os << "\x1b[?25h" << std::flush;  // cursor back
    finished_ = true;
}

// ---- event mapping ---------------------------------------------------------------------------

void view_session_event(LiveView& view, Side side, const modem::Event& e) {
    using modem::EventKind;
    const std::string_view src = e.source, name = e.name;
    const bool v8 = src.starts_with("v8."), pump = src.starts_with("v22bis.");
    switch (e.kind) {
    case EventKind::ToneSent:
        if (name == "dial") view.phase(side, e.at, "dial tone", "dial_tone");
        else if (name == "DTMF") view.phase(side, e.at, "dialling (DTMF)", "dtmf");
        else if (name == "ringback") view.phase(side, e.at, "ringback", "ringback");
        else if (name == "busy") view.phase(side, e.at, "busy", "busy");
        else if (name.starts_with("ANSam")) view.phase(side, e.at, std::string(name), "ansam");
        else if (name.starts_with("ANS")) view.phase(side, e.at, std::string(name), "ans");
        return;
    case EventKind::StateEntered:
        if (v8) {
            if (name == "SendCi") view.phase(side, e.at, "CI", "ci");
            else if (name == "SendCm") view.phase(side, e.at, "CM", "cm");
            else if (name == "SendJm") view.phase(side, e.at, "JM", "jm");
            else if (name == "SendCj") view.phase(side, e.at, "CJ", "cj");
            else if (name == "SilenceAfterCj") view.phase(side, e.at, "silence", "silence");
        } else if (pump) {
            if (name == "SendUsb1") view.phase(side, e.at, "unscrambled ones", "usb1");
            else if (name == "Silence456") view.phase(side, e.at, "silence", "silence");
            else if (name == "SendS1" || name == "SendS1Reply" || name == "RetrainSendS1")
                view.phase(side, e.at, "S1", "s1");
            else if (name == "Train1200" || name == "FallbackSb1200")
                view.phase(side, e.at, "scrambled ones 1200", "sb1_1200");
            else if (name == "SendSb2400") view.phase(side, e.at, "scrambled ones 2400", "sb1_2400");
        } else if (name == "wait_dial_tone") {
            view.phase(side, e.at, "off hook, listening for dial tone", "");
        } else if (name == "wait_answer") {
            view.phase(side, e.at, "listening for an answer", "");
        } else if (name == "hanging_up") {
            view.phase(side, e.at, "hanging up", "hangup");
        } else if (name == "ended") {
            view.phase(side, e.at, "on hook", "");
        }
        return;
    case EventKind::MessageSent:
        if (v8 && (name == "CM" || name == "JM")) view.menu(side, name, describe_menu(e.text.view()));
        return;
    case EventKind::Connected:
        if (src == "session") {
            view.phase(side, e.at, "CONNECT " + std::string(name), "data");
            view.negotiated(field_str(e, "modulation") + " " + field_str(e, "rate") + " bit/s via " +
                            field_str(e, "start_up") + ", " + std::string(e.text.view()) + ", protocol " +
                            field_str(e, "protocol"));
        } else if (pump && name != "" && !view.current(side).starts_with("CONNECT")) {
            // Data again after a retrain.
            view.phase(side, e.at, "CONNECT " + std::string(name), "data");
        }
        return;
    case EventKind::Info:
        if (name == "retrain") {
            view.phase(side, e.at, "retrain", "retrain");
            view.note(e.at, std::string(to_string(side)) + ": retrain (" + field_str(e, "initiated_by") + ": " +
                                field_str(e, "reason") + ")");
        } else if (name == "quality") {
            view.note(e.at, std::string(to_string(side)) + ": line quality SNR " + field_str(e, "snr_db") +
                                " dB, offset " + field_str(e, "freq_offset_hz") + " Hz, clock " +
                                field_str(e, "clock_ppm") + " ppm");
        }
        return;
    case EventKind::ToneHeard:
        if (name == "busy") view.note(e.at, std::string(to_string(side)) + ": busy tone heard");
        return;
    case EventKind::Failed:
        if (src == "session") view.note(e.at, std::string(to_string(side)) + ": " + std::string(name) + " (" +
                                                  std::string(e.detail) + ")");
        return;
    case EventKind::MessageReceived:
    case EventKind::CarrierOn:
    case EventKind::CarrierOff:
        return;
    }
}

void view_decoded_event(LiveView& view, const modem::decode::Event& e) {
    using modem::decode::Direction;
    using modem::decode::Kind;
    const Side side = e.direction == Direction::Caller     ? Side::Caller
                      : e.direction == Direction::Answerer ? Side::Answerer
                                                           : Side::Line;
    auto text_field = [&](std::string_view k) -> std::string {
        const auto* v = e.field(k);
        if (v == nullptr) return {};
        if (const auto* s = std::get_if<std::string>(v)) return *s;
        if (const auto* i = std::get_if<std::int64_t>(v)) return std::to_string(*i);
        if (const auto* d = std::get_if<double>(v)) return fmt("%.0f", *d);
        if (const auto* l = std::get_if<std::vector<std::string>>(v)) {
            std::string out;
            for (const auto& x : *l) out += (out.empty() ? "" : ",") + x;
            return out;
        }
        return {};
    };
    switch (e.kind) {
    case Kind::DialTone: view.phase(side, e.start, "dial tone", "dial_tone"); return;
    case Kind::Dtmf: view.phase(side, e.start, "DTMF " + text_field("digit"), "dtmf"); return;
    case Kind::Ringback: view.phase(side, e.start, "ringback", "ringback"); return;
    case Kind::Busy: view.phase(side, e.start, "busy", "busy"); return;
    case Kind::Cng: view.phase(side, e.start, "CNG (fax calling)", ""); return;
    case Kind::Ct: view.phase(side, e.start, "CT (calling tone)", ""); return;
    case Kind::Ans: view.phase(side, e.start, "ANS", "ans"); return;
    case Kind::AnsReversals: view.phase(side, e.start, "ANS/", "ans"); return;
    case Kind::Ansam: view.phase(side, e.start, "ANSam", "ansam"); return;
    case Kind::AnsamReversals: view.phase(side, e.start, "ANSam/", "ansam"); return;
    case Kind::Ci: view.phase(side, e.start, "CI", "ci"); return;
    case Kind::Cm:
    case Kind::Jm: {
        const std::string m = e.kind == Kind::Cm ? "CM" : "JM";
        view.phase(side, e.start, m, e.kind == Kind::Cm ? "cm" : "jm");
        view.menu(side, m, text_field("call_function") + "; " + text_field("modulations"));
        return;
    }
    case Kind::Cj: view.phase(side, e.start, "CJ", "cj"); return;
    case Kind::V22bisUsb1: view.phase(side, e.start, "unscrambled ones", "usb1"); return;
    case Kind::V22bisS1: view.phase(side, e.start, "S1", "s1"); return;
    case Kind::V22bisSb1_1200: view.phase(side, e.start, "scrambled ones 1200", "sb1_1200"); return;
    case Kind::V22bisSb1_2400: view.phase(side, e.start, "scrambled ones 2400", "sb1_2400"); return;
    case Kind::Data:
        view.phase(side, e.start, "data " + text_field("rate") + " bit/s", "data");
        view.negotiated(text_field("rate") + " bit/s, " + text_field("format"));
        return;
    case Kind::Unknown: view.note(e.start, "unexplained: " + e.summary); return;
    case Kind::V21Ch1:
    case Kind::V21Ch2:
    case Kind::V92Qc:
    case Kind::HdlcFlags: return;  // the messages they carry are shown instead
    default:
        // Kinds the view has no phase for (the decoder's list grows): their summary as a note.
        view.note(e.start, std::string(to_string(e.direction)) + ": " + e.summary);
        return;
    }
}

}  // namespace squeal::cli
