// SPDX-License-Identifier: MIT
/// \file
/// Picks the kernel table: CPU check, SQUEAL_SIMD override, select() for the CLI's --simd.
#include <array>
#include <atomic>
#include <cstdlib>

#include "dsp/kernels/tables.hpp"

namespace modem::dsp::kernels {
namespace {

bool cpu_runs(Isa isa) noexcept {
    switch (isa) {
    case Isa::Scalar:
        return true;
    case Isa::Avx2:
#if defined(__x86_64__) || defined(__i386__)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        return false;
#endif
    case Isa::Avx512:
#if defined(__x86_64__) || defined(__i386__)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
#else
        return false;
#endif
    }
    return false;
}

/// Tables compiled in and runnable on this CPU, scalar first, best last.
struct Registry {
    std::array<const Table*, 3> tables{};
    std::size_t count = 0;
    Registry() noexcept {
        tables[count++] = &detail::scalar_table();
        if (const Table* t = detail::avx2_table(); t && cpu_runs(Isa::Avx2)) tables[count++] = t;
        if (const Table* t = detail::avx512_table(); t && cpu_runs(Isa::Avx512)) tables[count++] = t;
    }
};

const Registry& registry() noexcept {
    static const Registry r;
    return r;
}

const Table* find(std::string_view name) noexcept {
    const Registry& r = registry();
    for (std::size_t i = 0; i < r.count; ++i) {
        if (to_string(r.tables[i]->isa) == name) return r.tables[i];
    }
    return nullptr;
}

/// SQUEAL_SIMD if it names a runnable table, otherwise the best one (an unknown value is ignored
/// rather than fatal: the scalar path gives the same results, only slower).
const Table* initial() noexcept {
    if (const char* env = std::getenv("SQUEAL_SIMD")) {
        if (const Table* t = find(env)) return t;
    }
    const Registry& r = registry();
    return r.tables[r.count - 1];
}

std::atomic<const Table*>& current() noexcept {
    static std::atomic<const Table*> t{initial()};
    return t;
}

}  // namespace

std::string_view to_string(Isa isa) noexcept {
    switch (isa) {
    case Isa::Scalar:
        return "scalar";
    case Isa::Avx2:
        return "avx2";
    case Isa::Avx512:
        return "avx512";
    }
    return "unknown";
}

const Table& active() noexcept { return *current().load(std::memory_order_acquire); }

bool select(std::string_view name) noexcept {
    const Table* t = find(name);
    if (!t) return false;
    current().store(t, std::memory_order_release);
    return true;
}

std::span<const Table* const> available() noexcept {
    const Registry& r = registry();
    return {r.tables.data(), r.count};
}

}  // namespace modem::dsp::kernels
