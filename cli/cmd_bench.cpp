// SPDX-License-Identifier: MIT
/// \file
/// `squeal bench`: speed of the SIMD kernels, then the V.22bis figures (BER over AWGN, handshake on
/// an impaired line, receive throughput) of our modem beside spandsp's, measured on identical
/// inputs by the test-only companion `squeal-bench-spandsp` when it is built.
#include <unistd.h>
#include <sys/wait.h>

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
#include "modem/bench/measure.hpp"
#include "modem/bench/ours.hpp"
#include "modem/bench/report.hpp"

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
};

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
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    std::error_code ec;
    fs::create_directories(a.out_dir, ec);
    if (ec || !fs::is_directory(a.out_dir)) throw std::runtime_error("bench: cannot create --out-dir " + a.out_dir);

    if (!a.skip_kernels) {
        modem::dsp::bench::run_kernel_bench(std::cout);
        std::cout << '\n';
    }
    modem::bench::BenchOptions opt{
        .quick = a.quick, .seed = a.seed, .trials = a.trials, .max_bits = a.bits, .progress = &std::cerr};
    std::cerr << "bench: recording the reference calls (seed " << a.seed << ")\n";
    const modem::bench::BenchInputs inputs = modem::bench::make_inputs(opt);
    modem::bench::OurImplementation ours_impl;
    const modem::bench::Figures ours = modem::bench::measure_figures(ours_impl, inputs, opt);

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
    modem::bench::print_table(std::cout, ours, theirs ? &*theirs : nullptr, note);
    std::vector<modem::bench::Figures> all{ours};
    if (theirs) all.push_back(*theirs);
    if (!ours.curves.empty()) {
        const std::string csv = (fs::path(a.out_dir) / "ber_curves.csv").string();
        const std::string png = (fs::path(a.out_dir) / "ber_curves.png").string();
        modem::bench::write_ber_csv(csv, all);
        modem::bench::plot_ber_png(png, all);
        std::cout << "wrote " << csv << " and " << png << '\n';
    }
    std::cout << "bench finished in " << std::chrono::duration<double>(clock::now() - t0).count() << " s\n";
    return 0;
}

}  // namespace

void add_bench(CLI::App& app, Action& action) {
    auto args = std::make_shared<BenchArgs>();
    auto* cmd = app.add_subcommand(
        "bench",
        "SIMD kernel speeds, then V.22bis BER/handshake/throughput figures beside spandsp's (about 2-3 min on 2 cores)");
    cmd->add_option("--out-dir", args->out_dir, "folder for ber_curves.csv and ber_curves.png (default .)");
    cmd->add_flag("--quick", args->quick, "1 dB SNR grid and a tenth of the bits (about 15-30 s)");
    cmd->add_option("--seed", args->seed, "seed of the data, noise and lines (default 1)");
    cmd->add_option("--trials", args->trials, "handshake calls (default 100)")->check(CLI::Range(1, 100000));
    cmd->add_option("--bits", args->bits, "bits per BER point (default 3e6 at 2400, 2e6 at 1200; quick 3e5, 2e5)")
        ->check(CLI::Range(std::size_t{2000}, std::size_t{100000000}));
    cmd->add_flag("--skip-spandsp", args->skip_spandsp, "do not run the spandsp companion");
    cmd->add_flag("--skip-kernels", args->skip_kernels, "do not print the SIMD kernel table");
    cmd->callback([&action, args] {
        action = [args] { return run_bench(*args); };
    });
}

}  // namespace squeal::cli
