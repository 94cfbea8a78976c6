// SPDX-License-Identifier: MIT
/// \file
/// open_line(): picks the backend named in LineOptions.
#include "audio/audio_io.hpp"
#include "audio/backends.hpp"

namespace modem::audio {

std::unique_ptr<AudioLine> open_line(const LineOptions& opts) {
    if (opts.backend.empty() || opts.backend == "file") return detail::open_file_line(opts);
    throw AudioError("audio backend '" + opts.backend + "' is not available yet");
}

}  // namespace modem::audio
