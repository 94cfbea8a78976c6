// SPDX-License-Identifier: MIT
/// \file
/// `squeal bench`: speed of the SIMD kernels, the V.22bis figures (BER over AWGN, handshake on an
/// impaired line) and the pipeline figures (V.21 and V.8 receive, V.22bis transmit and receive,
/// a whole call, decode of a long recording, memory, start-up, channels per core) of our modem
/// beside spandsp's, measured on identical inputs by the test-only companion
/// `squeal-bench-spandsp` when it is built, and compared with a stored baseline.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "dsp/bench.hpp"
#include "dsp/kernels/kernels.hpp"
#include "audio/audio_io.hpp"
#include "modem/bench/baseline.hpp"
#include "modem/bench/channels.hpp"
#include "modem/bench/measure.hpp"
#include "modem/bench/ours.hpp"
#include "modem/bench/pipeline.hpp"
#include "modem/bench/report.hpp"
#include "modem/decode/decoder.hpp"

extern char** environ;

namespace squeal::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kCompanion = "squeal-bench-spandsp";

struct BenchArgs {
    std::string out_dir = ".";
    bool quick = false;
    std::uint64_t seed = 1;
    int trials = 100;
    std::size_t bits = 0;
    bool skip_spandsp = false;
    bool skip_kernels = false;
    bool skip_ber = false, skip_handshake = false, skip_pipeline = false, skip_decode = false;
    bool json = false;
    std::string baseline;       ///< "" = the repository's modem/bench/baseline.json if found
    std::string save_baseline;
    int channels = -1;          ///< -1: 1024 (quick 256); 0: skip
    double decode_minutes = 0;  ///< 0: 10 (quick 1)
    std::size_t call_bytes = 0; ///< 0: the default whole call
};

using Clock = std::chrono::steady_clock;

fs::path self_exe() {
    std::error_code ec;
    fs::path p = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw std::runtime_error("bench: cannot find our own executable");
    return p;
}

struct ChildTime {
    double wall = 0.0;  ///< spawn to exit
    double cpu = 0.0;   ///< the child's user + system CPU time
};

/// Runs `args` (args[0] the program) with stdout and stderr to /dev/null; returns its wall and
/// CPU seconds. Throws std::runtime_error if it cannot start or exits non-zero.
ChildTime run_quiet(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    const auto t0 = Clock::now();
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("bench: cannot start " + args[0]);
    int status = 0;
    rusage ru{};
    ::wait4(pid, &status, 0, &ru);
    ChildTime t;
    t.wall = std::chrono::duration<double>(Clock::now() - t0).count();
    t.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("bench: " + args[0] + " " + (args.size() > 1 ? args[1] : "") + " failed");
    return t;
}

