// SPDX-License-Identifier: MIT
/// \file
/// open_line(): picks the backend named in LineOptions.
#include <unistd.h>

#include "audio/audio_io.hpp"
#include "audio/backends.hpp"

namespace modem::audio {

std::unique_ptr<AudioLine> open_line(const LineOptions& opts) {
    if (opts.backend.empty() || opts.backend == "file") return detail::open_file_line(opts);
    if (opts.backend == "pipe") return std::make_unique<PipeLine>(STDIN_FILENO, STDOUT_FILENO, opts.pipe_lockstep);
    throw AudioError("audio backend '" + opts.backend + "' is not available yet");
}

}  // namespace modem::audio
