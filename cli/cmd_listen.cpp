// SPDX-License-Identifier: MIT
/// \file
/// `squeal listen [FILE]`: prints every tone and DTMF digit heard in a file or on a live line,
/// with its start and end time, as a table or as JSON lines.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "dsp/kernels/kernels.hpp"
#include "modem/tones/listener.hpp"

namespace squeal::cli {
namespace {

namespace tones = modem::tones;
using modem::dsp::samples_to_seconds;

constexpr std::size_t kBlock = 160;  // project choice: 20 ms
/// Exit code after SIGINT/SIGTERM stopped reading a file early (128 + SIGINT, as shells report it).
constexpr int kExitInterrupted = 130;

struct ListenArgs {
    std::string file;
    double seconds = 0.0;
    bool json = false;
    std::string record;
    LineArgs line;
};

/// Stable, lower-case names for JSON (the same names the decoder uses).
std::string_view json_kind(tones::ToneKind k) {
    switch (k) {
    case tones::ToneKind::Ans: return "ans";
    case tones::ToneKind::AnsPr: return "ans_reversals";
    case tones::ToneKind::Ansam: return "ansam";
    case tones::ToneKind::AnsamPr: return "ansam_reversals";
    case tones::ToneKind::Cng: return "cng";
    case tones::ToneKind::Ct: return "ct";
    case tones::ToneKind::Dial: return "dial_tone";
    case tones::ToneKind::Busy: return "busy";
    case tones::ToneKind::Ringback: return "ringback";
    case tones::ToneKind::Dtmf: return "dtmf";
    }
    return "unknown";
}

bool is_answer_tone(tones::ToneKind k) {
    return k == tones::ToneKind::Ans || k == tones::ToneKind::AnsPr || k == tones::ToneKind::Ansam ||
           k == tones::ToneKind::AnsamPr;
}

double round3(double x) { return std::round(x * 1000.0) / 1000.0; }

void print_json(std::ostream& os, const tones::ToneEvent& e) {
    nlohmann::ordered_json j;
    j["start"] = round3(samples_to_seconds(e.start));
    j["end"] = round3(samples_to_seconds(e.end));
    j["kind"] = json_kind(e.kind);
    j["level_dbm0"] = std::round(e.level_dbm0 * 10.0) / 10.0;
    if (e.kind == tones::ToneKind::Dtmf) {
        j["digit"] = std::string(1, e.digit);
        j["freq_hz"] = {std::round(e.freq_hz * 10.0) / 10.0, std::round(e.freq2_hz * 10.0) / 10.0};
    } else if (is_answer_tone(e.kind)) {
        j["freq_hz"] = std::round(e.freq_hz * 10.0) / 10.0;
        j["reversals"] = e.reversals;
        if (e.reversals >= 2) j["reversal_period_ms"] = std::round(e.reversal_period_ms * 10.0) / 10.0;
        j["am_depth"] = std::round(e.am_depth * 1000.0) / 1000.0;
    } else {
        j["cycles"] = e.cycles;
    }
    os << j.dump() << '\n' << std::flush;
}

void print_row(std::ostream& os, const tones::ToneEvent& e) {
    char head[64];
    std::snprintf(head, sizeof head, "%9.3f %9.3f  %-9s", samples_to_seconds(e.start), samples_to_seconds(e.end),
                  std::string(to_string(e.kind)).c_str());
    char detail[160] = "";
    if (e.kind == tones::ToneKind::Dtmf) {
        std::snprintf(detail, sizeof detail, "digit %c  (%.0f + %.0f Hz)", e.digit, e.freq_hz, e.freq2_hz);
    } else if (is_answer_tone(e.kind)) {
        const int n = std::snprintf(detail, sizeof detail, "%.1f Hz, AM depth %.0f %%", e.freq_hz, e.am_depth * 100.0);
        if (e.reversals > 0 && n > 0)
            std::snprintf(detail + n, sizeof detail - static_cast<std::size_t>(n), ", %d reversals every %.0f ms",
                          e.reversals, e.reversal_period_ms);
    } else {
        std::snprintf(detail, sizeof detail, "%d cycle%s", e.cycles, e.cycles == 1 ? "" : "s");
    }
    os << head << "  " << detail << "  " << std::lround(e.level_dbm0) << " dBm0\n" << std::flush;
}

int run_listen(const ListenArgs& a) {
    // With --audio pipe, stdout carries the audio: the report goes to stderr.
    std::ostream& os = a.line.audio == "pipe" ? std::cerr : std::cout;
    auto emit = [&](const tones::ToneEvent& e) { a.json ? print_json(os, e) : print_row(os, e); };
    // The table header is printed once the input has opened, so an error stays one line.
    auto header = [&] {
        if (!a.json) os << "    start       end  tone       detail\n";
    };

    if (!a.file.empty()) {
        if (!a.line.audio.empty()) throw std::runtime_error("listen: give a FILE or --audio, not both");
        if (!a.record.empty()) throw std::runtime_error("listen: --record is for live lines (--audio), not files");
        // A file is read whole into the listener; events are sorted by start before printing.
        modem::audio::SoundFileReader reader(a.file, {.channel = modem::audio::parse_channel_pick(a.line.channel)});
        tones::ToneListener listener;
        std::vector<tones::ToneEvent> events;
        auto keep = [&](const tones::ToneEvent& e) { events.push_back(e); };
        std::array<float, 4096> buf{};
        const auto limit = static_cast<std::uint64_t>(a.seconds * modem::dsp::kFsHz);
        std::uint64_t done = 0;
        for (std::size_t n; (n = reader.read(buf)) > 0 && !g_stop.load();) {
            if (limit > 0 && done + n > limit) n = static_cast<std::size_t>(limit - done);
            listener.process(std::span<const float>(buf.data(), n), keep);
            done += n;
            if (limit > 0 && done >= limit) break;
        }
        listener.finish(keep);
        std::stable_sort(events.begin(), events.end(),
                         [](const auto& x, const auto& y) { return x.start < y.start; });
        header();  // only once the whole file has been read: a read error leaves stdout empty
        for (const auto& e : events) emit(e);
        if (g_stop.load()) {  // never passed off as the whole file
            std::cerr << "squeal: listen: interrupted after " << samples_to_seconds(static_cast<std::int64_t>(done))
                      << " s; the events cover only that part\n";
            return kExitInterrupted;
        }
        return 0;
    }

    if (a.line.audio.empty()) throw std::runtime_error("listen: give a FILE, or --audio DEVICE / --audio pipe");
    auto line = open_line(a.line);
    std::unique_ptr<modem::audio::SoundFileWriter> recording;
    if (!a.record.empty()) recording = std::make_unique<modem::audio::SoundFileWriter>(a.record);
    header();
    tones::ToneListener listener;
    std::array<std::int16_t, kBlock> s{};
    std::array<float, kBlock> f{};
    const std::array<std::int16_t, kBlock> silence{};
    const auto limit = static_cast<std::uint64_t>(a.seconds * modem::dsp::kFsHz);
    for (std::uint64_t done = 0; (limit == 0 || done < limit) && !g_stop.load();) {
        const std::size_t n = line->read(s);
        if (n == 0) break;
        modem::dsp::kernels::s16_to_f32(std::span<const std::int16_t>(s.data(), n), std::span(f.data(), n));
        listener.process(std::span<const float>(f.data(), n), emit);
        if (recording) recording->write(std::span<const std::int16_t>(s.data(), n));
        line->write(std::span(silence.data(), n));
        done += n;
        if (n < kBlock) break;
    }
    listener.finish(emit);
    line->close();
    if (recording) recording->close();
    if (a.line.audio != "pipe")
        std::cerr << "squeal: listened on " << line->describe() << ", " << line->stats().xruns << " xruns\n";
    return 0;
}

}  // namespace

void add_listen(CLI::App& app, Action& action) {
    auto args = std::make_shared<ListenArgs>();
    auto* cmd = app.add_subcommand("listen", "print every tone and DTMF digit heard in a file or on a line");
    cmd->add_option("file", args->file, "sound file to analyse (any format and rate libsndfile reads)");
    cmd->add_option("--seconds", args->seconds, "stop after this many seconds (default: end of file, or Ctrl-C)")
        ->check(CLI::Range(0.0, 1e7));
    cmd->add_flag("--json", args->json, "one JSON object per line instead of a table");
    cmd->add_option("--record", args->record, "also write what the line carried to this sound file (8 kHz)");
    add_line_options(*cmd, args->line, false, false);
    cmd->footer("Exit codes: 0 done; 1 error: unreadable, damaged (truncated, NaN samples) or non-audio input, an absurd "
                "sample rate, an unknown or lost device (one line on stderr, nothing on stdout); 2 bad usage; "
                "130 interrupted by SIGINT/SIGTERM (what was read is printed and stderr says it is only part).");
    cmd->callback([&action, args] { action = [args] { return run_listen(*args); }; });
}

}  // namespace squeal::cli
