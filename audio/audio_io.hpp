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
#include <string_view>
#include <vector>

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
    /// True once the far end has gone away in a way that write() cannot report (a pipe whose
    /// reader closed). A transmit-only loop should stop when this turns true. Default: never.
    [[nodiscard]] virtual bool ended() const { return false; }
};

/// Which channel of a multi-channel input file feeds the mono line. For a mono file every pick
/// gives the one channel. Left = channel 0, Right = channel 1, Mix = mean of all channels.
enum class ChannelPick { Mix, Left, Right };

/// "mix", "left", "right" (also "l", "r", "m"; case-insensitive) to ChannelPick. Throws
/// AudioError naming the accepted words for anything else.
ChannelPick parse_channel_pick(std::string_view word);

/// What to open. `backend` is "file" (in_path/out_path, either may be empty), "pipe" (stdin/stdout
/// raw s16le), or a PortAudio device name.
struct LineOptions {
    std::string backend = "file";
    /// file backend: audio to read. "" = no input: read() returns endless silence (full blocks),
    /// for commands that only generate audio.
    std::string in_path;
    std::string out_path;            ///< file backend: where to write ("" = discard)
    ChannelPick channel = ChannelPick::Mix;
    int out_rate_hz = 8000;          ///< file backend: output sample rate (resampled if not 8000)
    double latency_s = 0.05;         ///< sound card: suggested latency (0.02-0.1 s measured to work)
    bool pipe_lockstep = true;       ///< pipe: write one block of silence before the first read
    /// sound card: rate to open the device at. 0 = 8000 if the device accepts it, else the
    /// device's default rate (converted to/from 8000 with libsamplerate outside the callback).
    int device_rate_hz = 0;
    /// sound card: read() throws AudioError when no input arrives for this long.
    double device_timeout_s = 2.0;
};

/// Opens a line per `opts`. Throws AudioError with one clear line on failure.
std::unique_ptr<AudioLine> open_line(const LineOptions& opts);

// ---- Sound cards ------------------------------------------------------------------------------

/// One PortAudio device, as `squeal devices` shows it.
struct DeviceInfo {
    int index = -1;                 ///< PortAudio device index
    std::string name;               ///< the name open_line() matches against
    std::string host_api;           ///< "ALSA", "JACK Audio Connection Kit", ...
    int max_input_channels = 0;
    int max_output_channels = 0;
    double default_rate_hz = 0.0;
    bool is_default_input = false;
    bool is_default_output = false;
};

/// Every PortAudio device (ALSA/JACK diagnostics are kept off the terminal). Throws AudioError if
/// PortAudio cannot start or the build has no PortAudio backend.
std::vector<DeviceInfo> list_devices();

/// True when this build has the PortAudio backend.
bool have_portaudio() noexcept;

// ---- Sound files ------------------------------------------------------------------------------

/// How the file reader converts rates (libsamplerate converter). Project choice: Medium keeps
/// 90 % of the 4 kHz band (flat to 3.6 kHz, above every modem signal) at a fraction of Best's cost.
enum class ResampleQuality { Best, Medium, Fastest };

/// Streams any file libsndfile can read as mono float samples at 8000 Hz (1.0 = int16 full
/// scale), in constant memory whatever the file's length. Files already at 8000 Hz are passed
/// through without resampling (bit-exact for 16-bit PCM).
class SoundFileReader {
public:
    struct Config {
        ChannelPick channel = ChannelPick::Mix;
        ResampleQuality quality = ResampleQuality::Medium;
    };
    /// Opens `path`. Throws AudioError (one line) for a missing, empty, unreadable or non-audio file.
    explicit SoundFileReader(const std::string& path, const Config& cfg);
    explicit SoundFileReader(const std::string& path) : SoundFileReader(path, Config{}) {}
    ~SoundFileReader();
    SoundFileReader(const SoundFileReader&) = delete;
    SoundFileReader& operator=(const SoundFileReader&) = delete;