/// Milliseconds from spawning `squeal answer --audio pipe` (stdin an open pipe with nothing in
/// it yet) to the first transmit sample on its stdout; the child is then stopped.
double time_to_first_sample(const fs::path& exe) {
    int in_pipe[2], out_pipe[2];
    if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0) throw std::runtime_error("bench: pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&fa, in_pipe[1]);
    posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
    const std::string e = exe.string();
    std::vector<char*> argv{const_cast<char*>(e.c_str()), const_cast<char*>("answer"), const_cast<char*>("--audio"),
                            const_cast<char*>("pipe"), nullptr};
    const auto t0 = Clock::now();
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    double ms = -1.0;
    if (rc == 0) {
        pollfd p{.fd = out_pipe[0], .events = POLLIN, .revents = 0};
        if (::poll(&p, 1, 10000) == 1) {
            char b[2];
            if (::read(out_pipe[0], b, sizeof b) > 0) ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        }
        ::kill(pid, SIGTERM);
        ::close(in_pipe[1]);
        ::close(out_pipe[0]);
        int status = 0;
        ::waitpid(pid, &status, 0);
    } else {
        ::close(in_pipe[1]);
        ::close(out_pipe[0]);
    }
    if (ms < 0) throw std::runtime_error("bench: `squeal answer --audio pipe` sent nothing within 10 s");
    return ms;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

/// Start-up figures of the squeal command itself (no spandsp counterpart: it has no command).
void measure_startup(modem::bench::Figures& ours, bool quick) {
    const fs::path exe = self_exe();
    const int n = quick ? 5 : 15;
    std::vector<double> version_wall, version_cpu, first;
    for (int i = 0; i < n; ++i) {
        const ChildTime t = run_quiet({exe.string(), "--version"});
        version_wall.push_back(1000.0 * t.wall);
        version_cpu.push_back(1000.0 * t.cpu);
    }
    for (int i = 0; i < std::max(3, n / 3); ++i) first.push_back(time_to_first_sample(exe));
    ours.extra.push_back({"startup_version_cpu_ms", "start-up: `squeal --version`, median CPU time (user + sys)",
                          median(version_cpu), "ms"});
    ours.extra.push_back({"startup_version_ms", "start-up: `squeal --version`, median wall time (shared machine)",
                          median(version_wall), "ms"});
    ours.extra.push_back({"startup_first_sample_ms",
                          "start-up: `squeal answer --audio pipe` to its first sample, median wall time", median(first),
                          "ms"});
}

/// A call of about `minutes` recorded by `squeal loopback --record` (both directions summed),
/// made once per length and seed in out_dir; then our decoder on it (in-process: read, then
/// process + finish timed) and the `squeal decode FILE` command (wall time, output discarded).
void measure_decode(modem::bench::Figures& ours, const BenchArgs& a, double minutes) {
    const fs::path exe = self_exe();
    char name[96];
    std::snprintf(name, sizeof name, "bench_call_%gmin_seed%llu.wav", minutes, static_cast<unsigned long long>(a.seed));
    const fs::path wav = fs::path(a.out_dir) / name;
    if (!fs::exists(wav)) {
        // 2400 bit/s 8N1 is 240 bytes a second each way; the handshake takes a few seconds more.
        const auto bytes = static_cast<std::size_t>(std::max(10.0, minutes * 60.0 - 5.0) * 240.0);
        std::cerr << "bench: recording a " << minutes << "-minute call with `squeal loopback --record " << wav.string()
                  << "`\n";
        run_quiet({exe.string(), "loopback", "--bytes", std::to_string(bytes), "--seed", std::to_string(a.seed),
                   "--record", wav.string()});
    }
    std::vector<float> x;
    {
        modem::audio::SoundFileReader r(wav.string());
        std::vector<float> buf(1 << 16);
        for (std::size_t n; (n = r.read(buf)) > 0;) x.insert(x.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    }
    if (x.size() < 8000) throw std::runtime_error("bench: the recorded call is too short");
    const double seconds = static_cast<double>(x.size()) / modem::dsp::kFsHz;
    double best = 1e300;
    std::size_t events = 0;
    for (int r = 0; r < (a.quick ? 1 : 2); ++r) {
        const double t0 = modem::bench::thread_cpu_seconds();
        modem::decode::Decoder d;
        constexpr std::size_t kChunk = 4096;  // project choice: as a file is read
        for (std::size_t pos = 0; pos < x.size(); pos += kChunk)
            d.process(std::span<const float>(x).subspan(pos, std::min(kChunk, x.size() - pos)));
        d.finish();
        best = std::min(best, modem::bench::thread_cpu_seconds() - t0);
        events = d.events().size();
    }
    modem::bench::SpeedFigure dec{.key = "decode",
                                  .what = "decoder on a " + std::to_string(static_cast<int>(std::lround(seconds))) +
                                          " s call recording (in-process, " + std::to_string(events) + " events)",
                                  .ns_per_sample = best * 1e9 / static_cast<double>(x.size()),
                                  .signal_seconds = seconds,
                                  .ok = events > 0};
    ours.speeds.push_back(dec);
    const double cmd = run_quiet({exe.string(), "decode", wav.string()}).cpu;
    ours.speeds.push_back({.key = "decode_command",
                           .what = "`squeal decode FILE` on it (whole command: start, read, decode, print; CPU time)",
                           .ns_per_sample = cmd * 1e9 / static_cast<double>(x.size()),
                           .signal_seconds = seconds});
}

/// Channels per core through modem::bank::Bank, both conversion layouts on one thread, then the
/// faster one on two threads; memory per bank channel.
void measure_channels(modem::bench::Figures& ours, const BenchArgs& a, int n) {
    using modem::bank::Bank;
    const double seconds = a.quick ? 2.0 : 5.0;
    n = std::max(4, n / 4 * 4);  // whole calls on each of two threads
    auto run = [&](int threads, Bank::Conversion conv) {
        const auto r = modem::bench::run_channels(
            {.channels = n, .seconds = seconds, .threads = threads, .conversion = conv, .seed = a.seed});
        std::cerr << "bench: channels " << n << " on " << threads << " thread(s), "
                  << (conv == Bank::Conversion::Batched ? "batched" : "per-channel") << " conversion: "
                  << r.x_real_time() << "x real time (CPU; wall " << r.x_real_time_wall() << "x), "
                  << r.ns_per_modem_sample() << " ns per modem-sample"
                  << (r.all_in_data && r.data_flowed ? "" : " (NOT all in data)") << '\n';
        if (!r.all_in_data || !r.data_flowed) throw std::runtime_error("bench: channels: not every modem reached data");
        return r;
    };
    const auto per = run(1, Bank::Conversion::PerChannel);
    const auto bat = run(1, Bank::Conversion::Batched);
    const bool batched_wins = bat.sustained() > per.sustained();
    const auto& one = batched_wins ? bat : per;
    const auto two = run(2, batched_wins ? Bank::Conversion::Batched : Bank::Conversion::PerChannel);
    const std::string ns = std::to_string(n);
    ours.extra.push_back({"channels_x_real_time", ns + " duplex 2400 bit/s modems on 1 core: multiple of real time",
                          one.x_real_time(), "x"});
    ours.extra.push_back({"channels_per_core", "2400 bit/s duplex modems one core sustains in real time (" +
                                                   std::string(batched_wins ? "batched" : "per-channel") + " conversion)",
                          one.sustained(), "modems"});
    ours.extra.push_back({"channels_per_core_other_layout",
                          std::string("... with ") + (batched_wins ? "per-channel" : "batched") + " conversion instead",
                          batched_wins ? per.sustained() : bat.sustained(), "modems"});
    ours.extra.push_back({"channels_2_cores", "... on 2 threads (slowest thread's CPU time)", two.sustained(), "modems"});
    ours.extra.push_back({"scaling_2_cores", "scaling from 1 to 2 cores (CPU time)", two.sustained() / one.sustained(), "x"});
    ours.extra.push_back({"scaling_2_cores_wall", "scaling from 1 to 2 cores (wall time; machine shared with other jobs)",
                          two.x_real_time_wall() * two.channels / (one.x_real_time_wall() * one.channels), "x"});
    ours.memory.push_back({"bank_channel", "one channel of a bank (modem slot + its heap)",
                           modem::bench::heap_bytes_per_instance(
                               [] {
                                   return std::shared_ptr<void>(std::make_shared<Bank>(
                                       Bank::Config{.channels = std::vector<modem::v22bis::Modem::Config>(64)}));
                               },
                               4) /
                               64.0});
}

/// The baseline file: --baseline, else modem/bench/baseline.json under the working directory or
/// next to the build directory holding this executable.
std::optional<fs::path> find_baseline(const BenchArgs& a) {
    if (!a.baseline.empty()) return fs::path(a.baseline);
    std::error_code ec;
    const fs::path rel = fs::path("modem") / "bench" / "baseline.json";
    for (const fs::path& root : {fs::current_path(ec), self_exe().parent_path().parent_path()})
        if (fs::is_regular_file(root / rel, ec)) return root / rel;
    return std::nullopt;
}

/// The companion next to our own executable, else the first one on PATH.
std::optional<fs::path> find_companion() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    std::vector<fs::path> dirs;
    if (!ec) dirs.push_back(self.parent_path());
    if (const char* path = std::getenv("PATH")) {
        std::stringstream ss(path);
        for (std::string d; std::getline(ss, d, ':');)
            if (!d.empty()) dirs.emplace_back(d);
    }
    for (const fs::path& d : dirs) {
        const fs::path p = d / kCompanion;
        if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return p;
    }
    return std::nullopt;
}

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

/// Runs the companion with the same options and reads its JSON from stdout. On any failure the
/// reason goes to `note` and nothing is returned.
std::optional<modem::bench::Figures> run_companion(const fs::path& exe, const BenchArgs& a, std::string& note) {
    // The same SIMD path as ours, so the companion regenerates bit-identical inputs.
    std::string cmd = "SQUEAL_SIMD=" + std::string(modem::dsp::kernels::to_string(modem::dsp::kernels::active().isa)) +
                      " " + shell_quote(exe.string()) + " --seed " + std::to_string(a.seed) + " --trials " +
                      std::to_string(a.trials);
    if (a.quick) cmd += " --quick";
    if (a.bits) cmd += " --bits " + std::to_string(a.bits);
    if (a.skip_ber) cmd += " --skip-ber";
    if (a.skip_handshake) cmd += " --skip-handshake";
    if (a.skip_pipeline) cmd += " --skip-pipeline";
    cmd += " --call-bytes " + std::to_string(a.call_bytes ? a.call_bytes : (a.quick ? 2400 : 24000));
    std::cerr << "bench: running " << cmd << '\n';
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) {
        note = "could not start " + exe.string();
        return std::nullopt;
    }
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = ::pclose(p);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        note = "companion failed (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
        return std::nullopt;
    }
    try {
        return modem::bench::figures_from_json(nlohmann::json::parse(out));
    } catch (const std::exception& e) {
        note = "companion output unreadable";
        std::cerr << "bench: " << kCompanion << ": " << e.what() << '\n';
        return std::nullopt;
    }
}

