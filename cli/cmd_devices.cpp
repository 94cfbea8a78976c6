// SPDX-License-Identifier: MIT
/// \file
/// `squeal devices`: lists the sound devices PortAudio can open, by the names `--audio` takes.
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"

namespace squeal::cli {

void add_devices(CLI::App& app, Action& action) {
    auto* cmd = app.add_subcommand("devices", "list sound devices (the names --audio accepts)");
    cmd->callback([&action] {
        action = [] {
            const auto devices = modem::audio::list_devices();
            std::printf("%-4s %-28s %-6s %-4s %-4s %-8s\n", "#", "name", "api", "in", "out", "rate");
            for (const auto& d : devices) {
                std::printf("%-4d %-28s %-6s %-4d %-4d %-8.0f%s%s\n", d.index, d.name.c_str(),
                            d.host_api.substr(0, 6).c_str(), d.max_input_channels, d.max_output_channels,
                            d.default_rate_hz, d.is_default_input ? " default-in" : "",
                            d.is_default_output ? " default-out" : "");
            }
            if (devices.empty()) std::printf("(no devices: start the virtual cables with scripts/virtual-audio.sh start)\n");
            return 0;
        };
    });
}

}  // namespace squeal::cli
