// SPDX-License-Identifier: MIT
/// \file
/// Shared by `squeal demo` and `squeal play` (cmd_demo.cpp, cmd_play.cpp, demo_cables.cpp): the
/// demo over the virtual sound cables and the registration of `play`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "cli/commands.hpp"
#include "cli/live_view.hpp"

namespace squeal::cli {

/// Where the line audio of a demo or a playback goes: the sound device (whose clock then paces
/// the caller's loop), a file, both or neither. On a machine without a sound device the
/// constructor says so in one line on stderr and writes the file alone, or, without a file,
/// throws one line with a hint (`hint`: what to give instead).
class LineOutput {
public:
    LineOutput(const std::string& out, bool play, const std::string& device, double latency_s,
               const std::string& hint = "give --out demo.wav to write the call to a file instead");
    [[nodiscard]] bool playing() const { return device_ != nullptr; }
    /// Sends one block (at most 4096 samples); with a device, waits until it takes it (real time).
    void write(std::span<const std::int16_t> block);
    void close();

private:
    std::unique_ptr<modem::audio::AudioLine> device_;
    std::unique_ptr<modem::audio::SoundFileWriter> file_;
};

/// Keeps a loop at real time when nothing else does (no device, but someone is watching).
class Pacer {
public:
    explicit Pacer(bool on) : on_(on), start_(std::chrono::steady_clock::now()) {}
    /// Sleeps until sample time `t` of the run (no-op when off).
    void wait_until(modem::dsp::SampleTime t) const;

private:
    bool on_;
    std::chrono::steady_clock::time_point start_;
};

/// Terminal columns of stdout (80 when unknown).
int terminal_width();

/// `squeal play FILE`; registered by add_demo().
void add_play(CLI::App& app, Action& action);

/// The running squeal executable (/proc/self/exe), to start the two ends of a cable demo.
std::string self_path();

struct CablesDemo {
    std::string squeal;   ///< the executable to run for each end
    std::string number;   ///< dialled by the caller, waited for by the answerer
    std::string prefix;   ///< device name prefix of the cables (SQUEAL_VA_PREFIX), usually ""
    double timeout_s = 60.0;
};

/// The v8 demo as two processes: `squeal answer` on modem_b and `squeal call` on modem_a, each
/// sending a text; this process taps both cables (the loops line_a, line_b) for the line audio
/// (to `output`) and the spectrum, and follows the two ends' progress lines and --recv files for the
/// view. Returns the demo exit code (0 both connected and both texts arrived byte-exact, 4 an
/// end did not connect, 5 a text differs). Throws one line when the cables are not there.
int run_over_cables(const CablesDemo& cfg, LiveView& view, LineOutput& output);

}  // namespace squeal::cli
