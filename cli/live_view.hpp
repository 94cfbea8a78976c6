// SPDX-License-Identifier: MIT
/// \file
/// The live view of `squeal demo` and `squeal play`: the phase of each side with its elapsed
/// time, a scrolling 0-4 kHz spectrum strip, the V.8 menus, the negotiated parameters and the
/// text each side sends, redrawn in place on a terminal (ANSI) or printed as plain lines.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dsp/types.hpp"
#include "modem/decode/events.hpp"
#include "modem/events.hpp"

namespace squeal::cli {

using modem::dsp::SampleTime;

/// Whose sound a phase is: the two modems, or the network (dial tone, ringback, busy) when a
/// recording cannot tell.
enum class Side : std::uint8_t { Caller, Answerer, Line };
std::string_view to_string(Side s) noexcept;

/// One plain sentence saying what the sound of a phase is and why it exists (`--narrate`), by
/// phase key ("dial_tone", "dtmf", "ringback", "busy", "ans", "ansam", "cm", "jm", "cj", "usb1",
/// "s1", "sb1_1200", "sb1_2400", "data", "retrain", "silence"); empty for an unknown key.
std::string_view narration(std::string_view key) noexcept;

/// A CM or JM body ("c1 05 12", lower-case hex) decoded for people: "V-series; V.22bis".
/// Undecodable octets are returned as they came.
std::string describe_menu(std::string_view octets_hex);

class LiveView {
public:
    struct Config {
        std::string title;           ///< first line, e.g. "squeal demo: scenario v8"
        bool ansi = false;           ///< redraw in place (a terminal); else plain lines
        bool colour = true;          ///< ANSI only: colours in the spectrum and the labels
        bool narrate = false;        ///< one sentence per phase
        bool line_row = false;       ///< show a third row for network tones (recordings)
        int width = 80;              ///< terminal columns (ANSI)
        std::ostream* os = nullptr;  ///< where to draw (required)
    };
    explicit LiveView(Config cfg);
    /// Shows the cursor again if the view hid it and finish() was not reached (an error).
    ~LiveView();
    LiveView(const LiveView&) = delete;
    LiveView& operator=(const LiveView&) = delete;

    /// `side` starts a new phase at `at`: `label` is shown ("ANSam", "CM", "CONNECT 2400"),
    /// `key` picks the narration (told once per key). A phase equal to the current one is ignored,
    /// except DTMF digits (each is a new sound).
    void phase(Side side, SampleTime at, std::string label, std::string_view key);
    /// The decoded V.8 menu a side sent (CM from the caller, JM from the answerer).
    void menu(Side side, std::string_view message, std::string text);
    /// What the two ends agreed ("V.22bis 2400 bit/s via V.8, 8N1, protocol none").
    void negotiated(std::string text);
    /// Something worth a line (retrain, line quality, result), at `at`.
    void note(SampleTime at, std::string text);
    /// Characters `from` sent that have arrived (shown escaped; lines wrap in the view).
    void text(Side from, std::string_view bytes);
    /// One spectrum column: power in dB per bin, evenly spaced 0..4000 Hz (any count >= 2).
    void spectrum(std::span<const float> db);
    /// The final line(s): the result of the call.
    void result(std::string text);

    /// Draws what changed. ANSI: the whole view again in place; plain: the new lines only.
    void render(SampleTime now);
    /// Last render; leaves the cursor below the view.
    void finish(SampleTime now);

    /// Label of a side's current phase ("" before any).
    [[nodiscard]] std::string current(Side side) const;

private:
    struct Step {
        SampleTime at;
        std::string label;
    };
    struct Row {
        std::vector<Step> steps;
        std::string text;  // escaped characters sent by this side
        std::string line;  // plain mode: the line of text not yet printed
    };
    void plain(std::string line);
    [[nodiscard]] std::vector<std::string> frame(SampleTime now) const;
    [[nodiscard]] std::string strip_row(const std::vector<float>& row) const;
    Row& row(Side s) { return rows_[static_cast<std::size_t>(s)]; }
    [[nodiscard]] const Row& row(Side s) const { return rows_[static_cast<std::size_t>(s)]; }

    Config cfg_;
    Row rows_[3];
    std::map<std::string, std::string> menus_;  // "CM (caller)" -> text
    std::string negotiated_;
    std::deque<std::string> notes_;
    std::string narration_;
    std::set<std::string> narrated_;  // narration keys already told
    std::vector<std::string> results_;
    // spectrum strip: columns averaged into rows of kBands values
    std::vector<float> acc_;
    int acc_n_ = 0;
    std::deque<std::vector<float>> strip_;
    // drawing
    int drawn_lines_ = 0;
    bool finished_ = false;
    std::vector<std::string> pending_;  // plain mode: lines not yet printed
};

/// Feeds the view from a session's protocol event (squeal demo): phases of what each side
/// sends, heard menus, CONNECT, retrains and quality reports. `side` is who emitted it.
void view_session_event(LiveView& view, Side side, const modem::Event& e);

/// Feeds the view from a decoded recording event whose start time has come (squeal play).
void view_decoded_event(LiveView& view, const modem::decode::Event& e);

}  // namespace squeal::cli
