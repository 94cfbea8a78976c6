// SPDX-License-Identifier: MIT
/// \file
/// Sound files through libsndfile: any readable format streamed as 8 kHz mono (libsamplerate),
/// 8 kHz (or resampled) files written by extension, and the file-backed AudioLine.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <sndfile.h>

#include "audio/audio_io.hpp"
#include "audio/backends.hpp"
#include "audio/convert.hpp"
#include "audio/resampler.hpp"
#include "dsp/types.hpp"

namespace modem::audio {
namespace {

using dsp::kFsHz;

/// Frames taken from the file per refill. Project choice: small enough for constant, tiny memory,
/// large enough that libsndfile and libsamplerate call overhead is negligible.
constexpr std::size_t kChunkFrames = 2048;

/// Channel counts beyond this are refused (libsndfile allows 1024; nothing real has more).
constexpr int kMaxChannels = 256;

/// Source rates accepted. Project choice: every real recording rate (8 kHz telephone to 768 kHz
/// studio) and well inside libsamplerate's ratio limit of 256 either way; a "1 Hz" or "10 MHz"
/// header is a damaged file, not audio.
constexpr int kMinRateHz = 1000;
constexpr int kMaxRateHz = 768000;

/// Finite samples beyond +-kMaxSample (float files) are clipped there. Project choice: 36 dB
/// above full scale, far past any real recording, and every power sum of such samples stays
/// finite in float (1e30 squared would not).
constexpr float kMaxSample = 64.0f;

/// Data chunk sizes that writers use for "length unknown" (streamed WAV); never a lie.
constexpr std::uint32_t kUnknownSizes[] = {0u, 0xFFFFFFFFu, 0x7FFFFFFFu};

std::string quoted(const std::string& path) { return "'" + path + "'"; }

std::string lower(std::string_view s) {
    std::string r(s);
    for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

/// libsndfile's message, first line only, without the trailing dot/space noise.
std::string sf_reason(SNDFILE* f) {
    std::string r = sf_strerror(f);
    if (const auto nl = r.find('\n'); nl != std::string::npos) r.resize(nl);
    while (!r.empty() && (r.back() == '.' || r.back() == ' ')) r.pop_back();
    return r;
}

std::uint32_t le32(const unsigned char* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 | static_cast<std::uint32_t>(p[2]) << 16 |
           static_cast<std::uint32_t>(p[3]) << 24;
}

/// For a RIFF/WAVE file: the size its data chunk announces and the bytes the file holds after
/// that chunk's header (nothing when the file is not RIFF/WAVE or has no data chunk in reach).
struct DataExtent {
    std::uint64_t announced = 0, present = 0;
};
std::optional<DataExtent> wav_data_extent(int fd, std::uint64_t file_size) {
    unsigned char head[12];
    if (::pread(fd, head, sizeof head, 0) != static_cast<ssize_t>(sizeof head)) return std::nullopt;
    if (std::memcmp(head, "RIFF", 4) != 0 || std::memcmp(head + 8, "WAVE", 4) != 0) return std::nullopt;
    std::uint64_t pos = 12;
    for (int chunks = 0; chunks < 64 && pos + 8 <= file_size; ++chunks) {  // 64: project choice
        unsigned char ck[8];
        if (::pread(fd, ck, sizeof ck, static_cast<off_t>(pos)) != static_cast<ssize_t>(sizeof ck)) return std::nullopt;
        const std::uint32_t size = le32(ck + 4);
        if (std::memcmp(ck, "data", 4) == 0) return DataExtent{size, file_size - (pos + 8)};
        pos += 8 + static_cast<std::uint64_t>(size) + (size & 1u);  // chunks are padded to even sizes
    }
    return std::nullopt;
}

}  // namespace

ChannelPick parse_channel_pick(std::string_view word) {
    const std::string w = lower(word);
    if (w == "mix" || w == "m") return ChannelPick::Mix;
    if (w == "left" || w == "l") return ChannelPick::Left;
    if (w == "right" || w == "r") return ChannelPick::Right;
    throw AudioError("unknown channel '" + std::string(word) + "' (use left, right or mix)");
}

// ---- reader -----------------------------------------------------------------------------------

struct SoundFileReader::Impl {
    std::string path;
    Config cfg;
    int fd = -1;
    SNDFILE* file = nullptr;
    SF_INFO info{};
    std::vector<float> interleaved;  ///< one chunk as read from the file
    std::vector<float> mono;         ///< the picked channel of that chunk
    std::vector<float> ready;        ///< 8 kHz samples not yet handed out
    std::size_t ready_pos = 0;
    std::unique_ptr<detail::Resampler> resampler;  ///< null when the file is already at 8 kHz
    bool file_done = false;
    bool all_done = false;
    std::uint64_t frames_read = 0;  ///< frames taken from the file so far

