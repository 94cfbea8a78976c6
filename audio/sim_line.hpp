// SPDX-License-Identifier: MIT
/// \file
/// Simulated telephone line: two endpoints in one process, with level, noise, frequency offset,
/// clock skew, delay, 300-3400 Hz band-pass with delay distortion, talker echo, G.711 coding
/// (A-law and mu-law, in tandem), dropouts and noise bursts per direction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "audio/audio_io.hpp"
#include "dsp/biquad.hpp"

namespace modem::audio {

namespace detail {
struct SimCore;
}

/// G.711 (11/88) companding of 16-bit linear samples, as the digital network codes speech:
/// A-law (Table 1/G.711, 13-bit magnitude segments, even bits inverted) and mu-law (Table 2/G.711,
/// 14-bit, bias 33, all bits inverted). Negative inputs are taken in one's complement before
/// coding, as the ITU-T G.191 reference software does, so -1 codes like 0.
namespace g711 {
enum class Law : std::uint8_t { ALaw, MuLaw };
[[nodiscard]] std::uint8_t alaw_encode(std::int16_t x) noexcept;
/// The decision interval's mid value, on the 16-bit scale (0xD5 -> +8).
[[nodiscard]] std::int16_t alaw_decode(std::uint8_t code) noexcept;
[[nodiscard]] std::uint8_t ulaw_encode(std::int16_t x) noexcept;
/// The decision interval's mid value, on the 16-bit scale (0xFF -> 0).
[[nodiscard]] std::int16_t ulaw_decode(std::uint8_t code) noexcept;
/// encode then decode with `law`.
[[nodiscard]] std::int16_t code(Law law, std::int16_t x) noexcept;
}  // namespace g711

/// One end of a SimLine, usable wherever an AudioLine is (modem code cannot tell it from a file
/// or a sound card). Single-threaded lockstep: write(n) pushes n samples into this endpoint's
/// transmit direction; read(n) always returns n samples (until close()). The line delay is
/// pre-filled with silence; if the far end has not written enough yet (read before write with a
/// delay shorter than the block), the shortfall is read as silence and counted in
/// stats().xruns (events) and stats().dropped_samples (samples of inserted silence).
class SimEndpoint : public AudioLine {
public:
    std::size_t read(std::span<std::int16_t> block) override;
    /// Throws AudioError after close().
    void write(std::span<const std::int16_t> block) override;
    void close() override;
    [[nodiscard]] LineStats stats() const override;
    [[nodiscard]] std::string describe() const override;

private:
    friend class SimLine;
    SimEndpoint(std::shared_ptr<detail::SimCore> core, int side) : core_(std::move(core)), side_(side) {}
    std::shared_ptr<detail::SimCore> core_;
    int side_;  // 0 = A, 1 = B
};

class SimLine {
public:
    /// Part of an endpoint's own transmit signal returned to its own receive (hybrid echo).
    struct Echo {
        double gain_db = -20.0;  ///< echo level relative to the transmitted signal
        double delay_ms = 10.0;  ///< round-trip delay of the echo, >= 0
    };
    /// The line goes dead (silence, no noise either) from at_ms for duration_ms.
    struct Dropout {
        double at_ms = 0.0;        ///< >= 0, on the direction's own clock (see Direction)
        double duration_ms = 0.0;  ///< >= 0
    };
    /// White Gaussian noise at level_dbm0 added from at_ms for duration_ms (impulsive line noise,
    /// a crackle, someone picking up an extension).
    struct NoiseBurst {
        double at_ms = 0.0;
        double duration_ms = 0.0;
        double level_dbm0 = -20.0;
    };
    /// Impairments of one direction (sender -> receiver), applied in this order:
    /// clock skew, band-pass / delay distortion, frequency offset, gain, noise, noise bursts,
    /// G.711 coding, dropouts, delay. Times of dropouts and bursts count the samples leaving the
    /// chain (before the bulk delay): sample n is at n / 8 ms.
    struct Direction {
        double gain_db = 0.0;  ///< level change of the signal (not of the noise)
        /// AWGN relative to the received signal power (after gain): the noise power for each
        /// window of snr_window_ms is the signal power of the previous window divided by
        /// 10^(snr_db/10). Windows more than 30 dB below the last reference count as silence and
        /// keep the reference, so noise continues through pauses; before the first window with
        /// signal there is no relative noise.
        std::optional<double> snr_db = std::nullopt;
        /// AWGN at a fixed level in dBm0 (see dsp/types.hpp), present from the first sample.
        /// May be combined with snr_db (the two noises add).
        std::optional<double> noise_dbm0 = std::nullopt;
        double snr_window_ms = 100.0;
        /// Shifts every frequency by this much (Hilbert transform, complex mix, real part);
        /// adds the Hilbert transformer's delay (a few ms) when non-zero.
        double freq_offset_hz = 0.0;
        /// The sender's clock error: a tone sent at f arrives at f * (1 + clock_ppm * 1e-6), and
        /// n samples sent become about n / (1 + clock_ppm * 1e-6) received. Adds the resampler's
        /// delay when non-zero. |clock_ppm| <= 1000. Because the endpoints run in lockstep, a
        /// positive value also adds clock_cushion_ms of delay as a cushion against the slow sender
        /// running dry (after that, reads insert silence and count it in stats()); a negative
        /// value makes the delay grow slowly instead.
        double clock_ppm = 0.0;
        /// Silence queued ahead for a slow-clock sender (clock_ppm > 0): it adds this much delay
        /// and lasts clock_cushion_ms / clock_ppm * 1e3 s of line time (250 ms: 41 min at 100 ppm).
        /// A longer simulated call needs a longer cushion. Project choice.
        double clock_cushion_ms = 250.0;
        double delay_ms = 0.0;  ///< bulk delay, rounded to whole samples, >= 0
        /// 4th-order Butterworth high-pass at 300 Hz and low-pass at 3400 Hz (-3 dB at the edges).
        bool bandpass = false;
        /// All-pass sections that add group delay towards the band edges like a loaded line:
        /// about +0.4 ms at 400 Hz and +0.35 ms at 3200 Hz relative to 1700 Hz (see line_sections()).
        bool delay_distortion = false;
        /// Echo of the *sender's* own transmission back into the sender's receive path.
        std::optional<Echo> echo = std::nullopt;
        /// G.711 codecs in tandem, in this order: each one encodes the sample (rounded to 16 bits
        /// and clipped) and decodes it again ({ALaw, MuLaw}: an A-law network handing over to a
        /// mu-law one). Empty: no coding.
        std::vector<g711::Law> g711 = {};
        std::vector<Dropout> dropouts = {};
        /// Noise of each burst comes from its own seeded stream, so adding bursts leaves the rest
        /// of the line's noise unchanged.
        std::vector<NoiseBurst> bursts = {};
    };
    struct Config {
        Direction a_to_b{};
        Direction b_to_a{};
        std::uint64_t seed = 1;  ///< noise seed: the same seed gives the same output, bit for bit
    };

    /// Throws AudioError with one line on an invalid configuration.
    explicit SimLine(const Config& cfg);
    SimEndpoint& a() noexcept { return a_; }
    SimEndpoint& b() noexcept { return b_; }

    /// Two endpoints that share one line and keep it alive between them (for open_line-style
    /// ownership). Throws AudioError on an invalid configuration.
    static std::pair<std::unique_ptr<AudioLine>, std::unique_ptr<AudioLine>> make_pair(const Config& cfg);

    /// The IIR cascade a direction applies for bandpass / delay_distortion (empty if neither).
    static std::vector<dsp::BiquadCoeffs> line_sections(const Direction& dir);

private:
    std::shared_ptr<detail::SimCore> core_;
    SimEndpoint a_;
    SimEndpoint b_;
};

}  // namespace modem::audio
