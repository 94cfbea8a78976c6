// SPDX-License-Identifier: MIT
/// \file
/// Cascaded second-order IIR sections (biquads) and their designs: DC blocker, Butterworth
/// low-/high-pass, band-pass, all-pass (for delay distortion).
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

#include "dsp/block.hpp"
#include "dsp/types.hpp"

namespace modem::dsp {

/// H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2). First-order sections have b2 = a2 = 0.
struct BiquadCoeffs {
    double b0 = 1.0, b1 = 0.0, b2 = 0.0;
    double a1 = 0.0, a2 = 0.0;
};

/// Section designs. Frequencies in Hz at sample rate fs_hz; second-order forms are the bilinear
/// transforms with pre-warping (the "audio EQ cookbook" formulas), so f0 lands exactly.
namespace biquad_design {
/// y[n] = x[n] - x[n-1] + pole * y[n-1]: zero at DC, 3 dB corner about (1 - pole) fs / (2 pi).
BiquadCoeffs dc_blocker(double pole = 0.995);
/// Second-order low-pass, Q = 1/sqrt(2) for a Butterworth pair.
BiquadCoeffs lowpass(double f0_hz, double q, double fs_hz = kFsHz);
BiquadCoeffs highpass(double f0_hz, double q, double fs_hz = kFsHz);
/// Band-pass with 0 dB gain at f0 and bandwidth f0 / q.
BiquadCoeffs bandpass(double f0_hz, double q, double fs_hz = kFsHz);
/// All-pass: |H| = 1, phase falls by 2 pi through f0; the group delay peaks at f0, higher for larger q.
BiquadCoeffs allpass(double f0_hz, double q, double fs_hz = kFsHz);
/// Butterworth low-pass of any order >= 1 as sections (-3 dB at f_hz).
std::vector<BiquadCoeffs> butterworth_lowpass(unsigned order, double f_hz, double fs_hz = kFsHz);
/// Butterworth high-pass of any order >= 1 as sections (-3 dB at f_hz).
std::vector<BiquadCoeffs> butterworth_highpass(unsigned order, double f_hz, double fs_hz = kFsHz);
/// Band-pass as a Butterworth high-pass at low_hz followed by a Butterworth low-pass at high_hz,
/// each of `order` (e.g. the 300-3400 Hz telephone band with order 4: -3 dB at the edges).
std::vector<BiquadCoeffs> butterworth_bandpass(unsigned order, double low_hz, double high_hz, double fs_hz = kFsHz);
}  // namespace biquad_design

/// A cascade of biquad sections over real samples, transposed direct form II with double state.
class Biquad {
public:
    using InSample = float;
    using OutSample = float;
    struct Config {
        std::vector<BiquadCoeffs> sections;  ///< applied in order; empty = pass-through
    };
    explicit Biquad(const Config& cfg);
    void reset() noexcept;
    /// Requires out.size() == in.size(); in-place allowed.
    void process(std::span<const float> in, std::span<float> out) noexcept;
    float step(float x) noexcept;
    /// Complex frequency response of the cascade at freq_hz (for design checks).
    [[nodiscard]] std::complex<double> response(double freq_hz, double fs_hz = kFsHz) const noexcept;
    /// Group delay -d(phase)/d(omega) of the cascade at freq_hz, in seconds (numerical derivative).
    [[nodiscard]] double group_delay_s(double freq_hz, double fs_hz = kFsHz) const noexcept;

private:
    struct State {
        double s1 = 0.0, s2 = 0.0;
    };
    std::vector<BiquadCoeffs> sections_;
    std::vector<State> state_;
};
static_assert(SyncBlock<Biquad>);

}  // namespace modem::dsp