int run_bench(const BenchArgs& a) {
    const auto t0 = Clock::now();
    std::error_code ec;
    fs::create_directories(a.out_dir, ec);
    if (ec || !fs::is_directory(a.out_dir)) throw std::runtime_error("bench: cannot create --out-dir " + a.out_dir);
    std::ostream& out = a.json ? std::cerr : std::cout;  // --json: only the JSON on stdout

    if (!a.skip_kernels && !a.json) {
        modem::dsp::bench::run_kernel_bench(std::cout);
        std::cout << '\n';
    }
    modem::bench::BenchOptions opt{.quick = a.quick,
                                   .seed = a.seed,
                                   .trials = a.trials,
                                   .max_bits = a.bits,
                                   .ber = !a.skip_ber,
                                   .handshake = !a.skip_handshake,
                                   .pipeline = !a.skip_pipeline,
                                   .progress = &std::cerr};
    opt.call.bytes = a.call_bytes ? a.call_bytes : (a.quick ? 2400 : 24000);
    std::cerr << "bench: recording the reference calls (seed " << a.seed << ")\n";
    const modem::bench::BenchInputs inputs = modem::bench::make_inputs(opt);
    modem::bench::OurImplementation ours_impl;
    modem::bench::Figures ours = modem::bench::measure_figures(ours_impl, inputs, opt);
    if (!a.skip_pipeline) {
        if (!a.skip_decode) measure_decode(ours, a, a.decode_minutes > 0 ? a.decode_minutes : (a.quick ? 1.0 : 10.0));
        measure_startup(ours, a.quick);
    }
    const int channels = a.channels >= 0 ? a.channels : (a.quick ? 256 : 1024);
    if (channels > 0) measure_channels(ours, a, channels);

    std::optional<modem::bench::Figures> theirs;
    std::string note;
    if (a.skip_spandsp) {
        note = "skipped (--skip-spandsp)";
    } else if (const auto exe = find_companion()) {
        theirs = run_companion(*exe, a, note);
    } else {
        note = "not built (needs libspandsp-dev)";
    }

    if (theirs && theirs->inputs_fingerprint != ours.inputs_fingerprint) {
        note = "measured on different inputs: not shown";
        std::cerr << "bench: " << kCompanion << " regenerated different inputs (fingerprint "
                  << theirs->inputs_fingerprint << ", ours " << ours.inputs_fingerprint << ")\n";
        theirs.reset();
    }
    const modem::bench::Figures* them = theirs ? &*theirs : nullptr;
    if (!a.skip_ber || !a.skip_handshake) {
        modem::bench::print_table(out, ours, them, note);
        out << '\n';
    }
    modem::bench::print_pipeline_table(out, ours, them, note);

    // Baseline: warn per ratio that fell by more than 10 %.
    const modem::bench::Ratios now = modem::bench::ratios_of(ours, them);
    std::vector<modem::bench::Regression> regs;
    std::string baseline_used;
    if (const auto bl = find_baseline(a)) {
        const modem::bench::Ratios base = modem::bench::load_baseline(bl->string(), modem::bench::baseline_section(a.quick));
        regs = modem::bench::compare(base, now);
        std::size_t compared = 0;
        for (const auto& [k, v] : base) compared += now.count(k);
        out << '\n';
        modem::bench::print_regressions(out, regs, compared);
        baseline_used = bl->string();
        out << "bench: baseline " << baseline_used << " (" << modem::bench::baseline_section(a.quick) << ")\n";
    } else {
        out << "\nbench: no baseline found (modem/bench/baseline.json or --baseline FILE): nothing compared\n";
    }
    if (!a.save_baseline.empty()) {
        modem::bench::save_baseline(a.save_baseline, now,
                                    std::string("squeal bench") + (a.quick ? " --quick" : "") + ", seed " +
                                        std::to_string(a.seed) + ", SIMD " +
                                        std::string(modem::dsp::kernels::to_string(modem::dsp::kernels::active().isa)),
                                    modem::bench::baseline_section(a.quick));
        out << "bench: saved the ratios to " << a.save_baseline << '\n';
    }

    std::vector<modem::bench::Figures> all{ours};
    if (theirs) all.push_back(*theirs);
    if (!ours.curves.empty()) {
        const std::string csv = (fs::path(a.out_dir) / "ber_curves.csv").string();
        const std::string png = (fs::path(a.out_dir) / "ber_curves.png").string();
        modem::bench::write_ber_csv(csv, all);
        modem::bench::plot_ber_png(png, all);
        out << "wrote " << csv << " and " << png << '\n';
    }
    if (a.json) {
        nlohmann::ordered_json j;
        j["squeal"] = modem::bench::to_json(ours);
        j["spandsp"] = theirs ? nlohmann::ordered_json(modem::bench::to_json(*theirs)) : nlohmann::ordered_json(nullptr);
        j["spandsp_note"] = note;
        j["simd"] = std::string(modem::dsp::kernels::to_string(modem::dsp::kernels::active().isa));
        j["ratios"] = nlohmann::ordered_json::object();
        for (const auto& [k, v] : now) j["ratios"][k] = v;
        j["baseline"] = baseline_used.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(baseline_used);
        j["regressions"] = nlohmann::ordered_json::array();
        for (const auto& g : regs) j["regressions"].push_back({{"name", g.name}, {"baseline", g.baseline}, {"now", g.now}});
        std::cout << j.dump(2) << '\n';
    }
    out << "bench finished in " << std::chrono::duration<double>(Clock::now() - t0).count() << " s\n";
    return 0;
}

}  // namespace

