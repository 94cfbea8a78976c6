// SPDX-License-Identifier: MIT
/// \file
/// Internal: the per-instruction-set kernel tables, defined in scalar.cpp / avx2.cpp / avx512.cpp
/// and looked up only by dispatch.cpp. No intrinsics here (style guide section 5).
#pragma once

#include "dsp/kernels/kernels.hpp"

namespace modem::dsp::kernels::detail {

/// The reference implementation; always runnable.
const Table& scalar_table() noexcept;
/// AVX2 + FMA table, or nullptr when this build has no AVX2 code (non-x86 target).
const Table* avx2_table() noexcept;
/// AVX-512 F/DQ/VL/BW table, or nullptr when this build has no AVX-512 code.
const Table* avx512_table() noexcept;

}  // namespace modem::dsp::kernels::detail
