// SPDX-License-Identifier: MIT
/// \file
/// `squeal demo --via-cables`: the two ends of the call as two squeal processes on the virtual
/// sound cables, tapped and followed by this process for the live view and the recording.
#include <unistd.h>

#include <stdexcept>

#include "cli/demo.hpp"

namespace squeal::cli {

std::string self_path() {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw std::runtime_error("cannot find the squeal executable (/proc/self/exe)");
    return std::string(buf, static_cast<std::size_t>(n));
}

int run_over_cables(const CablesDemo&, LiveView&, bool) { throw std::runtime_error("--via-cables: not yet"); }

}  // namespace squeal::cli
