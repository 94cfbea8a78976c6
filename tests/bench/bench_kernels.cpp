// SPDX-License-Identifier: MIT
/// \file
/// squeal_bench_kernels: prints ns/sample of every SIMD kernel and a 64-tap FIR per ISA path.
#include <iostream>

#include "dsp/bench.hpp"

int main() {
    modem::dsp::bench::run_kernel_bench(std::cout);
    return 0;
}
