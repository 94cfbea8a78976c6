// SPDX-License-Identifier: MIT
/// \file
/// `squeal play FILE`: decodes a recorded call first (fast), then plays it while the live view
/// shows what each sound is as its start time passes: a person hears a squeal and reads its name.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>
#include <variant>

#include "cli/demo.hpp"
#include "dsp/fft.hpp"
#include "dsp/kernels/kernels.hpp"
#include "modem/decode/decoder.hpp"

namespace squeal::cli {

namespace {

namespace decode = modem::decode;
using modem::dsp::samples_to_seconds;

constexpr std::size_t kBlock = 160;  // project choice: 20 ms
constexpr int kRenderEvery = 3;      // project choice: 60 ms, as the demo

struct PlayArgs {
    std::string file;
    std::string out;
    bool no_play = false;
    bool fast = false;
    bool narrate = false;
    bool plain = false;
    std::string device = "default";
    double latency_s = 0.1;
    std::string channel = "mix";
};

/// The decoded text of a data event ("" when none), with the decoder's escapes undone for the
/// common line breaks (the view shows them as spaces).
std::string data_text(const decode::Event& e) {
    const auto* v = e.field("text");
    const auto* s = v != nullptr ? std::get_if<std::string>(v) : nullptr;
    if (s == nullptr) return {};
    std::string out;
    for (std::size_t i = 0; i < s->size(); ++i) {
        if ((*s)[i] == '\\' && i + 1 < s->size()) {
            const char n = (*s)[++i];
            if (n == 'x') i += 2;  // \xHH: a byte the view would not show anyway
            else out += n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : n;
            continue;
        }
        out += (*s)[i];
    }
    return out;
}

int run_play(const PlayArgs& a) {
    const auto pick = modem::audio::parse_channel_pick(a.channel);
    // 1. Decode the whole file first (much faster than real time).
    std::vector<decode::Event> events;
    SampleTime total = 0;
    {
        modem::audio::SoundFileReader reader(a.file, {.channel = pick});
        decode::Decoder decoder;
        std::array<float, 8192> buf{};
        for (std::size_t n; (n = reader.read(buf)) > 0 && !g_stop.load();) decoder.process(std::span(buf.data(), n));
        decoder.finish();
        events = decoder.events();
        total = decoder.now();
    }
    // 2. Play it, showing each event as its start passes.
    const bool tty = isatty(STDOUT_FILENO) != 0;
    LineOutput output(a.out, !a.no_play && !a.fast, a.device, a.latency_s,
                      "give --no-play to only show the timeline, or --out FILE");
    const Pacer pacer(!output.playing() && !a.fast && !a.no_play && tty);
    const char* no_colour = std::getenv("NO_COLOR");
    LiveView view({.title = "squeal play: " + a.file + " (" + std::to_string(events.size()) + " events, " +
                            std::to_string(samples_to_seconds(total)).substr(0, 5) + " s)",
                   .ansi = tty && !a.plain,
                   .colour = no_colour == nullptr || *no_colour == '\0',
                   .narrate = a.narrate,
                   .line_row = true,
                   .width = tty ? terminal_width() : 100,
                   .os = &std::cout});

    modem::audio::SoundFileReader reader(a.file, {.channel = pick});
    modem::dsp::Spectrogram spec({.n = 256, .hop = 128});
    std::array<float, kBlock> f{};
    std::array<std::int16_t, kBlock> s{};
    std::size_t next = 0;                   // first event not yet shown
    std::vector<std::size_t> shown_chars(events.size(), 0);
    SampleTime now = 0;
    for (int block = 0; !g_stop.load(); ++block) {
        const std::size_t n = reader.read(std::span(f.data(), kBlock));
        if (n == 0) break;
        spec.process(std::span<const float>(f.data(), n),
                     [&](const modem::dsp::SpectrogramColumn& col) { view.spectrum(col.db); });
        modem::dsp::kernels::f32_to_s16(std::span<const float>(f.data(), n), std::span(s.data(), n));
        output.write(std::span<const std::int16_t>(s.data(), n));
        now += static_cast<SampleTime>(n);
        for (; next < events.size() && events[next].start <= now; ++next) view_decoded_event(view, events[next]);
        // Data: the characters appear in proportion to the time elapsed in their segment.
        for (std::size_t i = 0; i < next; ++i) {
            const auto& e = events[i];
            if (e.kind != decode::Kind::Data || shown_chars[i] == SIZE_MAX) continue;
            const std::string t = data_text(e);
            const double frac = e.end > e.start ? static_cast<double>(now - e.start) / static_cast<double>(e.end - e.start) : 1.0;
            const auto upto = std::min(t.size(), static_cast<std::size_t>(std::clamp(frac, 0.0, 1.0) * static_cast<double>(t.size())));
            if (upto > shown_chars[i]) {
                view.text(e.direction == decode::Direction::Answerer ? Side::Answerer : Side::Caller,
                          std::string_view(t).substr(shown_chars[i], upto - shown_chars[i]));
                shown_chars[i] = upto;
            }
            if (upto == t.size()) shown_chars[i] = SIZE_MAX;
        }
        if (block % kRenderEvery == 0) view.render(now);
        pacer.wait_until(now);
        if (n < kBlock) break;
    }
    for (; next < events.size(); ++next) view_decoded_event(view, events[next]);
    view.result("played " + std::to_string(samples_to_seconds(now)).substr(0, 5) + " s, " +
                std::to_string(events.size()) + " events" + (output.playing() ? "" : " (shown, not played)"));
    view.finish(now);
    output.close();
    return 0;
}

}  // namespace

void add_play(CLI::App& app, Action& action) {
    auto args = std::make_shared<PlayArgs>();
    auto* cmd = app.add_subcommand("play",
                                   "play a recorded call while its decoded timeline is shown live: what each "
                                   "sound is, as you hear it");
    cmd->add_option("file", args->file, "recording (any format and rate libsndfile reads)")->required();
    cmd->add_option("--out", args->out, "also write what is played (8 kHz 16-bit) to this file");
    cmd->add_flag("--no-play", args->no_play, "do not open the sound device: only show the timeline (fast)");
    cmd->add_flag("--fast", args->fast, "as fast as the CPU allows (implies --no-play)");
    cmd->add_flag("--narrate", args->narrate, "one plain sentence per phase: what the sound is and why it exists");
    cmd->add_flag("--plain", args->plain, "plain lines even on a terminal");
    cmd->add_option("--device", args->device, "sound device to play on (PortAudio name)")->capture_default_str();
    cmd->add_option("--latency", args->latency_s, "sound device latency in seconds")
        ->capture_default_str()
        ->check(CLI::Range(0.001, 2.0));
    cmd->add_option("--channel", args->channel, "channel of a multi-channel file: left, right or mix")
        ->capture_default_str();
    cmd->footer("Exit status: 0 played (or shown), 1 error (unreadable file; no sound device without --no-play or "
                "--out), 2 usage.");
    cmd->callback([&action, args] { action = [args] { return run_play(*args); }; });
}

}  // namespace squeal::cli
