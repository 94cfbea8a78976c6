// SPDX-License-Identifier: MIT
/// \file
/// The subcommands of `squeal`: each registers its options and returns the action to run after
/// parsing, so every error (parse or run time) is reported in one place as one line.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "audio/audio_io.hpp"

namespace squeal::cli {

/// The action of the chosen subcommand; returns the process exit code.
using Action = std::function<int()>;

/// Set by SIGINT/SIGTERM: long-running commands stop at the next block and finish cleanly.
extern std::atomic<bool> g_stop;

/// Options shared by every command that moves audio: --audio NAME|pipe, --in FILE, --out FILE,
/// --channel, --latency.
struct LineArgs {
    std::string audio;          ///< "" = files, "pipe", or a PortAudio device name
    std::string in;             ///< input file (files backend)
    std::string out;            ///< output file (files backend)
    std::string channel = "mix";
    int out_rate_hz = 8000;     ///< output file sample rate
    double latency_s = 0.05;
};
void add_line_options(CLI::App& cmd, LineArgs& args, bool with_in, bool with_out);
std::unique_ptr<modem::audio::AudioLine> open_line(const LineArgs& args);

void add_tone(CLI::App& app, Action& action);
void add_listen(CLI::App& app, Action& action);
void add_decode(CLI::App& app, Action& action);
void add_devices(CLI::App& app, Action& action);
void add_bench(CLI::App& app, Action& action);
void add_v8(CLI::App& app, Action& action);  // call, answer, loopback
void add_pty(CLI::App& app, Action& action);
void add_demo(CLI::App& app, Action& action);  // demo, play

}  // namespace squeal::cli
