// SPDX-License-Identifier: MIT
/// \file
/// Entry point of the `squeal` command: option parsing, SIMD selection, one-line errors.
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "dsp/kernels/kernels.hpp"

namespace squeal::cli {
std::atomic<bool> g_stop{false};
}

namespace {
extern "C" void on_signal(int) { squeal::cli::g_stop.store(true); }

/// CLI11 messages can span lines; the user gets one.
std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}
}  // namespace

int main(int argc, char** argv) {
    using namespace squeal::cli;
    CLI::App app{"squeal: a software modem handshake engine (V.25/V.8 tones, V.21, V.8, V.22bis)", "squeal"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "squeal 0.1.0");
    std::string simd;
    app.add_option("--simd", simd, "force a SIMD path: scalar, avx2 or avx512 (default: best for this CPU)");

    Action action;
    add_tone(app, action);
    add_listen(app, action);
    add_decode(app, action);
    add_devices(app, action);
    add_bench(app, action);
    add_v8(app, action);
    add_pty(app, action);
    add_demo(app, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "squeal: " << one_line(e.what()) << " (try: squeal --help)\n";
        return 2;
    }

    if (!simd.empty() && !modem::dsp::kernels::select(simd)) {
        std::cerr << "squeal: --simd " << simd << ": not one of scalar, avx2, avx512 that this CPU can run\n";
        return 2;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    try {
        return action ? action() : 0;
    } catch (const std::exception& e) {
        std::cerr << "squeal: " << one_line(e.what()) << '\n';
        return 1;
    }
}