    /// Fills `out` with the next samples at 8 kHz; returns how many (fewer than out.size() only
    /// at the end of the file, then 0). The samples do not depend on how reads are sized.
    std::size_t read(std::span<float> out);
    /// Same, rounded and clipped to int16.
    std::size_t read(std::span<std::int16_t> out);

    [[nodiscard]] int source_rate_hz() const noexcept;
    [[nodiscard]] int source_channels() const noexcept;
    /// Frames in the file at its own rate (-1 if libsndfile cannot tell).
    [[nodiscard]] std::int64_t source_frames() const noexcept;
    /// Length in seconds (-1 if unknown).
    [[nodiscard]] double duration_s() const noexcept;
    /// Expected number of 8 kHz samples (rounded; -1 if unknown).
    [[nodiscard]] std::int64_t frames_8k() const noexcept;
    /// Container and encoding, e.g. "WAV (Microsoft) / Signed 16 bit PCM".
    [[nodiscard]] std::string format_name() const;
    [[nodiscard]] const std::string& path() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Writes 8 kHz mono samples to a file whose format follows the extension: .wav (16-bit PCM),
/// .flac (16-bit), .ogg/.oga (Vorbis), .raw/.s16 (headerless s16le), .au, .aiff/.aif. The output
/// rate is `out_rate_hz` (resampled from 8000 in a streaming way when different).
class SoundFileWriter {
public:
    /// Creates the file now, so an unwritable path fails here, not at close(). Throws AudioError.
    SoundFileWriter(const std::string& path, int out_rate_hz = 8000);
    ~SoundFileWriter();
    SoundFileWriter(const SoundFileWriter&) = delete;
    SoundFileWriter& operator=(const SoundFileWriter&) = delete;

    void write(std::span<const std::int16_t> in);
    void write(std::span<const float> in);
    /// Flushes the resampler and the file. Idempotent; throws AudioError on a write failure.
    void close();
    [[nodiscard]] const std::string& path() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// ---- Pipes ------------------------------------------------------------------------------------

/// Raw s16le mono 8 kHz over two file descriptors (stdin/stdout for `--audio pipe`). Lockstep
/// mode: before a read() of n samples the line makes sure it has sent at least (samples received
/// so far + n) samples, sending silence for any shortfall. So the first read() sends one block of
/// silence, and a program that reads and then writes a block of the same length never adds more;
/// one that only reads still feeds its peer. Two programs joined by two pipes or FIFOs therefore
/// never wait on each other. End of input: read() returns fewer samples.
/// A reader that went away (EPIPE; SIGPIPE is ignored process-wide once a pipe line exists):
/// write() discards, ended() turns true and read() returns 0.
class PipeLine final : public AudioLine {
public:
    /// Does not take ownership of the descriptors unless `owns_fds`.
    PipeLine(int in_fd, int out_fd, bool lockstep, bool owns_fds = false);
    ~PipeLine() override;
    PipeLine(const PipeLine&) = delete;
    PipeLine& operator=(const PipeLine&) = delete;

    std::size_t read(std::span<std::int16_t> block) override;
    void write(std::span<const std::int16_t> block) override;
    void close() override;
    [[nodiscard]] LineStats stats() const override;
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] bool ended() const override;

private:
    void write_all(const std::int16_t* data, std::size_t n);
    void send_silence(std::size_t n);

    int in_fd_;
    int out_fd_;
    bool lockstep_;
    bool owns_fds_;
    bool in_eof_ = false;
    bool out_closed_ = false;
    bool closed_ = false;
    std::uint64_t sent_ = 0;      ///< samples put on out_fd, silence included
    std::uint64_t received_ = 0;  ///< samples taken from in_fd
    int pending_byte_ = -1;     ///< odd byte left over from a partial read, or -1
    LineStats stats_;
};

}  // namespace modem::audio
