// SPDX-License-Identifier: MIT
/// \file
/// One interface for a full-duplex line at 8000 Hz mono int16: read a block, write a block.
/// Backends: sound files (libsndfile, any rate/channels), lockstep pipe (stdin/stdout),
/// PortAudio sound card, and an in-process simulated line (see sim_line.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

namespace modem::audio {

/// Every backend reports failures (missing file, unknown device, bad format) with this, carrying
/// one human-readable line suitable for "squeal: <what>" on stderr.
class AudioError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct LineStats {
    std::uint64_t samples_read = 0;
    std::uint64_t samples_written = 0;
    std::uint64_t xruns = 0;           ///< sound card: input overflows + output underflows seen
    std::uint64_t dropped_samples = 0; ///< sound card: samples lost because a ring was full/empty
};

/// A full-duplex line at kFsHz, mono, int16.
class AudioLine {
public:
    virtual ~AudioLine() = default;
    /// Fills `block` with the next received samples and returns how many were read. Returns
    /// block.size() while the line is up; fewer (possibly 0) only when the input has ended
    /// (end of file, closed pipe). Blocks (waits) as a real line would.
    virtual std::size_t read(std::span<std::int16_t> block) = 0;
    /// Sends `block` to the line.
    virtual void write(std::span<const std::int16_t> block) = 0;
    /// Flushes what was written and releases the backend. Idempotent. Throws AudioError on a
    /// failure to flush (for example a full disk).
    virtual void close() = 0;
    [[nodiscard]] virtual LineStats stats() const = 0;
    /// One line saying what the backend is, for messages ("file in.wav -> out.wav", "pipe", ...).
    [[nodiscard]] virtual std::string describe() const = 0;
};

/// Which channel of a multi-channel input file feeds the mono line.
enum class ChannelPick { Mix, Left, Right };

/// What to open. `backend` is "file" (in_path/out_path, either may be empty), "pipe" (stdin/stdout
/// raw s16le), or a PortAudio device name.
struct LineOptions {
    std::string backend = "file";
    std::string in_path;             ///< file backend: audio to read ("" = endless silence)
    std::string out_path;            ///< file backend: where to write ("" = discard)
    ChannelPick channel = ChannelPick::Mix;
    int out_rate_hz = 8000;          ///< file backend: output sample rate (resampled if not 8000)
    double latency_s = 0.05;         ///< sound card: suggested latency
    bool pipe_lockstep = true;       ///< pipe: write one block of silence before the first read
};

/// Opens a line per `opts`. Throws AudioError with one clear line on failure.
std::unique_ptr<AudioLine> open_line(const LineOptions& opts);

}  // namespace modem::audio
