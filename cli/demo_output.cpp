// SPDX-License-Identifier: MIT
/// \file
/// The audio output and pacing shared by `squeal demo` and `squeal play`.
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "cli/demo.hpp"

namespace squeal::cli {

LineOutput::LineOutput(const std::string& out, bool play, const std::string& device, double latency_s,
                       const std::string& hint) {
    if (play) {
        try {
            modem::audio::LineOptions o;
            o.backend = device;
            o.latency_s = latency_s;
            device_ = modem::audio::open_line(o);
        } catch (const modem::audio::AudioError& e) {
            if (out.empty())
                throw std::runtime_error(std::string("no sound device to play on (") + e.what() + "); " + hint);
            std::cerr << "squeal: no sound device to play on (" << e.what() << "); writing " << out << " only\n";
        }
    }
    if (!out.empty()) file_ = std::make_unique<modem::audio::SoundFileWriter>(out);
}

void LineOutput::write(std::span<const std::int16_t> block) {
    if (device_) {
        // The device is full duplex: reading what it recorded waits for its clock, which paces us.
        std::array<std::int16_t, 4096> ignored{};
        device_->read(std::span(ignored.data(), std::min(block.size(), ignored.size())));
        device_->write(block);
    }
    if (file_) file_->write(block);
}

void LineOutput::close() {
    if (device_) device_->close();
    if (file_) file_->close();
}

void Pacer::wait_until(modem::dsp::SampleTime t) const {
    if (!on_) return;
    std::this_thread::sleep_until(start_ + std::chrono::microseconds(t * 1'000'000 / modem::dsp::kFsHz));
}

int terminal_width() {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

}  // namespace squeal::cli
