// SPDX-License-Identifier: MIT
/// \file
/// A bank of independent V.22bis modems (one per line) stepped by one thread in blocks, for
/// servers that answer many lines (multi-channel engine of issue 8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "modem/v22bis/modem.hpp"

namespace modem::bank {

/// N independent v22bis::Modem, one per line, processed channel after channel on one thread.
///
/// Layout: the modems live side by side in one allocation (no per-modem heap block for the
/// objects themselves), and the bank's audio is planar: channel c's block is samples
/// [c * block, (c + 1) * block) of one int16 array in and one out. The int16 <-> float
/// conversions can therefore run either across all channels in one kernel call (Conversion::
/// Batched: one long vector loop over N * block samples) or channel by channel just before and
/// after each modem (Conversion::PerChannel: the converted block is still in L1 when the modem
/// reads it). Both give identical samples; `squeal bench --channels` measures which is faster.
///
/// The modems' own signal processing stays per channel: their receivers and transmitters already
/// run their inner loops (filter banks, equaliser, pulse accumulation) through the SIMD kernels
/// within one channel, and the per-channel state (timing phase, equaliser taps, carrier phase)
/// diverges from channel to channel, so there is no common instruction stream across channels to
/// vectorise without changing results.
///
/// Results: every modem sees exactly the samples and calls it would see alone with the same block
/// size, so the bank's output equals N separately run modems' output bit for bit (tests/bank).
class Bank {
public:
    enum class Conversion { PerChannel, Batched };
    struct Config {
        std::vector<v22bis::Modem::Config> channels{};  ///< one modem per entry
        std::size_t block = 160;                        ///< samples per channel per step (project choice: 20 ms)
        Conversion conversion = Conversion::PerChannel;
    };
    /// Throws std::invalid_argument for no channels or a zero block, or from a modem's Config.
    explicit Bank(const Config& cfg);
    ~Bank();
    Bank(const Bank&) = delete;
    Bank& operator=(const Bank&) = delete;

    [[nodiscard]] std::size_t channels() const noexcept { return n_; }
    [[nodiscard]] std::size_t block() const noexcept { return cfg_.block; }
    /// One step: in and out hold channels() * block() samples, planar (see the class comment).
    /// Throws std::invalid_argument on other sizes.
    void process(std::span<const std::int16_t> in, std::span<std::int16_t> out);

    /// Channel c's modem (to set its bit sources and sinks, read its state). Throws
    /// std::out_of_range for c >= channels().
    [[nodiscard]] v22bis::Modem& modem(std::size_t c);
    [[nodiscard]] const v22bis::Modem& modem(std::size_t c) const;

    /// Bytes of one modem slot in the bank's array (sizeof, aligned).
    [[nodiscard]] std::size_t slot_bytes() const noexcept { return slot_; }

private:
    [[nodiscard]] v22bis::Modem* at(std::size_t c) const noexcept;  // unchecked
    Config cfg_;
    std::size_t n_ = 0;
    std::size_t slot_ = 0;
    std::size_t built_ = 0;                   // modems constructed so far (for a throwing constructor)
    std::unique_ptr<std::byte[]> storage_;    // n_ slots, each alignof(Modem)-aligned
    std::byte* base_ = nullptr;
    std::vector<float> fin_, fout_;           // planar float audio (Batched: all channels; else one)
};

}  // namespace modem::bank
