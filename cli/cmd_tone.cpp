// SPDX-License-Identifier: MIT
/// \file
/// `squeal tone NAME [DIGITS]`: generates a call-progress, calling or answer tone, or DTMF digits,
/// into a file, a sound device or the pipe.
#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>

#include "cli/commands.hpp"
#include "dsp/kernels/kernels.hpp"
#include "dsp/types.hpp"
#include "modem/tones/tone_gen.hpp"

namespace squeal::cli {
namespace {

/// Project choice: when an endless tone (dial, busy, CNG...) is asked for without --seconds.
constexpr double kDefaultEndlessSeconds = 5.0;
/// Project choice: 20 ms blocks, the usual telephony frame.
constexpr std::size_t kBlock = 160;

struct ToneArgs {
    std::string name;
    std::string digits;
    double seconds = 0.0;
    double gain_db = 0.0;
    LineArgs line;
};

int run_tone(const ToneArgs& a) {
    namespace tones = modem::tones;
    if (a.name == "dtmf" && a.digits.empty()) throw std::runtime_error("tone dtmf: give the digits, e.g. `squeal tone dtmf 5551234`");
    if (a.name != "dtmf" && !a.digits.empty()) throw std::runtime_error("tone " + a.name + ": unexpected argument '" + a.digits + "'");
    tones::ToneSequence seq(tones::tone_by_name(a.name, a.digits));

    modem::dsp::SampleTime total = seq.total_samples();
    if (a.seconds > 0.0) total = static_cast<modem::dsp::SampleTime>(std::llround(a.seconds * modem::dsp::kFsHz));
    else if (total == tones::kForever)
        total = static_cast<modem::dsp::SampleTime>(kDefaultEndlessSeconds * modem::dsp::kFsHz);

    LineArgs line = a.line;
    if (line.audio.empty() && line.out.empty())
        throw std::runtime_error("tone: say where the sound goes: --out FILE, --audio DEVICE or --audio pipe");
    auto out = open_line(line);

    const float gain = static_cast<float>(modem::dsp::db_to_amplitude(a.gain_db));
    std::array<float, kBlock> f{};
    std::array<std::int16_t, kBlock> s{};
    std::array<std::int16_t, kBlock> heard{};
    for (modem::dsp::SampleTime done = 0; done < total && !g_stop.load() && !out->ended();) {
        const auto n = static_cast<std::size_t>(std::min<modem::dsp::SampleTime>(kBlock, total - done));
        seq.generate(std::span(f.data(), n));
        for (std::size_t i = 0; i < n; ++i) f[i] *= gain;
        modem::dsp::kernels::f32_to_s16(std::span<const float>(f.data(), n), std::span(s.data(), n));
        // Full duplex: what arrives meanwhile is read and dropped, so a sound card's input ring
        // never overflows and a pipe peer stays in lockstep.
        out->read(std::span(heard.data(), n));
        out->write(std::span<const std::int16_t>(s.data(), n));
        done += static_cast<modem::dsp::SampleTime>(n);
    }
    out->close();
    const auto st = out->stats();
    if (!line.audio.empty() && line.audio != "pipe")
        std::cerr << "squeal: played " << a.name << " on " << out->describe() << ", " << st.xruns << " xruns\n";
    return 0;
}

}  // namespace

void add_tone(CLI::App& app, Action& action) {
    auto args = std::make_shared<ToneArgs>();
    auto* cmd = app.add_subcommand("tone", "generate a tone: ans, ans-reversals, ansam, ansam-reversals, cng, ct, "
                                           "dial, busy, ringback, or dtmf DIGITS");
    cmd->add_option("name", args->name, "which tone")->required();
    cmd->add_option("digits", args->digits, "DTMF digits (0-9 * # A-D), for `dtmf`");
    cmd->add_option("--seconds", args->seconds, "length in seconds (default: the tone's own length; 5 s for endless tones)")
        ->check(CLI::Range(0.001, 86400.0));
    cmd->add_option("--gain", args->gain_db, "gain in dB applied to the standard level")->check(CLI::Range(-60.0, 20.0));
    add_line_options(*cmd, args->line, false, true);
    cmd->callback([&action, args] { action = [args] { return run_tone(*args); }; });
}

}  // namespace squeal::cli