    ~Impl() {
        if (file != nullptr) sf_close(file);
        if (fd >= 0) ::close(fd);
    }

    /// Makes more samples in `ready`; sets all_done when the stream has ended.
    void refill() {
        ready.clear();
        ready_pos = 0;
        if (file_done) {
            all_done = true;
            return;
        }
        const auto ch = static_cast<std::size_t>(info.channels);
        const sf_count_t got = sf_readf_float(file, interleaved.data(), static_cast<sf_count_t>(kChunkFrames));
        if (got < static_cast<sf_count_t>(kChunkFrames)) {
            if (sf_error(file) != SF_ERR_NO_ERROR) throw AudioError("cannot read " + quoted(path) + ": " + sf_reason(file));
            file_done = true;
        }
        const auto n = static_cast<std::size_t>(got);
        // A float file can hold NaN or infinity, which would poison every filter downstream.
        for (std::size_t i = 0; i < n * ch; ++i) {
            float& x = interleaved[i];
            if (!std::isfinite(x)) {
                const double at_s = static_cast<double>(frames_read + i / ch) / info.samplerate;
                char when[32];
                std::snprintf(when, sizeof when, "%.3f", at_s);
                throw AudioError("cannot read " + quoted(path) + ": sample " + std::to_string(frames_read + i / ch) + " (at " +
                                 when + " s) is " + (std::isnan(x) ? "NaN" : "infinite") + ", not audio");
            }
            x = std::clamp(x, -kMaxSample, kMaxSample);
        }
        frames_read += n;
        // Mono = the picked channel; Mix = arithmetic mean of all channels.
        for (std::size_t i = 0; i < n; ++i) {
            const float* frame = interleaved.data() + i * ch;
            if (ch == 1 || cfg.channel == ChannelPick::Left) {
                mono[i] = frame[0];
            } else if (cfg.channel == ChannelPick::Right) {
                mono[i] = frame[1];
            } else {
                float sum = 0.0f;
                for (std::size_t c = 0; c < ch; ++c) sum += frame[c];
                mono[i] = sum / static_cast<float>(ch);
            }
        }
        const std::span<const float> chunk(mono.data(), n);
        if (resampler) {
            resampler->process(chunk, ready, file_done);
        } else {
            ready.assign(chunk.begin(), chunk.end());
        }
        if (ready.empty() && file_done) all_done = true;
    }
};

SoundFileReader::SoundFileReader(const std::string& path, const Config& cfg) : impl_(std::make_unique<Impl>()) {
    impl_->path = path;
    impl_->cfg = cfg;
    if (path.empty()) throw AudioError("no input file named");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw AudioError("cannot open " + quoted(path) + ": " + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            ::close(fd);
            throw AudioError("cannot read " + quoted(path) + ": it is a directory, not an audio file");
        }
        if (S_ISREG(st.st_mode) && st.st_size == 0) {
            ::close(fd);
            throw AudioError("cannot read " + quoted(path) + ": the file is empty (0 bytes)");
        }
        // A WAV cut short (or one whose header lies about its length): refused rather than
        // decoded as if whole. Streamed WAVs that announce an unknown length are accepted.
        if (S_ISREG(st.st_mode)) {
            if (const auto ext = wav_data_extent(fd, static_cast<std::uint64_t>(st.st_size));
                ext && ext->announced > ext->present &&
                std::find(std::begin(kUnknownSizes), std::end(kUnknownSizes), ext->announced) == std::end(kUnknownSizes)) {
                ::close(fd);
                throw AudioError("cannot read " + quoted(path) + ": truncated: its header announces " +
                                 std::to_string(ext->announced) + " bytes of audio, the file holds " +
                                 std::to_string(ext->present));
            }
        }
    }
    // The descriptor stays ours (closed by Impl after sf_close), so no failure path can close it twice.
    impl_->fd = fd;
    impl_->file = sf_open_fd(fd, SFM_READ, &impl_->info, /*close_desc=*/SF_FALSE);
    if (impl_->file == nullptr) throw AudioError("cannot read " + quoted(path) + " as audio: " + sf_reason(nullptr));
    const SF_INFO& info = impl_->info;
    if (info.channels < 1 || info.channels > kMaxChannels)
        throw AudioError("cannot read " + quoted(path) + ": unsupported channel count " + std::to_string(info.channels));
    if (info.samplerate < kMinRateHz || info.samplerate > kMaxRateHz)
        throw AudioError("cannot read " + quoted(path) + ": sample rate " + std::to_string(info.samplerate) + " Hz is outside " +
                         std::to_string(kMinRateHz) + ".." + std::to_string(kMaxRateHz) + " Hz");
    if (info.frames == 0) throw AudioError("cannot read " + quoted(path) + ": it holds no audio (0 frames)");
    const auto ch = static_cast<std::size_t>(info.channels);
    impl_->interleaved.resize(kChunkFrames * ch);
    impl_->mono.resize(kChunkFrames);
    if (info.samplerate != kFsHz) impl_->resampler = std::make_unique<detail::Resampler>(info.samplerate, kFsHz, cfg.quality);
}

SoundFileReader::~SoundFileReader() = default;

std::size_t SoundFileReader::read(std::span<float> out) {
    Impl& m = *impl_;
    std::size_t done = 0;
    while (done < out.size()) {
        if (m.ready_pos == m.ready.size()) {
            if (m.all_done) break;
            m.refill();
            continue;
        }
        const std::size_t n = std::min(out.size() - done, m.ready.size() - m.ready_pos);
        std::copy_n(m.ready.begin() + static_cast<std::ptrdiff_t>(m.ready_pos), n, out.begin() + static_cast<std::ptrdiff_t>(done));
        m.ready_pos += n;
        done += n;
    }
    return done;
}

std::size_t SoundFileReader::read(std::span<std::int16_t> out) {
    float tmp[512];
    std::size_t done = 0;
    while (done < out.size()) {
        const std::size_t want = std::min<std::size_t>(std::size(tmp), out.size() - done);
        const std::size_t got = read(std::span<float>(tmp, want));
        detail::float_to_s16(std::span<const float>(tmp, got), out.subspan(done, got));
        done += got;
        if (got < want) break;
    }
    return done;
}

int SoundFileReader::source_rate_hz() const noexcept { return impl_->info.samplerate; }
int SoundFileReader::source_channels() const noexcept { return impl_->info.channels; }
std::int64_t SoundFileReader::source_frames() const noexcept {
    // libsndfile reports SF_COUNT_MAX when it cannot know the length (pipes, some streams).
    return impl_->info.frames == SF_COUNT_MAX ? -1 : static_cast<std::int64_t>(impl_->info.frames);
}
double SoundFileReader::duration_s() const noexcept {
    const std::int64_t f = source_frames();
    return f < 0 ? -1.0 : static_cast<double>(f) / impl_->info.samplerate;
}
std::int64_t SoundFileReader::frames_8k() const noexcept {
    const std::int64_t f = source_frames();
    if (f < 0) return -1;
    return static_cast<std::int64_t>(std::llround(static_cast<double>(f) * kFsHz / impl_->info.samplerate));
}
std::string SoundFileReader::format_name() const {
    SF_FORMAT_INFO major{}, sub{};
    major.format = impl_->info.format & SF_FORMAT_TYPEMASK;
    sub.format = impl_->info.format & SF_FORMAT_SUBMASK;
    std::string r;
    r += sf_command(nullptr, SFC_GET_FORMAT_INFO, &major, sizeof(major)) == 0 && major.name ? major.name : "unknown";
    r += " / ";
    r += sf_command(nullptr, SFC_GET_FORMAT_INFO, &sub, sizeof(sub)) == 0 && sub.name ? sub.name : "unknown";
    return r;
}
const std::string& SoundFileReader::path() const noexcept { return impl_->path; }

// ---- writer -----------------------------------------------------------------------------------

struct SoundFileWriter::Impl {
    std::string path;
    int out_rate_hz = kFsHz;
    int fd = -1;
    SNDFILE* file = nullptr;
    std::unique_ptr<detail::Resampler> resampler;  ///< null when writing at 8 kHz
    std::vector<float> fbuf;
    std::vector<float> resampled;
    std::vector<std::int16_t> sbuf;
    bool regular = false;  ///< a regular file (never unlink a device, FIFO or what a symlink names)
    bool failed = false;   ///< a write failed: the file cannot be finished
    int unwinding = 0;     ///< exceptions in flight when the writer was made

