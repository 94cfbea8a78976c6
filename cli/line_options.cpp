// SPDX-License-Identifier: MIT
/// \file
/// The audio options shared by every command that moves audio, and opening the line they name.
#include "cli/commands.hpp"

namespace squeal::cli {

void add_line_options(CLI::App& cmd, LineArgs& args, bool with_in, bool with_out) {
    cmd.add_option("--audio", args.audio,
                   "sound device by PortAudio name (see `squeal devices`), or `pipe` for raw s16le 8 kHz "
                   "mono on stdin/stdout");
    if (with_in) cmd.add_option("--in", args.in, "input sound file (any format and rate libsndfile reads)");
    if (with_out) {
        cmd.add_option("--out", args.out, "output sound file (16-bit; format from the extension: wav, flac, ogg, raw)");
        cmd.add_option("--out-rate", args.out_rate_hz, "sample rate of the output file in Hz")
            ->capture_default_str()
            ->check(CLI::Range(4000, 192000));
    }
    cmd.add_option("--channel", args.channel, "channel of a multi-channel input file: left, right or mix")
        ->capture_default_str();
    cmd.add_option("--latency", args.latency_s, "sound card latency in seconds (0.02-0.1 work well)")
        ->capture_default_str()
        ->check(CLI::Range(0.001, 2.0));
}

std::unique_ptr<modem::audio::AudioLine> open_line(const LineArgs& args) {
    modem::audio::LineOptions opts;
    opts.channel = modem::audio::parse_channel_pick(args.channel);
    opts.latency_s = args.latency_s;
    opts.out_rate_hz = args.out_rate_hz;
    if (args.audio.empty()) {
        opts.backend = "file";
        opts.in_path = args.in;
        opts.out_path = args.out;
    } else {
        if (!args.in.empty() || !args.out.empty())
            throw std::runtime_error("--audio " + args.audio + " cannot be combined with --in/--out files");
        opts.backend = args.audio;
    }
    return modem::audio::open_line(opts);
}

}  // namespace squeal::cli