void add_bench(CLI::App& app, Action& action) {
    auto args = std::make_shared<BenchArgs>();
    auto* cmd = app.add_subcommand(
        "bench",
        "SIMD kernel speeds, V.22bis BER/handshake figures and pipeline speeds beside spandsp's, channels per core, "
        "baseline check (about 3-5 min on 2 shared cores, --quick too: its BER sweeps dominate; --skip-ber --skip-handshake: under a minute)");
    cmd->add_option("--out-dir", args->out_dir, "folder for ber_curves.csv and ber_curves.png (default .)");
    cmd->add_flag("--quick", args->quick, "1 dB SNR grid and a tenth of the bits (about 15-30 s)");
    cmd->add_option("--seed", args->seed, "seed of the data, noise and lines (default 1)");
    cmd->add_option("--trials", args->trials, "handshake calls (default 100)")->check(CLI::Range(1, 100000));
    cmd->add_option("--bits", args->bits, "bits per BER point (default 3e6 at 2400, 2e6 at 1200; quick 3e5, 2e5)")
        ->check(CLI::Range(std::size_t{2000}, std::size_t{100000000}));
    cmd->add_flag("--skip-spandsp", args->skip_spandsp, "do not run the spandsp companion");
    cmd->add_flag("--skip-kernels", args->skip_kernels, "do not print the SIMD kernel table");
    cmd->add_flag("--skip-ber", args->skip_ber, "no BER curves");
    cmd->add_flag("--skip-handshake", args->skip_handshake, "no handshake trials");
    cmd->add_flag("--skip-pipeline", args->skip_pipeline, "no V.21/V.8/whole-call/decode/memory/start-up figures");
    cmd->add_flag("--skip-decode", args->skip_decode, "no decode figures (they record a long call first)");
    cmd->add_flag("--json", args->json, "print every figure as one JSON object on stdout (tables go to stderr)");
    cmd->add_option("--baseline", args->baseline,
                    "baseline of ratios to compare with (default modem/bench/baseline.json when found)");
    cmd->add_option("--save-baseline", args->save_baseline, "write this run's ratios as a baseline file");
    cmd->add_option("--channels", args->channels,
                    "modems in the multi-channel run (default 1024, quick 256; 0 skips it)")
        ->check(CLI::Range(0, 100000));
    cmd->add_option("--decode-minutes", args->decode_minutes, "length of the recorded call for decode (default 10, quick 1)")
        ->check(CLI::Range(0.2, 240.0));
    cmd->add_option("--call-bytes", args->call_bytes, "bytes each way in the whole call (default 24000, quick 2400)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10000000}));
    cmd->callback([&action, args] {
        action = [args] { return run_bench(*args); };
    });
}

}  // namespace squeal::cli
