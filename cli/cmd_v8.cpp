// SPDX-License-Identifier: MIT
/// \file
/// `squeal call|answer --v8-only` and `squeal loopback --v8-only`: run a V.8 negotiation over a
/// line (or two endpoints over a simulated line) and print its result and, optionally, every event.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "audio/sim_line.hpp"
#include "cli/call_args.hpp"
#include "cli/timeline.hpp"
#include "dsp/kernels/kernels.hpp"
#include "modem/events.hpp"
#include "modem/v8/endpoint.hpp"

namespace squeal::cli {
namespace {

namespace v8 = modem::v8;
using modem::dsp::samples_to_seconds;
using modem::dsp::SampleTime;

constexpr std::size_t kBlock = 160;  // project choice: 20 ms
/// Project choice: after our side is done we keep the line up this long (sending silence), so
/// the peer hears the end of our CJ/silence and a recording holds the whole exchange.
constexpr double kLingerS = 0.25;

constexpr int kExitOk = 0;
constexpr int kExitLegacy = 3;
constexpr int kExitFailed = 4;

constexpr const char* kExitCodes =
    "Exit status: 0 V.8 completed, 3 legacy (no V.8 peer), 4 V.8 failed or timed out, 1 error, 2 usage.";


std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// "v22bis,V21" -> the set. Throws one line naming the bad word and the accepted ones.
v8::ModulationSet parse_offer(const std::string& text) {
    struct Name {
        const char* word;
        v8::Modulation mod;
    };
    static constexpr Name kNames[] = {
        {"v34", v8::Modulation::V34},       {"v34hdx", v8::Modulation::V34Hdx}, {"v32bis", v8::Modulation::V32bis},
        {"v32", v8::Modulation::V32bis},    {"v22bis", v8::Modulation::V22bis}, {"v22", v8::Modulation::V22bis},
        {"v17", v8::Modulation::V17},       {"v29", v8::Modulation::V29Hdx},    {"v27ter", v8::Modulation::V27ter},
        {"v26ter", v8::Modulation::V26ter}, {"v26bis", v8::Modulation::V26bis}, {"v23", v8::Modulation::V23},
        {"v23hdx", v8::Modulation::V23Hdx}, {"v21", v8::Modulation::V21},       {"pcm", v8::Modulation::Pcm},
    };
    v8::ModulationSet set;
    std::stringstream ss(text);
    for (std::string word; std::getline(ss, word, ',');) {
        std::string w = lower(word);
        w.erase(std::remove_if(w.begin(), w.end(), [](char c) { return c == ' ' || c == '.'; }), w.end());
        if (w.empty()) continue;
        const auto* it = std::find_if(std::begin(kNames), std::end(kNames), [&](const Name& n) { return w == n.word; });
        if (it == std::end(kNames))
            throw std::runtime_error("--offer: unknown modulation '" + word +
                                     "' (use v34, v34hdx, v32bis, v22bis, v17, v29, v27ter, v26ter, v26bis, v23, "
                                     "v23hdx, v21, pcm)");
        set.add(it->mod);
    }
    if (set.empty()) throw std::runtime_error("--offer: no modulation given");
    return set;
}

v8::V8Endpoint::Config make_config(const CallArgs& a, v8::Role role, const std::string& offer) {
    v8::V8Endpoint::Config cfg;
    cfg.role = role;
    const v8::Capabilities caps{.modulations = parse_offer(offer), .lapm = a.lapm};
    cfg.call.caps = caps;
    cfg.answer.caps = caps;
    cfg.call.send_ci = a.ci;
    const std::string ansam = lower(a.ansam);
    if (ansam == "plain") cfg.ansam_reversals = false;
    else if (ansam == "reversals") cfg.ansam_reversals = true;
    else throw std::runtime_error("--ansam: '" + a.ansam + "' is not plain or reversals");
    return cfg;
}


/// Pending at the end means the time limit (or the input) ran out.
v8::V8Result::Status final_status(const v8::V8Result& r) {
    return r.status == v8::V8Result::Status::Pending ? v8::V8Result::Status::Failed : r.status;
}

void print_result(std::ostream& os, const v8::V8Endpoint& ep, const char* label, double timeout_s) {
    const v8::V8Result& r = ep.result();
    const std::string prefix = label[0] != '\0' ? std::string(label) + ": " : std::string();
    auto line = [&](const char* key, const std::string& value) { os << prefix << key << ' ' << value << '\n'; };
    char buf[96];
    const auto status = final_status(r);
    line("role     ", std::string(v8::to_string(r.role)));
    line("status   ", std::string(v8::to_string(status)));
    if (r.status == v8::V8Result::Status::Pending) {
        std::snprintf(buf, sizeof buf, "no result within %.1f s (state %s)", timeout_s,
                      std::string(ep.state_name()).c_str());
        line("reason   ", buf);
    } else if (!r.reason.empty()) {
        line("reason   ", std::string(r.reason));
    }
    if (r.role == v8::Role::Caller) line("tone     ", std::string(v8::to_string(ep.tone_heard())));
    if (r.status == v8::V8Result::Status::Ok || r.status == v8::V8Result::Status::Failed) {
        line("chosen   ", r.chosen ? std::string(v8::to_string(*r.chosen)) : std::string("none"));
        line("agreed   ", r.agreed.to_string());
        line("remote   ", r.remote_menu.modulations.to_string() + (r.remote_menu.lapm ? " +LAPM" : ""));
        line("function ", std::string(v8::to_string(r.call_function)));
        line("lapm     ", r.lapm ? "yes" : "no");
    }
    if (r.status != v8::V8Result::Status::Pending) {
        std::snprintf(buf, sizeof buf, "%.3f s", samples_to_seconds(r.ended_at));
        line("ended    ", buf);
    }
    for (const auto& t : r.steps.view()) {
        std::snprintf(buf, sizeof buf, "%8.3f s  ", samples_to_seconds(t.at));
        line("step     ", std::string(buf) + std::string(t.from) + " -> " + std::string(t.to) + "  (" +
                              std::string(t.why) + ")");
    }
    os << std::flush;
}

/// --timeout for the V.8-only path: 20 s unless given.
double v8_timeout(const CallArgs& a) { return a.timeout_s > 0 ? a.timeout_s : 20.0; }

int exit_code(v8::V8Result::Status s) {
    switch (s) {
    case v8::V8Result::Status::Ok: return kExitOk;
    case v8::V8Result::Status::Legacy: return kExitLegacy;
    default: return kExitFailed;
    }
}

int run_endpoint(const CallArgs& a, v8::Role role) {
    const char* verb = role == v8::Role::Caller ? "call" : "answer";
    if (!a.v8_only) return run_call(a, role == v8::Role::Caller);
    if (!a.answer_offer.empty()) throw std::runtime_error(std::string(verb) + ": --answer-offer is for loopback");
    const auto cfg = make_config(a, role, a.offer);
    auto events = open_events(a.events);
    auto line = open_line(a.line);
    modem::TraceBuffer trace;
    v8::V8Endpoint ep(cfg, &trace);

    std::array<std::int16_t, kBlock> s{};
    std::array<float, kBlock> in{}, out{};
    const auto limit = static_cast<SampleTime>(v8_timeout(a) * modem::dsp::kFsHz);
    const auto linger = static_cast<SampleTime>(kLingerS * modem::dsp::kFsHz);
    bool input_ended = false;
    SampleTime done_at = -1;
    for (SampleTime t = 0; t < limit && !g_stop.load();) {
        if (done_at >= 0 && (t - done_at >= linger || input_ended)) break;
        std::size_t n = 0;
        if (!input_ended) {
            n = line->read(s);
            if (n < kBlock) input_ended = true;  // the rest of the line is silence
        }
        modem::dsp::kernels::s16_to_f32(std::span<const std::int16_t>(s.data(), n), std::span(in.data(), n));
        std::fill(in.begin() + static_cast<std::ptrdiff_t>(n), in.end(), 0.0f);
        ep.process(in, out);
        if (n > 0) {
            modem::dsp::kernels::f32_to_s16(std::span<const float>(out.data(), n), std::span(s.data(), n));
            line->write(std::span<const std::int16_t>(s.data(), n));
        }
        drain(trace, events.get(), nullptr, {}, false);
        t += static_cast<SampleTime>(kBlock);
        if (done_at < 0 && ep.finished()) done_at = t;
    }
    line->close();
    if (events) events->flush();
    // With --audio pipe, stdout carries the audio: the report goes to stderr.
    std::ostream& os = a.line.audio == "pipe" ? std::cerr : std::cout;
    print_result(os, ep, "", v8_timeout(a));
    return exit_code(final_status(ep.result()));
}

int run_loopback(const CallArgs& a) {
    if (!a.v8_only) return run_call_loopback(a);
    const auto call_cfg = make_config(a, v8::Role::Caller, a.offer);
    const auto answer_cfg = make_config(a, v8::Role::Answerer, a.answer_offer.empty() ? a.offer : a.answer_offer);
    auto events = open_events(a.events);

    modem::audio::SimLine sim(sim_config(a, kLoopbackDelayMs));

    modem::TraceBuffer trace;
    v8::V8Endpoint caller(call_cfg, &trace);
    v8::V8Endpoint answerer(answer_cfg, &trace);
    std::array<std::int16_t, kBlock> s{};
    std::array<float, kBlock> in{}, out{};
    auto step = [&](v8::V8Endpoint& ep, modem::audio::SimEndpoint& side) {
        side.read(s);
        modem::dsp::kernels::s16_to_f32(s, in);
        ep.process(in, out);
        modem::dsp::kernels::f32_to_s16(out, s);
        side.write(s);
    };
    const auto limit = static_cast<SampleTime>(v8_timeout(a) * modem::dsp::kFsHz);
    for (SampleTime t = 0; t < limit && !g_stop.load(); t += static_cast<SampleTime>(kBlock)) {
        if (caller.finished() && answerer.finished()) break;
        step(caller, sim.a());
        step(answerer, sim.b());
        drain(trace, events.get(), nullptr, {}, false);
    }
    if (events) events->flush();
    print_result(std::cout, caller, "caller", v8_timeout(a));
    print_result(std::cout, answerer, "answerer", v8_timeout(a));
    const auto c = final_status(caller.result()), r = final_status(answerer.result());
    if (c == v8::V8Result::Status::Ok && r == v8::V8Result::Status::Ok) return kExitOk;
    if (c == v8::V8Result::Status::Failed || r == v8::V8Result::Status::Failed) return kExitFailed;
    return kExitLegacy;
}

constexpr const char* kCallExitCodes =
    "Exit status: 0 connected and the call ended (hang-up by either side), 4 no connection (NO CARRIER, BUSY, "
    "NO ANSWER, NO DIALTONE), 5 loopback: the bytes that arrived differ from those sent, 1 error, 2 usage. "
    "With --v8-only: 0 V.8 completed, 3 legacy (no V.8 peer), "
    "4 V.8 failed or timed out.";

void add_common_options(CLI::App& cmd, CallArgs& a, bool loopback) {
    cmd.add_flag("--v8-only", a.v8_only, "stop after V.8 and print the negotiation result");
    cmd.add_option("--offer", a.offer,
                   "with --v8-only: modulations to advertise, comma-separated, case-insensitive: v34, v34hdx, "
                   "v32bis, v22bis, v17, v29, v27ter, v26ter, v26bis, v23, v23hdx, v21, pcm")
        ->capture_default_str();
    cmd.add_flag("--lapm", a.lapm, "with --v8-only: advertise LAPM (V.42) in the protocols category");
    cmd.add_option("--timeout", a.timeout_s,
                   "give up (hang up) after this many seconds of line time (default: 20 with --v8-only, else none)")
        ->check(CLI::Range(0.1, 1e6));
    cmd.add_option("--events", a.events, "write every event as one JSON line with its sample time to FILE");
    cmd.add_flag("--no-v8", a.no_v8, "legacy start-up: V.25 answer tone and straight into V.22bis, no V.8");
    cmd.add_option("--rate", a.rate, "highest data rate: 2400 (V.22bis) or 1200 (behave as a V.22 modem)")
        ->capture_default_str()
        ->check(CLI::IsMember({1200, 2400}));
    cmd.add_option("--format", a.format,
                   "character format of the serial data: data bits 5-8, parity N/E/O/M/S, stop bits 1-2 "
                   "(8N1, 7E1, 7O1, 8E1, 8N2, ...)")
        ->capture_default_str();
    cmd.add_option("--ec", a.ec,
                   "V.42 error correction (LAPM): on = when both ends can (V.8's LAPM bit, or the V.42 "
                   "detection phase without V.8), else plain characters; off; require = hang up without it")
        ->capture_default_str()
        ->check(CLI::IsMember({"off", "on", "require"}));
    cmd.add_option("--level", a.level_dbm0, "data transmit level in dBm0")->capture_default_str()->check(CLI::Range(-40.0, 0.0));
    cmd.add_flag("--quiet,-q", a.quiet, "print no progress lines on stderr, only the final result");
    if (!loopback) {
        cmd.add_option("--send", a.send,
                       "file whose bytes are sent once connected ('-' = stdin, the default unless --audio pipe)");
        cmd.add_option("--recv", a.recv,
                       "file the received bytes are written to ('-' = stdout, the default unless --audio pipe)");
        cmd.add_option("--idle-hangup", a.idle_hangup_s,
                       "after the end of --send, hang up once the far end has sent nothing for this many seconds")
            ->capture_default_str()
            ->check(CLI::Range(0.0, 3600.0));
    }
    cmd.footer(kCallExitCodes);
}

}  // namespace

void add_v8(CLI::App& app, Action& action) {
    for (const v8::Role role : {v8::Role::Caller, v8::Role::Answerer}) {
        auto args = std::make_shared<CallArgs>();
        const bool caller = role == v8::Role::Caller;
        auto* cmd = app.add_subcommand(
            caller ? "call" : "answer",
            caller ? "dial NUMBER, connect (V.8, V.22bis) and carry bytes (--v8-only: V.8 only, print the result)"
                   : "answer a call, connect (V.8, V.22bis) and carry bytes (--v8-only: V.8 only, print the result)");
        add_common_options(*cmd, *args, false);
        if (caller) {
            cmd->add_option("number", args->number, "the number to dial in DTMF (none: the line is already up)");
            cmd->add_flag("--wait-dialtone", args->wait_dialtone, "require dial tone before dialling (else NO DIALTONE)");
            cmd->add_flag("--ci", args->ci, "with --v8-only: send CI bursts while waiting for the answer tone");
        } else {
            cmd->add_option("--number", args->number,
                            "answer only when these DTMF digits are dialled (sending dial tone and ringback as the "
                            "exchange would), or `any` for any number; default: answer at once");
            cmd->add_option("--ring", args->ring_s, "seconds of ringback before answering a dialled call")
                ->capture_default_str()
                ->check(CLI::Range(0.0, 60.0));
            cmd->add_flag("--no-exchange-tones", args->no_exchange_tones,
                          "while waiting for the number, send no dial tone and no ringback");
            cmd->add_option("--guard", args->guard, "guard tone with the data signal: none, 550 or 1800 (Hz)")
                ->capture_default_str();
            cmd->add_option("--ansam", args->ansam, "answer tone: plain or reversals (ANSam/ with V.8, ANS/ without)")
                ->capture_default_str();
        }
        add_line_options(*cmd, args->line, true, true);
        cmd->callback([&action, args, role] { action = [args, role] { return run_endpoint(*args, role); }; });
    }

    auto args = std::make_shared<CallArgs>();
    auto* cmd = app.add_subcommand("loopback",
                                   "a caller and an answerer in one process over a simulated line: a whole call "
                                   "(or V.8 only with --v8-only), its timeline and a summary");
    add_common_options(*cmd, *args, true);
    cmd->add_option("--answer-offer", args->answer_offer, "with --v8-only: the answerer's modulations (default: --offer)");
    cmd->add_flag("--ci", args->ci, "with --v8-only: the caller sends CI bursts");
    cmd->add_option("--answer-ec", args->answer_ec, "the answerer's --ec (default: the same as --ec)")
        ->check(CLI::IsMember({"off", "on", "require"}));
    cmd->add_option("--ansam", args->ansam, "answer tone: plain or reversals")->capture_default_str();
    cmd->add_option("--number", args->number, "the caller dials these digits and the answerer waits for them")
        ->capture_default_str();
    cmd->add_option("--guard", args->guard, "answerer's guard tone: none, 550 or 1800 (Hz)")->capture_default_str();
    cmd->add_option("--snr", args->snr_db, "noise in both directions, dB below the received signal");
    cmd->add_option("--freq-offset", args->freq_offset_hz, "frequency offset in Hz (caller->answerer; the other way negated)")
        ->check(CLI::Range(-100.0, 100.0));
    cmd->add_option("--clock-ppm,--ppm", args->ppm, "clock offset in ppm (caller->answerer; the other way negated)")
        ->check(CLI::Range(-1000.0, 1000.0));
    cmd->add_flag("--bandpass", args->bandpass, "300-3400 Hz band-pass with delay distortion in both directions");
    cmd->add_option("--line", args->line_kind, "line model: flat or bandpass (= --bandpass)")
        ->check(CLI::IsMember({"flat", "bandpass"}));
    cmd->add_option("--echo,--echo-db", args->echo_db, "echo of each side's own transmission, in dB (e.g. -10)");
    cmd->add_option("--seed", args->seed, "noise and data seed")->capture_default_str();
    cmd->add_option("--bytes", args->bytes, "random bytes each side sends (when no --send/--send-answerer)")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{0}, std::size_t{100} << 20));
    cmd->add_option("--send", args->send, "file the caller sends (instead of random bytes)");
    cmd->add_option("--send-answerer", args->send_answerer, "file the answerer sends (instead of random bytes)");
    cmd->add_option("--cut-at", args->cut_at_s, "pull the carrier (both ways) this many seconds after CONNECT")
        ->check(CLI::Range(0.0, 1e6));
    cmd->add_option("--record", args->record,
                    "write the line to a WAV: both transmit signals summed, as a tap on a 2-wire line hears them "
                    "(before the simulated impairments)");
    cmd->add_flag("--verbose,-v", args->verbose, "print every event in the timeline (quality reports too)");
    cmd->callback([&action, args] { action = [args] { return run_loopback(*args); }; });
}

}  // namespace squeal::cli
