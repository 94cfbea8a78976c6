// SPDX-License-Identifier: MIT
/// \file
/// `squeal decode FILE`: the timeline of a recorded modem call (tones, V.8 messages, V.22bis
/// segments and data, LAPM and T.30 frames, signatures, unknown energy) as a table or JSON,
/// optionally drawn over a spectrogram in a PNG, with a progress bar on a terminal for long files.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "modem/decode/decoder.hpp"
#include "modem/decode/picture.hpp"
#include "modem/decode/report.hpp"

namespace squeal::cli {
namespace {

namespace decode = modem::decode;

struct DecodeArgs {
    std::string file;
    bool json = false;
    std::string png;
    std::string channel = "mix";
};

/// "[#####.....]  42 %" on stderr, redrawn in place.
class Progress {
public:
    Progress(bool enabled, std::int64_t total) : enabled_(enabled && total > 0), total_(total) {}
    void update(std::int64_t done) {
        if (!enabled_) return;
        const int pct = static_cast<int>(100 * std::min(done, total_) / total_);
        if (pct == last_) return;
        last_ = pct;
        constexpr int kWidth = 40;
        std::string bar(kWidth, '.');
        for (int i = 0; i < pct * kWidth / 100; ++i) bar[static_cast<std::size_t>(i)] = '#';
        std::fprintf(stderr, "\rdecoding [%s] %3d %%", bar.c_str(), pct);
        std::fflush(stderr);
    }
    void done() {
        if (enabled_ && last_ >= 0) std::fprintf(stderr, "\r%60s\r", "");
    }

private:
    bool enabled_;
    std::int64_t total_;
    int last_ = -1;
};

/// Exit code after SIGINT/SIGTERM stopped the decode early (128 + SIGINT, as shells report it).
constexpr int kExitInterrupted = 130;

int run_decode(const DecodeArgs& a) {
    modem::audio::SoundFileReader reader(a.file, {.channel = modem::audio::parse_channel_pick(a.channel)});
    std::unique_ptr<decode::Picture> picture;
    decode::Decoder::Config cfg;
    if (!a.png.empty()) {
        picture = std::make_unique<decode::Picture>();
        cfg.on_column = [p = picture.get()](modem::dsp::SampleTime end, std::span<const float> db) { p->add_column(end, db); };
    }
    decode::Decoder decoder(std::move(cfg));
    // Only for long files (a short one is done before a bar would be read) and only on a terminal.
    constexpr std::int64_t kProgressMinFrames = 60 * 8000;  // one minute of audio; project choice
    Progress progress(isatty(STDERR_FILENO) != 0 && reader.frames_8k() >= kProgressMinFrames, reader.frames_8k());
    std::array<float, 8192> buf{};
    for (std::size_t n; (n = reader.read(buf)) > 0 && !g_stop.load();) {
        decoder.process(std::span<const float>(buf.data(), n));
        progress.update(decoder.now());
    }
    decoder.finish();
    progress.done();
    const double duration_s = modem::dsp::samples_to_seconds(decoder.now());
    if (picture) picture->write_png(a.png, decoder.events(), decoder.now());
    if (a.json) {
        std::cout << decode::to_json(a.file, duration_s, decoder.events()).dump() << '\n';
    } else {
        std::cout << decode::table_header() << '\n';
        for (const auto& e : decoder.events()) std::cout << decode::table_row(e) << '\n';
        std::cout << decoder.events().size() << " events in " << duration_s << " s\n";
    }
    // Interrupted (Ctrl-C, SIGTERM): what was decoded is printed, but never passed off as the whole file.
    if (g_stop.load()) {
        std::cerr << "squeal: decode: interrupted after " << duration_s << " s; the timeline covers only that part\n";
        return kExitInterrupted;
    }
    return 0;
}

}  // namespace

void add_decode(CLI::App& app, Action& action) {
    auto args = std::make_shared<DecodeArgs>();
    auto* cmd = app.add_subcommand("decode", "explain a recorded modem call: call progress and answer tones, V.8 messages, V.22/V.22bis training and data (async or V.42 LAPM), fax T.30 frames, V.32/V.34/V.8bis signatures, the rest");
    cmd->add_option("file", args->file, "recording (any format and rate libsndfile reads)")->required();
    cmd->add_flag("--json", args->json, "print one JSON object instead of a table");
    cmd->add_option("--png", args->png, "also draw the spectrogram with the timeline into this PNG file");
    cmd->add_option("--channel", args->channel, "channel of a multi-channel file: left, right or mix");
    cmd->footer("Exit codes: 0 done; 1 error: unreadable, damaged (truncated, NaN samples) or non-audio input, an absurd "
                "sample rate, an unknown or lost device (one line on stderr, nothing on stdout); 2 bad usage; "
                "130 interrupted by SIGINT/SIGTERM (what was read is printed and stderr says it is only part).");
    cmd->callback([&action, args] { action = [args] { return run_decode(*args); }; });
}

}  // namespace squeal::cli
