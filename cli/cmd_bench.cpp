// SPDX-License-Identifier: MIT
/// \file
/// `squeal bench`: speed of the SIMD kernels in every path this CPU runs.
#include <iostream>

#include "cli/commands.hpp"
#include "dsp/bench.hpp"

namespace squeal::cli {

void add_bench(CLI::App& app, Action& action) {
    auto* cmd = app.add_subcommand("bench", "measure ns/sample of every SIMD kernel in every available path");
    cmd->callback([&action] {
        action = [] {
            modem::dsp::bench::run_kernel_bench(std::cout);
            return 0;
        };
    });
}

}  // namespace squeal::cli
