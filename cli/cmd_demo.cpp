// SPDX-License-Identifier: MIT
/// \file
/// `squeal demo`: two of our modems call each other (in-process simulated line, or two processes
/// over the virtual sound cables) while the line, both directions summed, plays in real time or
/// goes to a WAV file and the live view shows every phase of the V.8 / V.22bis handshake.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "audio/sim_line.hpp"
#include "cli/commands.hpp"
#include "cli/demo.hpp"
#include "cli/live_view.hpp"
#include "dsp/fft.hpp"
#include "dsp/kernels/kernels.hpp"
#include "dsp/noise.hpp"
#include "modem/session/session.hpp"
#include "modem/tones/tone_gen.hpp"

namespace squeal::cli {

namespace {

namespace ses = modem::session;
using modem::dsp::samples_to_seconds;

constexpr std::size_t kBlock = 160;  // project choice: 20 ms
/// Project choice: the view is redrawn every this many blocks (60 ms: smooth, cheap).
constexpr int kRenderEvery = 3;
/// Project choice: the line stays open this long after both ends are on hook, so a recording
/// holds the last signal's end.
constexpr double kLingerS = 0.3;
/// Project choice: no scenario needs more than this much line time; beyond it both hang up.
constexpr double kLimitS = 90.0;
/// Project choice: once the caller has hung up, the answerer gets this long to notice the
/// carrier going (it normally takes about a second) before it is hung up too.
constexpr double kAnswererGraceS = 5.0;
/// Project choice: the caller stops waiting for the rest of the far text after this much quiet.
constexpr double kQuietS = 1.0;

constexpr int kExitExpected = 0;
constexpr int kExitOtherEnd = 4;
constexpr int kExitTextDiffers = 5;

constexpr const char* kExitHelp =
    "Scenarios and their expected end: v8 (default: dial tone, DTMF, ringback, ANSam/, V.8 CM/JM/CJ, V.22bis "
    "training, CONNECT 2400, text both ways, hang-up), legacy (ANS, no V.8, then V.22bis: CONNECT 2400), fallback "
    "(the answerer is a V.22-only modem: CONNECT 1200), noisy (20 dB SNR and a noise burst: quality reports and a "
    "retrain, then the text still arrives), busy (the far line is engaged: BUSY), no-answer (it rings and nobody "
    "answers: NO ANSWER). Exit status: 0 the scenario ended as expected, 4 it ended otherwise (another result or "
    "rate), 5 connected but a text arrived different, 1 error (also: no sound device and no --out), 2 usage.";

struct DemoArgs {
    std::string scenario = "v8";
    std::string out;
    bool no_play = false;
    bool fast = false;
    bool narrate = false;
    bool plain = false;
    bool via_cables = false;
    std::string number = "5551234";
    std::string device = "default";
    double latency_s = 0.1;
    std::string cable_prefix;
};

/// What a scenario sets up and what must happen.
struct Scenario {
    std::string_view name;
    std::string_view title;
    bool answerer_v8 = true;
    bool answerer_reversals = true;
    int answerer_rate = 2400;
    double snr_db = 35.0;
    bool far_busy = false;           ///< the far end is an engaged line (busy tone), not a modem
    bool far_never_answers = false;  ///< the far end rings for ever
    double caller_answer_wait_s = 50.0;
    /// Noise burst on the answerer-to-caller direction, from burst_after_s after CONNECT, lasting
    /// burst_s at burst_dbm0 (both also heard on the line). burst_s = 0: none.
    double burst_after_s = 0.0;
    double burst_s = 0.0;
    double burst_dbm0 = 0.0;
    double data_s = 1.5;             ///< the caller hangs up no earlier than this after CONNECT
    // expectations
    ses::End caller_end = ses::End::LocalHangup;
    int rate_bps = 2400;             ///< 0: no connection expected
};

// Every level, SNR and time below is a project choice: the clean line (35 dB) leaves nothing to
// hear but the modems; the noisy one (20 dB) is still well above V.22bis's needs, and its burst
// (-6 dBm0 for 0.5 s, about 7 dB above the data signal) outlasts the caller's loss-of-equalisation
// detector, so the caller retrains (V.22bis 6.4) about 0.3 s into the burst (measured: 1.83 s
// after its CONNECT).
const Scenario kScenarios[] = {
    {.name = "v8", .title = "V.8 then V.22bis at 2400 bit/s"},
    {.name = "legacy", .title = "legacy answer (ANS, no V.8), then V.22bis", .answerer_v8 = false,
     .answerer_reversals = false},
    {.name = "fallback", .title = "the answerer is a V.22-only modem: 1200 bit/s", .answerer_rate = 1200,
     .rate_bps = 1200},
    {.name = "noisy", .title = "a noisy line (20 dB SNR) and a noise burst: retrain", .snr_db = 20.0,
     .burst_after_s = 1.5, .burst_s = 0.5, .burst_dbm0 = -6.0, .data_s = 6.0},
    {.name = "busy", .title = "the far line is engaged", .far_busy = true, .caller_end = ses::End::Busy, .rate_bps = 0},
    {.name = "no-answer", .title = "it rings and nobody answers", .far_never_answers = true,
     .caller_answer_wait_s = 10.0, .caller_end = ses::End::NoAnswer, .rate_bps = 0},
};

const Scenario& find_scenario(const std::string& name) {
    for (const auto& s : kScenarios)
        if (s.name == name) return s;
    throw std::runtime_error("--scenario: '" + name + "' is not v8, legacy, fallback, noisy, busy or no-answer");
}

std::string end_text(const ses::Session& s) {
    std::string t = std::string(ses::result_text(s.end()));
    if (s.end() == ses::End::LocalHangup) t += " (hung up)";
    return t;
}

int run_in_process(const DemoArgs& a, const Scenario& sc, LiveView& view, LineOutput& output, const Pacer& pacer) {
    modem::TraceBuffer trace_c, trace_a;
    ses::Session::Config cc;
    cc.role = ses::Role::Caller;
    cc.number = a.number;
    cc.wait_dial_tone = !sc.far_busy;
    cc.answer_wait_s = sc.caller_answer_wait_s;
    cc.trace = &trace_c;
    ses::Session caller(cc);

    std::unique_ptr<ses::Session> answerer;
    if (!sc.far_busy) {
        ses::Session::Config ac;
        ac.role = ses::Role::Answerer;
        ac.answer_number = a.number;
        ac.v8 = sc.answerer_v8;
        ac.ansam_reversals = sc.answerer_reversals;
        ac.max_rate = sc.answerer_rate == 1200 ? modem::v22bis::Rate::Bps1200 : modem::v22bis::Rate::Bps2400;
        ac.auto_answer = !sc.far_never_answers;
        ac.trace = &trace_a;
        answerer = std::make_unique<ses::Session>(ac);
    }
    // The engaged line: busy tone from the exchange once the number has been dialled.
    modem::tones::ToneSequence busy(modem::tones::busy());
    bool busy_started = false;

    const std::string text_c = "Hello from the calling modem, who dialled " + a.number + ".\n";
    const std::string text_a = "Hello from the answering modem: this text crossed the line as a squeal.\n";
    std::size_t sent_c = 0, sent_a = 0;
    std::string got_c, got_a;  // received by the caller / by the answerer

    modem::audio::SimLine::Direction dir;
    dir.snr_db = sc.snr_db;
    dir.delay_ms = 20.0;  // one block each way: the two ends run in lockstep (as squeal loopback)
    modem::audio::SimLine sim({.a_to_b = dir, .b_to_a = dir, .seed = 7});
    modem::dsp::Gaussian burst_noise(11);
    const double burst_sigma = std::sqrt(modem::dsp::dbm0_to_power(sc.burst_dbm0));

    modem::dsp::Spectrogram spec({.n = 256, .hop = 128});
    std::array<std::int16_t, kBlock> s{}, tap_c{}, tap_a{}, mix{};
    std::array<float, kBlock> in{}, out{}, burst{};
    std::array<std::uint8_t, 512> rx{};
    SampleTime caller_hung = -1, both_ended = -1, last_rx_c = 0;
    const auto to_s16 = [](std::span<const float> f, std::span<std::int16_t> i) { modem::dsp::kernels::f32_to_s16(f, i); };

    for (int block = 0; !g_stop.load(); ++block) {
        const SampleTime now = caller.now();
        if (samples_to_seconds(now) >= kLimitS) {
            caller.hangup();
            if (answerer) answerer->hangup();
        }
        // Noise burst (answerer -> caller), timed from the caller's CONNECT.
        std::fill(burst.begin(), burst.end(), 0.0f);
        if (sc.burst_s > 0 && caller.connection()) {
            const double t = samples_to_seconds(now - caller.connection()->at) - sc.burst_after_s;
            if (t >= 0 && t < sc.burst_s)
                for (auto& x : burst) x = static_cast<float>(burst_sigma * burst_noise());
        }
        // Caller.
        sim.a().read(s);
        modem::dsp::kernels::s16_to_f32(s, in);
        for (std::size_t i = 0; i < kBlock; ++i) in[i] += burst[i];
        caller.process(in, out);
        to_s16(out, tap_c);
        sim.a().write(tap_c);
        // Far end.
        sim.b().read(s);
        modem::dsp::kernels::s16_to_f32(s, in);
        if (answerer) {
            answerer->process(in, out);
        } else {
            busy_started = busy_started || caller.phase() == ses::Phase::WaitAnswer;
            if (busy_started) busy.generate(out);
            else std::fill(out.begin(), out.end(), 0.0f);
            if (busy_started && busy.now() == static_cast<SampleTime>(kBlock))
                view.phase(Side::Answerer, now, "busy (the exchange)", "busy");
        }
        to_s16(out, tap_a);
        sim.b().write(tap_a);
        // The line as a listener on it hears it: both directions (and the burst) summed.
        for (std::size_t i = 0; i < kBlock; ++i) {
            const float v = static_cast<float>(tap_c[i]) + static_cast<float>(tap_a[i]) + burst[i] * 32768.0f;
            mix[i] = static_cast<std::int16_t>(std::clamp(v, -32768.0f, 32767.0f));
            in[i] = v / 32768.0f;
        }
        spec.process(in, [&](const modem::dsp::SpectrogramColumn& col) { view.spectrum(col.db); });
        output.write(mix);

        // Text both ways.
        if (sent_c < text_c.size())
            sent_c += caller.write(std::span(reinterpret_cast<const std::uint8_t*>(text_c.data()) + sent_c,
                                             text_c.size() - sent_c));
        if (answerer && sent_a < text_a.size())
            sent_a += answerer->write(std::span(reinterpret_cast<const std::uint8_t*>(text_a.data()) + sent_a,
                                                text_a.size() - sent_a));
        for (std::size_t n; (n = caller.read(rx)) > 0;) {
            const std::string_view got(reinterpret_cast<const char*>(rx.data()), n);
            got_c += got;
            view.text(Side::Answerer, got);
            last_rx_c = now;
        }
        if (answerer) {
            for (std::size_t n; (n = answerer->read(rx)) > 0;) {
                const std::string_view got(reinterpret_cast<const char*>(rx.data()), n);
                got_a += got;
                view.text(Side::Caller, got);
            }
        }
        for (const auto& e : trace_c.events()) view_session_event(view, Side::Caller, e);
        for (const auto& e : trace_a.events()) view_session_event(view, Side::Answerer, e);
        trace_c.clear();
        trace_a.clear();

        // The caller hangs up once its text is out, the answerer's has arrived (or stopped
        // coming for a second) and the call has lasted data_s; the answerer then sees the
        // carrier go (NO CARRIER), as a modem does when the far end hangs up.
        if (caller.phase() == ses::Phase::Data) {
            const double since_connect = samples_to_seconds(now - caller.connection()->at);
            const bool all_in = got_c.size() >= text_a.size() || samples_to_seconds(now - std::max(last_rx_c, caller.connection()->at)) >= kQuietS;
            if (sent_c == text_c.size() && caller.tx_drained() && all_in && since_connect >= sc.data_s) caller.hangup();
        }
        if (caller.ended() && caller_hung < 0) caller_hung = now;
        // Before a connection the answerer has nothing to wait for (no answer, nobody there).
        if (answerer && caller_hung >= 0 &&
            (!answerer->connection() || samples_to_seconds(now - caller_hung) >= kAnswererGraceS))
            answerer->hangup();
        if (caller.ended() && (!answerer || answerer->ended())) {
            if (both_ended < 0) both_ended = now;
            if (samples_to_seconds(now - both_ended) >= kLingerS) break;
        }
        if (block % kRenderEvery == 0) view.render(now);
        pacer.wait_until(now + static_cast<SampleTime>(kBlock));
    }

    // The result.
    const SampleTime end = caller.now();
    std::string line = "result    caller " + end_text(caller);
    if (answerer) line += ", answerer " + end_text(*answerer);
    view.result(line);
    int code = kExitExpected;
    std::string verdict;
    if (sc.rate_bps == 0) {
        if (caller.end() != sc.caller_end) code = kExitOtherEnd;
        verdict = std::string(ses::result_text(caller.end()));
    } else {
        const auto& c = caller.connection();
        const auto* an = answerer ? &answerer->connection() : nullptr;
        if (!c || an == nullptr || !*an || c->rate_bps != sc.rate_bps || (*an)->rate_bps != sc.rate_bps ||
            caller.end() != sc.caller_end) {
            code = kExitOtherEnd;
            verdict = c ? "CONNECT " + std::to_string(c->rate_bps) + ", then " + std::string(ses::result_text(caller.end()))
                        : "no connection";
        } else {
            const bool exact = got_a == text_c && got_c == text_a;
            if (!exact) code = kExitTextDiffers;
            verdict = "CONNECT " + std::to_string(c->rate_bps) + ", texts " +
                      (exact ? "byte-exact both ways" : "DIFFERENT");
        }
    }
    view.result("scenario  " + std::string(sc.name) + ": " + verdict +
                (code == kExitExpected ? " (as expected)" : " (NOT what this scenario expects)"));
    view.finish(end);
    output.close();
    return code;
}

int run_demo(const DemoArgs& a) {
    const Scenario& sc = find_scenario(a.scenario);
    if (a.number.empty() || a.number.find_first_not_of("0123456789*#ABCD") != std::string::npos)
        throw std::runtime_error("--number: '" + a.number + "' is not DTMF digits (0-9 * # A-D)");
    if (a.via_cables && sc.name != "v8") throw std::runtime_error("--via-cables runs the v8 scenario only");
    const bool tty = isatty(STDOUT_FILENO) != 0;
    const bool play = !a.no_play && !a.fast;
    LineOutput output(a.out, play, a.device, a.latency_s);
    // Without a device the loop keeps real time only for someone watching the view.
    const Pacer pacer(!output.playing() && !a.fast && !a.no_play && tty);
    const char* no_colour = std::getenv("NO_COLOR");
    LiveView view({.title = "squeal demo: " + std::string(sc.name) + " (" + std::string(sc.title) + ")" +
                            (a.via_cables ? ", two processes over the sound cables" : ""),
                   .ansi = tty && !a.plain,
                   .colour = no_colour == nullptr || *no_colour == '\0',
                   .narrate = a.narrate,
                   .line_row = false,
                   .width = tty ? terminal_width() : 100,
                   .os = &std::cout});
    if (a.via_cables) {
        return run_over_cables({.squeal = self_path(), .number = a.number, .prefix = a.cable_prefix}, view, output);
    }
    return run_in_process(a, sc, view, output, pacer);
}

}  // namespace

void add_demo(CLI::App& app, Action& action) {
    add_play(app, action);
    auto args = std::make_shared<DemoArgs>();
    auto* cmd = app.add_subcommand("demo",
                                   "two squeal modems call each other: hear the line (or write it with --out) "
                                   "and watch every phase of the handshake live");
    cmd->add_option("--scenario", args->scenario, "v8, legacy, fallback, noisy, busy or no-answer")
        ->capture_default_str();
    cmd->add_option("--out", args->out, "also write the line (both directions summed, 8 kHz 16-bit) to this file");
    cmd->add_flag("--no-play", args->no_play, "do not open the sound device (the view and --out only)");
    cmd->add_flag("--fast", args->fast, "run as fast as the CPU allows (implies --no-play)");
    cmd->add_flag("--narrate", args->narrate, "one plain sentence per phase: what the sound is and why it exists");
    cmd->add_flag("--plain", args->plain, "plain lines even on a terminal (they are the default when not a terminal)");
    cmd->add_flag("--via-cables", args->via_cables,
                  "two squeal processes over the virtual sound cables modem_a/modem_b (scripts/virtual-audio.sh)");
    cmd->add_option("--cable-prefix", args->cable_prefix,
                    "with --via-cables: the cables' device name prefix (SQUEAL_VA_PREFIX of virtual-audio.sh)");
    cmd->add_option("--number", args->number, "the number the caller dials")->capture_default_str();
    cmd->add_option("--device", args->device, "sound device to play on (PortAudio name; see squeal devices)")
        ->capture_default_str();
    cmd->add_option("--latency", args->latency_s, "sound device latency in seconds")
        ->capture_default_str()
        ->check(CLI::Range(0.001, 2.0));
    cmd->footer(kExitHelp);
    cmd->callback([&action, args] { action = [args] { return run_demo(*args); }; });
}

}  // namespace squeal::cli