    ~Impl() {
        if (file != nullptr) sf_close(file);
        if (fd >= 0) ::close(fd);
    }

    void put_s16(std::span<const std::int16_t> s) {
        if (s.empty()) return;
        const sf_count_t n = sf_writef_short(file, s.data(), static_cast<sf_count_t>(s.size()));
        if (n != static_cast<sf_count_t>(s.size())) {
            failed = true;
            throw AudioError("cannot write " + quoted(path) + ": " + sf_reason(file));
        }
    }
    void put_float(std::span<const float> f) {
        sbuf.resize(f.size());
        detail::float_to_s16(f, sbuf);
        put_s16(sbuf);
    }
    void put_resampled(std::span<const float> f, bool end) {
        resampled.clear();
        resampler->process(f, resampled, end);
        put_float(resampled);
    }
};

namespace {
/// SF format for an output path, from its extension.
int format_for(const std::string& path) {
    const auto slash = path.find_last_of('/');
    const auto dot = path.find_last_of('.');
    const std::string ext = (dot == std::string::npos || (slash != std::string::npos && dot < slash)) ? "" : lower(path.substr(dot + 1));
    if (ext == "wav") return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    if (ext == "flac") return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
    if (ext == "ogg" || ext == "oga") return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
    if (ext == "raw" || ext == "s16" || ext == "pcm") return SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE;
    if (ext == "au") return SF_FORMAT_AU | SF_FORMAT_PCM_16;
    if (ext == "aiff" || ext == "aif") return SF_FORMAT_AIFF | SF_FORMAT_PCM_16;
    if (ext.empty())
        throw AudioError("cannot write " + quoted(path) +
                         ": no file extension to choose the format from (use .wav, .flac, .ogg, .raw, .au or .aiff)");
    throw AudioError("cannot write " + quoted(path) + ": unknown extension '" + ext +
                     "' (use .wav, .flac, .ogg, .raw, .au or .aiff)");
}
}  // namespace

SoundFileWriter::SoundFileWriter(const std::string& path, int out_rate_hz) : impl_(std::make_unique<Impl>()) {
    impl_->path = path;
    impl_->out_rate_hz = out_rate_hz;
    if (path.empty()) throw AudioError("no output file named");
    // Project choice: 1 kHz to 384 kHz covers every real file format and sound card.
    if (out_rate_hz < 1000 || out_rate_hz > 384000)
        throw AudioError("cannot write " + quoted(path) + ": output rate " + std::to_string(out_rate_hz) +
                         " Hz is outside 1000..384000");
    SF_INFO info{};
    info.samplerate = out_rate_hz;
    info.channels = 1;
    info.format = format_for(path);
    if (!sf_format_check(&info))
        throw AudioError("cannot write " + quoted(path) + ": this format cannot hold mono audio at " +
                         std::to_string(out_rate_hz) + " Hz");
    // Create the file ourselves so the user gets the system's reason (permission, missing folder).
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw AudioError("cannot write " + quoted(path) + ": " + std::strerror(errno));
    impl_->fd = fd;
    impl_->unwinding = std::uncaught_exceptions();
    struct stat st{};
    impl_->regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
    impl_->file = sf_open_fd(fd, SFM_WRITE, &info, /*close_desc=*/SF_FALSE);
    if (impl_->file == nullptr) {
        const std::string why = sf_reason(nullptr);
        if (impl_->regular) ::unlink(path.c_str());  // do not leave an empty file behind
        throw AudioError("cannot write " + quoted(path) + ": " + why);
    }
    if (out_rate_hz != kFsHz) impl_->resampler = std::make_unique<detail::Resampler>(kFsHz, out_rate_hz, ResampleQuality::Medium);
}

SoundFileWriter::~SoundFileWriter() {
    Impl& m = *impl_;
    // A file that cannot be finished (a write failed, or the command is failing and unwinding)
    // is removed, never left looking complete.
    if (m.failed || std::uncaught_exceptions() > m.unwinding) {
        if (m.file != nullptr) sf_close(m.file);
        m.file = nullptr;
        if (m.fd >= 0) ::close(m.fd);
        m.fd = -1;
        if (m.regular) ::unlink(m.path.c_str());
        return;
    }
    try {
        close();
    } catch (const AudioError&) {
        // A destructor cannot report; callers who care call close() themselves.
    }
}

void SoundFileWriter::write(std::span<const std::int16_t> in) {
    Impl& m = *impl_;
    if (m.file == nullptr) throw AudioError("cannot write " + quoted(m.path) + ": already closed");
    if (!m.resampler) {
        m.put_s16(in);
        return;
    }
    m.fbuf.resize(in.size());
    detail::s16_to_float(in, m.fbuf);
    m.put_resampled(m.fbuf, false);
}

void SoundFileWriter::write(std::span<const float> in) {
    Impl& m = *impl_;
    if (m.file == nullptr) throw AudioError("cannot write " + quoted(m.path) + ": already closed");
    if (!m.resampler) {
        m.put_float(in);
        return;
    }
    m.put_resampled(in, false);
}

void SoundFileWriter::close() {
    Impl& m = *impl_;
    if (m.file == nullptr) return;
    SNDFILE* f = m.file;
    try {
        if (m.resampler) m.put_resampled({}, true);
    } catch (...) {
        m.file = nullptr;
        sf_close(f);
        ::close(m.fd);
        m.fd = -1;
        if (m.regular) ::unlink(m.path.c_str());
        throw;
    }
    m.file = nullptr;
    sf_write_sync(f);
    const int err = sf_close(f);
    // close() of the descriptor is where NFS and some filesystems report a failed write.
    const int rc = ::close(m.fd);
    const int close_errno = errno;
    m.fd = -1;
    if ((err != 0 || rc != 0) && m.regular) ::unlink(m.path.c_str());  // unfinished: not left behind
    if (err != 0) throw AudioError("cannot finish " + quoted(m.path) + ": " + sf_error_number(err));
    if (rc != 0) throw AudioError("cannot finish " + quoted(m.path) + ": " + std::strerror(close_errno));
}

const std::string& SoundFileWriter::path() const noexcept { return impl_->path; }

// ---- file line --------------------------------------------------------------------------------

namespace {

class FileLine final : public AudioLine {
public:
    explicit FileLine(const LineOptions& opts) {
        if (!opts.in_path.empty())
            reader_ = std::make_unique<SoundFileReader>(opts.in_path, SoundFileReader::Config{.channel = opts.channel});
        if (!opts.out_path.empty()) writer_ = std::make_unique<SoundFileWriter>(opts.out_path, opts.out_rate_hz);
        desc_ = "file " + (opts.in_path.empty() ? std::string("(silence)") : opts.in_path) + " -> " +
                (opts.out_path.empty() ? std::string("(discard)") : opts.out_path);
    }

    std::size_t read(std::span<std::int16_t> block) override {
        std::size_t n = block.size();
        if (reader_) {
            n = reader_->read(block);
        } else {
            std::fill(block.begin(), block.end(), std::int16_t{0});
        }
        stats_.samples_read += n;
        return n;
    }

    void write(std::span<const std::int16_t> block) override {
        if (closed_) throw AudioError(desc_ + ": write after close");
        if (writer_) writer_->write(block);
        stats_.samples_written += block.size();
    }

    void close() override {
        if (closed_) return;
        closed_ = true;
        if (writer_) writer_->close();
    }

    [[nodiscard]] LineStats stats() const override { return stats_; }
    [[nodiscard]] std::string describe() const override { return desc_; }

private:
    std::unique_ptr<SoundFileReader> reader_;
    std::unique_ptr<SoundFileWriter> writer_;
    std::string desc_;
    LineStats stats_;
    bool closed_ = false;
};

}  // namespace

std::unique_ptr<AudioLine> detail::open_file_line(const LineOptions& opts) { return std::make_unique<FileLine>(opts); }

}  // namespace modem::audio
