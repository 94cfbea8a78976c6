// SPDX-License-Identifier: MIT
/// \file
/// Internal constructors of the backends behind open_line(); not part of the public interface.
#pragma once

#include <memory>

#include "audio/audio_io.hpp"

namespace modem::audio::detail {

/// File backend: in_path (or endless silence) -> read(), write() -> out_path (or discard).
std::unique_ptr<AudioLine> open_file_line(const LineOptions& opts);

/// Sound-card backend: opts.backend names the device. Throws AudioError if built without PortAudio.
std::unique_ptr<AudioLine> open_portaudio_line(const LineOptions& opts);

}  // namespace modem::audio::detail
