// SPDX-License-Identifier: MIT
/// \file
/// Deterministic bench inputs: a recorded V.22bis call (each far end's line signal through the
/// handshake and then PRBS data, V.22bis 6.3) and that recording replayed with AWGN switched on
/// at the start of data, as int16 so every receiver under test gets identical samples.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dsp/noise.hpp"
#include "dsp/types.hpp"
#include "modem/v22bis/v22bis.hpp"

namespace modem::bench {

using dsp::SampleTime;

/// One direction of a recorded call: what `sender` put on the line.
struct OneWay {
    v22bis::Role sender = v22bis::Role::Caller;
    std::vector<std::int16_t> samples{};///< the sender's transmit signal, int16, from the start of the call
    std::vector<std::uint8_t> bits{};   ///< the data bits it sent, in order (its bit source after connect)
    SampleTime data_from = 0;           ///< sample of its first data bit (when it asked for bit 0)
    double data_power = 0.0;            ///< mean power over [data_from, end), float units (1.0 = full scale)
};

/// A full-duplex call between two of our modems on a clean line, both directions recorded.
struct Recording {
    v22bis::Rate rate = v22bis::Rate::Bps2400;
    OneWay from_caller{};
    OneWay from_answerer{};
    [[nodiscard]] const OneWay& from(v22bis::Role sender) const noexcept {
        return sender == v22bis::Role::Caller ? from_caller : from_answerer;
    }
};

struct RecordConfig {
    v22bis::Rate rate = v22bis::Rate::Bps2400;  ///< both modems' max rate (1200: V.22 fallback handshake)
    std::size_t data_bits = 100000;             ///< data bits each side sends at least
    double tail_s = 0.5;                        ///< signal kept after the last needed bit (receiver delay)
    std::uint64_t seed = 1;                     ///< data bits of the caller and of the answerer
};

/// Runs two modem::v22bis::Modem (caller, answerer; -13 dBm0, no guard tone) back to back in
/// blocks of 160 samples on a noiseless line (each hears the other's int16 signal one block
/// later), sends seeded random bits both ways once connected, and keeps both transmit signals.
/// Deterministic: the same config gives the same recording. Throws std::runtime_error if the
/// call does not connect at cfg.rate within 10 s.
Recording record_call(const RecordConfig& cfg);

/// Mean power (float units) of samples[from, to).
double mean_power(std::span<const std::int16_t> samples, std::size_t from, std::size_t to);

/// A recorded one-way signal with white Gaussian noise added from `noise_from` on:
///   y[n] = round(32768 * (x[n] / 32768 + sigma * g[n]))  clipped to int16,
///   sigma^2 = signal_power / 10^(snr_db / 10)
/// so the SNR is the data-signal power over the noise power in 0-4 kHz (white noise at 8 kHz has
/// all its power in 0-4 kHz). g is dsp::Gaussian(seed): the same arguments give the same samples
/// everywhere. snr_db = +infinity gives the clean signal.
class NoisyPlayback {
public:
    struct Config {
        double snr_db = 20.0;
        SampleTime noise_from = 0;
        double signal_power = 0.0;  ///< float units; required > 0 unless snr_db is infinite
        std::uint64_t seed = 1;
    };
    /// `clean` must outlive the playback. Throws std::invalid_argument on a bad config.
    NoisyPlayback(std::span<const std::int16_t> clean, const Config& cfg);
    /// Writes the next min(out.size(), remaining()) samples; returns how many.
    std::size_t read(std::span<std::int16_t> out);
    [[nodiscard]] std::size_t position() const noexcept { return pos_; }
    [[nodiscard]] std::size_t remaining() const noexcept { return clean_.size() - pos_; }
    [[nodiscard]] double sigma() const noexcept { return sigma_; }

private:
    std::span<const std::int16_t> clean_;
    Config cfg_;
    double sigma_;
    dsp::Gaussian noise_;
    std::size_t pos_ = 0;
};

}  // namespace modem::bench
