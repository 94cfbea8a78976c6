// SPDX-License-Identifier: MIT
/// \file
/// FIR tap design (root-raised-cosine, Kaiser low-pass and band-pass, Hilbert transformer).
/// The implementation is the only file that includes liquid.h.
#pragma once

#include <cstddef>
#include <vector>

namespace modem::dsp::design {

/// Root-raised-cosine pulse: 2 * samples_per_symbol * span_symbols + 1 taps, symmetric, peak in the
/// middle. Unit energy (sum of squared taps = 1), so the matched cascade RRC * RRC is 1 at the
/// centre: one unit impulse per symbol, filtered by transmitter and receiver, comes back as 1
/// at the symbol instants.
struct RrcConfig {
    unsigned samples_per_symbol = 8;  ///< > 1
    unsigned span_symbols = 6;        ///< one-sided length in symbols, > 0
    float beta = 0.5f;                ///< excess bandwidth (roll-off), in (0, 1)
};
std::vector<float> rrc(const RrcConfig& cfg);

/// Kaiser-window low-pass, linear phase, DC gain exactly 1. The -6 dB point is at cutoff_hz;
/// the response is within the ripple of 1 below cutoff_hz - transition_hz/2 and at least
/// stopband_db down above cutoff_hz + transition_hz/2.
struct LowpassConfig {
    double fs_hz = 8000.0;
    double cutoff_hz = 1000.0;      ///< in (0, fs/2)
    double transition_hz = 400.0;   ///< full transition width, > 0
    double stopband_db = 60.0;      ///< > 0
    std::size_t n_taps = 0;         ///< 0: the shortest odd length that meets transition and stopband
};
std::vector<float> lowpass(const LowpassConfig& cfg);

/// Kaiser-window band-pass (a low-pass prototype shifted to the band centre), linear phase, odd
/// length, gain exactly 1 at the band centre. -6 dB points at low_hz and high_hz; transitions
/// of transition_hz centred on each edge.
struct BandpassConfig {
    double fs_hz = 8000.0;
    double low_hz = 300.0;
    double high_hz = 3400.0;
    double transition_hz = 200.0;
    double stopband_db = 60.0;
    std::size_t n_taps = 0;  ///< 0: automatic, odd
};
std::vector<float> bandpass(const BandpassConfig& cfg);

/// Hilbert transformer (90-degree phase shifter) for a real signal: odd length 4k+3, antisymmetric,
/// even-offset taps exactly 0. Its gain is 1 (within the prototype's ripple) from transition_hz
/// up to fs/2 - transition_hz; delay (n-1)/2 samples. Built from a Kaiser half-band low-pass
/// prototype modulated by sin(pi n / 2).
struct HilbertConfig {
    double fs_hz = 8000.0;
    double transition_hz = 250.0;  ///< the band edges next to 0 Hz and fs/2 where the gain falls
    double stopband_db = 60.0;     ///< prototype attenuation; sets the passband ripple
};
std::vector<float> hilbert(const HilbertConfig& cfg);

/// Internal: liquid-dsp's multi-stage arbitrary resampler behind an opaque handle, so that
/// liquid.h stays in one file. Use dsp::Resampler instead.
namespace detail {
struct MsResampler;
/// Throws std::invalid_argument if liquid-dsp rejects the parameters.
MsResampler* msresamp_create(double rate, double stopband_db);
void msresamp_destroy(MsResampler* r) noexcept;
void msresamp_reset(MsResampler* r) noexcept;
/// Feeds one input sample; writes the outputs it completes to `out` and returns their count
/// (at most ceil(2 rate) + 1).
std::size_t msresamp_push(MsResampler* r, float x, float* out) noexcept;
/// Group delay in output samples.
double msresamp_delay(const MsResampler* r) noexcept;
}  // namespace detail

}  // namespace modem::dsp::design
