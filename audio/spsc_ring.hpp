// SPDX-License-Identifier: MIT
/// \file
/// Lock-free single-producer/single-consumer ring that carries samples between the PortAudio
/// callback and the DSP thread without locks or allocation on either side.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

namespace modem::audio {

/// Bounded FIFO for exactly one producer thread and one consumer thread. push()/pop() are
/// wait-free, noexcept and never allocate; only the constructor allocates. Capacity is rounded up
/// to a power of two. Head and tail are free-running counters (wrap-around of size_t is harmless
/// because only their difference is used).
template <class T>
class SpscRing {
    static_assert(std::is_trivially_copyable_v<T>, "SpscRing copies elements with plain assignment");

public:
    /// Holds at least `min_capacity` elements (at least 1).
    explicit SpscRing(std::size_t min_capacity) : buf_(round_up_pow2(min_capacity)), mask_(buf_.size() - 1) {}

    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    [[nodiscard]] std::size_t capacity() const noexcept { return buf_.size(); }

    /// Producer: appends as many of `in` as fit; returns how many were taken.
    std::size_t push(std::span<const T> in) noexcept {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        const std::size_t head = head_.load(std::memory_order_acquire);
        const std::size_t n = std::min(in.size(), capacity() - (tail - head));
        for (std::size_t i = 0; i < n; ++i) buf_[(tail + i) & mask_] = in[i];
        tail_.store(tail + n, std::memory_order_release);
        return n;
    }

    /// Producer: appends `n` copies of `value` as far as they fit; returns how many.
    std::size_t push_fill(const T& value, std::size_t n) noexcept {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        const std::size_t head = head_.load(std::memory_order_acquire);
        n = std::min(n, capacity() - (tail - head));
        for (std::size_t i = 0; i < n; ++i) buf_[(tail + i) & mask_] = value;
        tail_.store(tail + n, std::memory_order_release);
        return n;
    }

    /// Consumer: removes up to out.size() elements into `out`; returns how many.
    std::size_t pop(std::span<T> out) noexcept {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        const std::size_t tail = tail_.load(std::memory_order_acquire);
        const std::size_t n = std::min(out.size(), tail - head);
        for (std::size_t i = 0; i < n; ++i) out[i] = buf_[(head + i) & mask_];
        head_.store(head + n, std::memory_order_release);
        return n;
    }

    /// Elements ready for the consumer (exact when called by the consumer, a lower bound otherwise).
    [[nodiscard]] std::size_t readable() const noexcept {
        return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
    }
    /// Free slots for the producer (exact when called by the producer, a lower bound otherwise).
    [[nodiscard]] std::size_t writable() const noexcept { return capacity() - readable(); }

private:
    static std::size_t round_up_pow2(std::size_t n) {
        std::size_t c = 1;
        while (c < n) c <<= 1;
        return c;
    }

    // 64 bytes: the cache line of every x86-64 and most ARM cores; keeps producer and consumer
    // indices from sharing a line (std::hardware_destructive_interference_size warns on GCC).
    static constexpr std::size_t kCacheLine = 64;

    std::vector<T> buf_;
    std::size_t mask_;
    alignas(kCacheLine) std::atomic<std::size_t> head_{0};  ///< written by the consumer only
    alignas(kCacheLine) std::atomic<std::size_t> tail_{0};  ///< written by the producer only
};

}  // namespace modem::audio
