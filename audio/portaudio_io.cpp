// SPDX-License-Identifier: MIT
/// \file
/// PortAudio sound-card backend: a full-duplex stream whose callback only moves samples through
/// two lock-free rings; rate conversion and int16 conversion happen on the caller's thread.
#include <alsa/asoundlib.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <portaudio.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "audio/audio_io.hpp"
#include "audio/backends.hpp"
#include "audio/convert.hpp"
#include "audio/resampler.hpp"
#include "audio/spsc_ring.hpp"
#include "dsp/types.hpp"

namespace modem::audio {
namespace {

using dsp::kFsHz;
using Clock = std::chrono::steady_clock;

/// Ring size in seconds of audio at the device rate. Project choice: far above any latency
/// setting, small enough that a writer running ahead is paced within 2 s of real time.
constexpr double kRingSeconds = 2.0;
// Silence kept flowing after the last written sample at close(), beyond the stream's reported
// output latency (project choice: one server period at the latencies we ask for).
constexpr double kPlayoutMarginS = 0.05;
/// Status flags are ignored during the first 0.1 s: the first 4-5 duplex callbacks through the
/// ALSA pulse plugin always carry inputUnderflow (measured, see docs/virtual-audio.md).
constexpr double kSettleSeconds = 0.1;
/// How long the caller's thread sleeps while waiting for the callback. Project choice: far
/// below any callback period at the latencies we use (>= 20 ms).
constexpr auto kPollInterval = std::chrono::microseconds(500);
/// Samples handled per step in the callback (stack scratch, no allocation). Project choice.
constexpr std::size_t kCallbackChunk = 256;

// ---- PortAudio start-up without terminal noise ------------------------------------------------

void quiet_alsa(const char*, int, const char*, int, const char*, ...) {}

std::mutex& stderr_mutex() {
    static std::mutex m;
    return m;
}

/// Points fd 2 at /dev/null for its lifetime: PortAudio's ALSA and JACK probing print many
/// harmless lines ("ALSA lib ... Unknown PCM", "jack server is not running") that users must not see.
class StderrMuted {
public:
    StderrMuted() : lock_(stderr_mutex()) {
        std::fflush(stderr);
        saved_ = ::dup(STDERR_FILENO);
        const int nul = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (saved_ >= 0 && nul >= 0) ::dup2(nul, STDERR_FILENO);
        if (nul >= 0) ::close(nul);
    }
    ~StderrMuted() {
        std::fflush(stderr);
        if (saved_ >= 0) {
            ::dup2(saved_, STDERR_FILENO);
            ::close(saved_);
        }
    }
    StderrMuted(const StderrMuted&) = delete;
    StderrMuted& operator=(const StderrMuted&) = delete;

private:
    std::lock_guard<std::mutex> lock_;
    int saved_ = -1;
};

/// One Pa_Initialize/Pa_Terminate pair (PortAudio counts nested pairs itself).
class PaSession {
public:
    PaSession() {
        static std::once_flag once;
        std::call_once(once, [] {
            snd_lib_error_set_handler(&quiet_alsa);
            // Probing must never launch a JACK server as a side effect.
            ::setenv("JACK_NO_START_SERVER", "1", 0);
        });
        PaError err;
        {
            StderrMuted mute;
            err = Pa_Initialize();
        }
        if (err != paNoError) throw AudioError(std::string("cannot start PortAudio: ") + Pa_GetErrorText(err));
    }
    ~PaSession() { Pa_Terminate(); }
    PaSession(const PaSession&) = delete;
    PaSession& operator=(const PaSession&) = delete;
};

std::vector<DeviceInfo> enumerate() {
    std::vector<DeviceInfo> out;
    const int n = Pa_GetDeviceCount();
    if (n < 0) throw AudioError(std::string("cannot list audio devices: ") + Pa_GetErrorText(n));
    const PaDeviceIndex def_in = Pa_GetDefaultInputDevice();
    const PaDeviceIndex def_out = Pa_GetDefaultOutputDevice();
    for (int i = 0; i < n; ++i) {
        const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
        if (d == nullptr) continue;
        DeviceInfo info;
        info.index = i;
        info.name = d->name != nullptr ? d->name : "";
        const PaHostApiInfo* api = Pa_GetHostApiInfo(d->hostApi);
        info.host_api = api != nullptr && api->name != nullptr ? api->name : "";
        info.max_input_channels = d->maxInputChannels;
        info.max_output_channels = d->maxOutputChannels;
        info.default_rate_hz = d->defaultSampleRate;
        info.is_default_input = i == def_in;
        info.is_default_output = i == def_out;
        out.push_back(std::move(info));
    }
    return out;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

constexpr const char* kSeeDevices = "list them with: squeal devices";

/// Input and output device indices for `name`: exact name, else a unique case-insensitive
/// substring; "default" = the default input and output devices.
std::pair<int, int> pick_devices(const std::string& name, const std::vector<DeviceInfo>& devs) {
    if (name == "default") {
        const PaDeviceIndex in = Pa_GetDefaultInputDevice();
        const PaDeviceIndex out = Pa_GetDefaultOutputDevice();
        if (in == paNoDevice || out == paNoDevice)
            throw AudioError(std::string("no default audio device with both input and output (") + kSeeDevices + ")");
        return {in, out};
    }
    auto duplex = [](const DeviceInfo& d) { return d.max_input_channels > 0 && d.max_output_channels > 0; };
    const DeviceInfo* exact = nullptr;
    for (const auto& d : devs)
        if (d.name == name && (exact == nullptr || (!duplex(*exact) && duplex(d)))) exact = &d;
    const DeviceInfo* chosen = exact;
    if (chosen == nullptr) {
        std::vector<const DeviceInfo*> hits;
        const std::string want = lower(name);
        for (const auto& d : devs)
            if (lower(d.name).find(want) != std::string::npos) hits.push_back(&d);
        if (hits.empty()) throw AudioError("no audio device named '" + name + "' (" + kSeeDevices + ")");
        if (hits.size() > 1) {
            std::string list;
            for (const auto* h : hits) list += (list.empty() ? "'" : ", '") + h->name + "'";
            throw AudioError("audio device name '" + name + "' matches several devices: " + list +
                             " (give the full name; " + kSeeDevices + ")");
        }
        chosen = hits.front();
    }
    if (chosen->max_input_channels <= 0 || chosen->max_output_channels <= 0)
        throw AudioError("audio device '" + chosen->name + "' cannot both record and play; a modem line needs both (" +
                         kSeeDevices + ")");
    return {chosen->index, chosen->index};
}

// ---- the line ---------------------------------------------------------------------------------

/// State shared with the callback. Only atomics and the rings cross threads.
struct Shared {
    Shared(std::size_t ring_samples) : in_ring(ring_samples), out_ring(ring_samples) {}
    SpscRing<float> in_ring;   ///< callback -> caller
    SpscRing<float> out_ring;  ///< caller -> callback
    int in_channels = 1;
    int out_channels = 1;
    std::uint64_t settle_frames = 0;
    // Written by the caller, read by the callback.
    std::atomic<bool> capturing{false};  ///< set by the first read(): input before it is discarded
    std::atomic<bool> playing{false};    ///< set by the first write(): underflows before it are expected
    std::atomic<bool> draining{false};   ///< set by close(): the final underflow is expected
    // Written by the callback.
    std::atomic<std::uint64_t> xruns{0};
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<std::uint64_t> frames_seen{0};
    std::atomic<std::size_t> max_callback_frames{0};
    // Callback-only state.
    bool in_overflowing = false;
    std::uint64_t gap_samples = 0;  ///< output silence inserted since the ring last ran dry
};

int pa_callback(const void* input, void* output, unsigned long frames, const PaStreamCallbackTimeInfo*,
                PaStreamCallbackFlags flags, void* user) noexcept {
    Shared& s = *static_cast<Shared*>(user);
    const std::uint64_t seen = s.frames_seen.load(std::memory_order_relaxed);
    s.frames_seen.store(seen + frames, std::memory_order_relaxed);
    const bool settled = seen >= s.settle_frames;
    if (frames > s.max_callback_frames.load(std::memory_order_relaxed))
        s.max_callback_frames.store(frames, std::memory_order_relaxed);
    constexpr PaStreamCallbackFlags kXrunFlags = paInputUnderflow | paInputOverflow | paOutputUnderflow | paOutputOverflow;
    if (settled && (flags & kXrunFlags) != 0) s.xruns.fetch_add(1, std::memory_order_relaxed);

    float chunk[kCallbackChunk];
    if (input != nullptr && s.capturing.load(std::memory_order_acquire)) {
        const auto* in = static_cast<const float*>(input);
        const auto ch = static_cast<std::size_t>(s.in_channels);
        std::size_t lost = 0;
        for (std::size_t done = 0; done < frames;) {
            const std::size_t k = std::min<std::size_t>(kCallbackChunk, frames - done);
            // Multi-channel devices: the mono line is the mean of the channels.
            for (std::size_t i = 0; i < k; ++i) {
                float sum = 0.0f;
                for (std::size_t c = 0; c < ch; ++c) sum += in[(done + i) * ch + c];
                chunk[i] = sum / static_cast<float>(ch);
            }
            lost += k - s.in_ring.push(std::span<const float>(chunk, k));
            done += k;
        }
        if (lost > 0) {
            s.dropped.fetch_add(lost, std::memory_order_relaxed);
            if (!s.in_overflowing) s.xruns.fetch_add(1, std::memory_order_relaxed);
        }
        s.in_overflowing = lost > 0;
    }
    if (output != nullptr) {
        auto* out = static_cast<float*>(output);
        const auto ch = static_cast<std::size_t>(s.out_channels);
        std::size_t missing = 0;
        for (std::size_t done = 0; done < frames;) {
            const std::size_t k = std::min<std::size_t>(kCallbackChunk, frames - done);
            const std::size_t got = s.out_ring.pop(std::span<float>(chunk, k));
            std::fill(chunk + got, chunk + k, 0.0f);
            missing += k - got;
            for (std::size_t i = 0; i < k; ++i)
                for (std::size_t c = 0; c < ch; ++c) out[(done + i) * ch + c] = chunk[i];
            done += k;
        }
        // A gap counts once the caller's audio resumes after it: a caller that simply stopped
        // writing (end of transmission, close) is not an underflow.
        if (s.playing.load(std::memory_order_acquire) && settled && !s.draining.load(std::memory_order_acquire)) {
            if (missing < frames && s.gap_samples > 0) {
                s.dropped.fetch_add(s.gap_samples, std::memory_order_relaxed);
                s.xruns.fetch_add(1, std::memory_order_relaxed);
                s.gap_samples = 0;
            }
            s.gap_samples += missing;
        }
    }
    return paContinue;
}

class PortAudioLine final : public AudioLine {
public:
    explicit PortAudioLine(const LineOptions& opts)
        : session_(std::make_unique<PaSession>()), timeout_(opts.device_timeout_s), latency_s_(opts.latency_s) {
        // Project choice: 1 ms .. 2 s covers every sensible setting; outside it is a typo.
        if (!(opts.latency_s >= 0.001 && opts.latency_s <= 2.0))
            throw AudioError("audio latency " + std::to_string(opts.latency_s) + " s is outside 0.001..2 s");
        const auto devs = enumerate();
        const auto [in_dev, out_dev] = pick_devices(opts.backend, devs);
        name_ = devs[static_cast<std::size_t>(in_dev)].name;
        if (out_dev != in_dev) name_ += " / " + devs[static_cast<std::size_t>(out_dev)].name;
        const auto& din = devs[static_cast<std::size_t>(in_dev)];
        const auto& dout = devs[static_cast<std::size_t>(out_dev)];

        PaStreamParameters in_p{};
        in_p.device = in_dev;
        in_p.channelCount = 1;
        in_p.sampleFormat = paFloat32;
        in_p.suggestedLatency = opts.latency_s;
        PaStreamParameters out_p = in_p;
        out_p.device = out_dev;

        auto supported = [&](double rate) {
            StderrMuted mute;
            return Pa_IsFormatSupported(&in_p, &out_p, rate) == paFormatIsSupported;
        };
        // Mono if the device takes it, else its first two channels (mixed in, duplicated out).
        const double probe_rate = opts.device_rate_hz > 0 ? opts.device_rate_hz : din.default_rate_hz;
        if (!supported(probe_rate) && !supported(kFsHz)) {
            in_p.channelCount = std::min(2, din.max_input_channels);
            out_p.channelCount = std::min(2, dout.max_output_channels);
        }
        if (opts.device_rate_hz > 0) {
            rate_ = opts.device_rate_hz;
        } else if (supported(kFsHz)) {
            rate_ = kFsHz;
        } else {
            rate_ = static_cast<int>(std::lround(din.default_rate_hz));
        }

        const auto ring = static_cast<std::size_t>(kRingSeconds * rate_);
        shared_ = std::make_unique<Shared>(ring);
        shared_->in_channels = in_p.channelCount;
        shared_->out_channels = out_p.channelCount;
        shared_->settle_frames = static_cast<std::uint64_t>(kSettleSeconds * rate_);
        if (rate_ != kFsHz) {
            from_device_ = std::make_unique<detail::Resampler>(rate_, kFsHz, ResampleQuality::Medium);
            to_device_ = std::make_unique<detail::Resampler>(kFsHz, rate_, ResampleQuality::Medium);
        }
        dev_buf_.resize(shared_->in_ring.capacity());

        PaError err;
        {
            StderrMuted mute;
            // paFramesPerBufferUnspecified: a fixed small size caused silent sample slips (measured).
            err = Pa_OpenStream(&stream_, &in_p, &out_p, rate_, paFramesPerBufferUnspecified, paClipOff, &pa_callback,
                                shared_.get());
            if (err == paNoError) err = Pa_StartStream(stream_);
        }
        if (err != paNoError) {
            if (stream_ != nullptr) Pa_CloseStream(stream_);
            stream_ = nullptr;
            throw AudioError("cannot open audio device '" + name_ + "' at " + std::to_string(rate_) +
                             " Hz: " + Pa_GetErrorText(err));
        }
    }

    ~PortAudioLine() override {
        try {
            close();
        } catch (const AudioError&) {
            // Destructors do not report; close() explicitly to see errors.
        }
        if (lost_) {
            // See close(): the host API's thread may still run the callback on this state, and
            // Pa_Terminate would wait for it. Deliberately leaked (and told so to LeakSanitizer).
            auto* shared = shared_.release();
            auto* session = session_.release();
#if defined(__SANITIZE_ADDRESS__)
            __lsan_ignore_object(shared);
            __lsan_ignore_object(session);
#else
            (void)shared;
            (void)session;
#endif
        }
    }

    std::size_t read(std::span<std::int16_t> block) override {
        if (stream_ == nullptr) throw AudioError("audio device '" + name_ + "': read after close");
        shared_->capturing.store(true, std::memory_order_release);
        std::size_t done = 0;
        auto last_progress = Clock::now();
        while (done < block.size()) {
            const std::size_t before = done;
            if (!from_device_) {
                float tmp[kCallbackChunk];
                const std::size_t want = std::min(kCallbackChunk, block.size() - done);
                const std::size_t got = shared_->in_ring.pop(std::span<float>(tmp, want));
                detail::float_to_s16(std::span<const float>(tmp, got), block.subspan(done, got));
                done += got;
            } else {
                if (fifo_pos_ == fifo_.size()) {
                    fifo_.clear();
                    fifo_pos_ = 0;
                    const std::size_t got = shared_->in_ring.pop(dev_buf_);
                    if (got > 0) {
                        // Input is arriving even while the converter's filter is still filling.
                        last_progress = Clock::now();
                        from_device_->process(std::span<const float>(dev_buf_.data(), got), fifo_, false);
                    }
                }
                const std::size_t k = std::min(block.size() - done, fifo_.size() - fifo_pos_);
                detail::float_to_s16(std::span<const float>(fifo_.data() + fifo_pos_, k), block.subspan(done, k));
                fifo_pos_ += k;
                done += k;
            }
            if (done > before) {
                last_progress = Clock::now();
                continue;
            }
            if (done < block.size()) {
                if (seconds_since(last_progress) > timeout_) {
                    lost_ = true;
                    throw AudioError("no audio from device '" + name_ + "' for " + fmt_seconds(timeout_) + " s");
                }
                std::this_thread::sleep_for(kPollInterval);
            }
        }
        stats_.samples_read += done;
        return done;
    }

    void write(std::span<const std::int16_t> block) override {
        if (stream_ == nullptr) throw AudioError("audio device '" + name_ + "': write after close");
        if (!shared_->playing.load(std::memory_order_relaxed)) {
            // A duplex callback hands over input and takes output at the same moment, so a caller
            // that writes what it read is always one callback plus one block late: start the
            // output with that much silence, plus the latency as slack for scheduling delays.
            const double block_at_rate = static_cast<double>(block.size()) * rate_ / kFsHz;
            const auto prime = static_cast<std::size_t>(latency_s_ * rate_ + block_at_rate) +
                               shared_->max_callback_frames.load(std::memory_order_relaxed);
            shared_->out_ring.push_fill(0.0f, prime);
        }
        conv_.resize(block.size());
        detail::s16_to_float(block, conv_);
        if (to_device_) {
            resampled_.clear();
            to_device_->process(conv_, resampled_, false);
            push_waiting(resampled_);
        } else {
            push_waiting(conv_);
        }
        shared_->playing.store(true, std::memory_order_release);
        stats_.samples_written += block.size();
    }

    void close() override {
        if (stream_ == nullptr) return;
        if (lost_) {
            // The device went away (the sound server stopped, a USB card pulled): stopping or
            // closing the stream can then block for ever inside the host API (PulseAudio's ALSA
            // plugin waits on a lock its dead server connection holds; measured). The stream,
            // its shared state and PortAudio itself are abandoned to the process exit instead.
            stream_ = nullptr;
            return;
        }
        shared_->draining.store(true, std::memory_order_release);
        // Let the callback take everything written, then Pa_StopStream plays the host buffers out.
        const auto start = Clock::now();
        const double limit = kRingSeconds + 1.0;
        while (shared_->out_ring.readable() > 0 && Pa_IsStreamActive(stream_) == 1 && seconds_since(start) < limit)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        // What the callback took last is still in the host's buffers, up to the stream's output
        // latency of it, and Pa_StopStream through PulseAudio's ALSA plugin drops rather than
        // plays them (measured: a 0.3 s burst written then closed lost its last 0-110 ms, more
        // under AddressSanitizer or with the other core busy). So the callback sends silence
        // behind it for that long first.
        if (shared_->playing.load(std::memory_order_acquire) && Pa_IsStreamActive(stream_) == 1) {
            const PaStreamInfo* info = Pa_GetStreamInfo(stream_);
            const double wait_s = info != nullptr ? std::min(info->outputLatency, 1.0) + kPlayoutMarginS : kPlayoutMarginS;
            std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
        }
        PaError err;
        {
            StderrMuted mute;
            err = Pa_StopStream(stream_);
            const PaError err2 = Pa_CloseStream(stream_);
            if (err == paNoError) err = err2;
        }
        stream_ = nullptr;
        session_.reset();
        if (err != paNoError) throw AudioError("audio device '" + name_ + "': cannot stop: " + Pa_GetErrorText(err));
    }

    [[nodiscard]] LineStats stats() const override {
        LineStats s = stats_;
        s.xruns = shared_->xruns.load(std::memory_order_relaxed);
        s.dropped_samples = shared_->dropped.load(std::memory_order_relaxed);
        return s;
    }

    [[nodiscard]] std::string describe() const override {
        return "sound card '" + name_ + "' at " + std::to_string(rate_) + " Hz" + (rate_ != kFsHz ? " (resampled)" : "") +
               ", latency " + fmt_seconds(latency_s_) + " s";
    }

private:
    static double seconds_since(Clock::time_point t) {
        return std::chrono::duration<double>(Clock::now() - t).count();
    }
    static std::string fmt_seconds(double s) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", s);
        return buf;
    }

    void push_waiting(std::span<const float> data) {
        auto last_progress = Clock::now();
        while (!data.empty()) {
            const std::size_t n = shared_->out_ring.push(data);
            data = data.subspan(n);
            if (n > 0) {
                last_progress = Clock::now();
            } else if (seconds_since(last_progress) > timeout_) {
                lost_ = true;
                throw AudioError("audio device '" + name_ + "' stopped playing (output blocked for " +
                                 fmt_seconds(timeout_) + " s)");
            } else {
                std::this_thread::sleep_for(kPollInterval);
            }
        }
    }

    std::unique_ptr<PaSession> session_;  ///< first member: PortAudio outlives everything below
    double timeout_;
    double latency_s_;
    std::string name_;
    int rate_ = kFsHz;
    std::unique_ptr<Shared> shared_;
    PaStream* stream_ = nullptr;
    std::unique_ptr<detail::Resampler> from_device_;
    std::unique_ptr<detail::Resampler> to_device_;
    std::vector<float> dev_buf_;    ///< device-rate input popped from the ring
    std::vector<float> fifo_;       ///< 8 kHz input not yet handed out
    std::size_t fifo_pos_ = 0;
    std::vector<float> conv_;
    std::vector<float> resampled_;
    LineStats stats_;
    bool lost_ = false;  ///< the device stopped moving samples: never stop or close it (see close())
};

/// Keeps PortAudio initialised while enumerating (and tears it down after).
std::vector<DeviceInfo> list_with_session() {
    PaSession session;
    return enumerate();
}

}  // namespace

bool have_portaudio() noexcept { return true; }

std::vector<DeviceInfo> list_devices() { return list_with_session(); }

std::unique_ptr<AudioLine> detail::open_portaudio_line(const LineOptions& opts) {
    return std::make_unique<PortAudioLine>(opts);
}

}  // namespace modem::audio
