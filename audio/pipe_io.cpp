// SPDX-License-Identifier: MIT
/// \file
/// Raw s16le mono 8 kHz over a pair of file descriptors, in lockstep so that two programs joined
/// by two pipes never wait on each other.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include "audio/audio_io.hpp"

namespace modem::audio {
namespace {

constexpr bool kHostIsLittleEndian = std::endian::native == std::endian::little;

/// Samples converted per write() call when the host must byte-swap. Project choice.
constexpr std::size_t kSwapChunk = 1024;

[[maybe_unused]] std::int16_t swap16(std::int16_t v) noexcept {  // big-endian hosts only
    const auto u = static_cast<std::uint16_t>(v);
    return static_cast<std::int16_t>(static_cast<std::uint16_t>((u >> 8) | (u << 8)));
}

/// Waits until `fd` is ready for `events`, for descriptors opened non-blocking by someone else.
void wait_ready(int fd, short events) {
    pollfd p{fd, events, 0};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
}

/// A reader that goes away must end the line, not kill the process.
void ignore_sigpipe() {
    struct sigaction sa{};
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGPIPE, &sa, nullptr);
}

}  // namespace

PipeLine::PipeLine(int in_fd, int out_fd, bool lockstep, bool owns_fds)
    : in_fd_(in_fd), out_fd_(out_fd), lockstep_(lockstep), owns_fds_(owns_fds) {
    if (in_fd < 0 || out_fd < 0) throw AudioError("pipe: invalid file descriptor");
    ignore_sigpipe();
}

PipeLine::~PipeLine() {
    try {
        close();
    } catch (const AudioError&) {
        // Destructors do not report; close() explicitly to see errors.
    }
}

void PipeLine::write_all(const std::int16_t* data, std::size_t n) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(data);
    std::size_t left = n * sizeof(std::int16_t);
    while (left > 0 && !out_closed_) {
        const ssize_t w = ::write(out_fd_, bytes, left);
        if (w > 0) {
            bytes += w;
            left -= static_cast<std::size_t>(w);
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            wait_ready(out_fd_, POLLOUT);
        } else if (w < 0 && errno == EPIPE) {
            out_closed_ = true;  // the reader is gone: the line has ended
        } else {
            throw AudioError(std::string("pipe: cannot write audio: ") + (w < 0 ? std::strerror(errno) : "no progress"));
        }
    }
    sent_ += n;
}

void PipeLine::send_silence(std::size_t n) {
    static constexpr std::int16_t kZeros[256] = {};
    while (n > 0 && !out_closed_) {
        const std::size_t k = std::min(n, std::size(kZeros));
        write_all(kZeros, k);
        n -= k;
    }
}

std::size_t PipeLine::read(std::span<std::int16_t> block) {
    if (closed_) throw AudioError("pipe: read after close");
    if (out_closed_ || in_eof_ || block.empty()) return 0;
    // Lockstep: have sent at least everything received so far plus this block before waiting.
    if (lockstep_ && sent_ < received_ + block.size()) send_silence(received_ + block.size() - sent_);
    if (out_closed_) return 0;

    auto* bytes = reinterpret_cast<unsigned char*>(block.data());
    const std::size_t want = block.size() * sizeof(std::int16_t);
    std::size_t have = 0;
    if (pending_byte_ >= 0) {
        bytes[have++] = static_cast<unsigned char>(pending_byte_);
        pending_byte_ = -1;
    }
    while (have < want) {
        const ssize_t r = ::read(in_fd_, bytes + have, want - have);
        if (r > 0) {
            have += static_cast<std::size_t>(r);
        } else if (r == 0) {
            in_eof_ = true;
            break;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            wait_ready(in_fd_, POLLIN);
        } else {
            throw AudioError(std::string("pipe: cannot read audio: ") + std::strerror(errno));
        }
    }
    const std::size_t n = have / sizeof(std::int16_t);
    if (have % sizeof(std::int16_t) != 0) pending_byte_ = bytes[have - 1];  // only at EOF: dropped
    if constexpr (!kHostIsLittleEndian) {
        for (std::size_t i = 0; i < n; ++i) block[i] = swap16(block[i]);
    }
    received_ += n;
    stats_.samples_read += n;
    return n;
}

void PipeLine::write(std::span<const std::int16_t> block) {
    if (closed_) throw AudioError("pipe: write after close");
    stats_.samples_written += block.size();
    if (out_closed_) return;
    if constexpr (kHostIsLittleEndian) {
        write_all(block.data(), block.size());
    } else {
        std::int16_t tmp[kSwapChunk];
        for (std::size_t i = 0; i < block.size(); i += kSwapChunk) {
            const std::size_t k = std::min(kSwapChunk, block.size() - i);
            for (std::size_t j = 0; j < k; ++j) tmp[j] = swap16(block[i + j]);
            write_all(tmp, k);
        }
    }
}

void PipeLine::close() {
    if (closed_) return;
    closed_ = true;
    if (owns_fds_) {
        ::close(in_fd_);
        if (out_fd_ != in_fd_ && ::close(out_fd_) != 0 && errno != EINTR && !out_closed_)
            throw AudioError(std::string("pipe: cannot close output: ") + std::strerror(errno));
    }
}

LineStats PipeLine::stats() const { return stats_; }

std::string PipeLine::describe() const {
    std::string d = in_fd_ == STDIN_FILENO && out_fd_ == STDOUT_FILENO
                        ? "pipe stdin/stdout"
                        : "pipe fd " + std::to_string(in_fd_) + "/" + std::to_string(out_fd_);
    return d + " (s16le mono 8000 Hz" + (lockstep_ ? ", lockstep)" : ")");
}

bool PipeLine::ended() const { return out_closed_; }

}  // namespace modem::audio
