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
    return detail::open_portaudio_line(opts);
}

#ifndef SQUEAL_WITH_PORTAUDIO
bool have_portaudio() noexcept { return false; }

std::vector<DeviceInfo> list_devices() {
    throw AudioError("this squeal was built without sound-card support (SQUEAL_WITH_PORTAUDIO=OFF)");
}

std::unique_ptr<AudioLine> detail::open_portaudio_line(const LineOptions& opts) {
    throw AudioError("cannot open audio device '" + opts.backend +
                     "': this squeal was built without sound-card support (use files or --audio pipe)");
}
#endif

}  // namespace modem::audio
