// SPDX-License-Identifier: MIT
/// \file
/// Kernel micro-benchmark shared by the squeal_bench_kernels tool and `squeal bench`.
#pragma once

#include <iosfwd>

namespace modem::dsp::bench {

/// Times every kernel of every table in kernels::available(), plus a 64-tap Fir<float> and
/// Fir<cf32> on each path, and prints one row per kernel with ns/sample per ISA. Takes about a
/// second. Restores the active table afterwards. Not for the real-time path (it allocates and
/// prints).
void run_kernel_bench(std::ostream& os);

}  // namespace modem::dsp::bench
