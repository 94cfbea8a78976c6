// SPDX-License-Identifier: MIT
/// \file
/// Basic types shared by every block: complex samples, the sample clock, level conversions.
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>
#include <numbers>

namespace modem::dsp {

/// Complex baseband sample.
using cf32 = std::complex<float>;

/// Time as a count of samples at kFsHz since the start of a stream. Every timer is a deadline
/// on this clock (style guide section 1).
using SampleTime = std::int64_t;

/// The one sample rate of the whole pipeline. Project choice, the telephone network's rate.
inline constexpr int kFsHz = 8000;

/// Milliseconds to samples at kFsHz (rounded down for fractional results).
constexpr SampleTime ms_to_samples(double ms) noexcept {
    return static_cast<SampleTime>(ms * kFsHz / 1000.0);
}
/// Samples at kFsHz to seconds.
constexpr double samples_to_seconds(SampleTime n) noexcept { return static_cast<double>(n) / kFsHz; }

/// Samples are floats with 1.0 = int16 full scale (32768).
inline constexpr float kInt16Scale = 32768.0f;

/// Level reference: a full-scale 16-bit sine is +3.14 dBm0 (A-law digital milliwatt convention,
/// the same as spandsp's telephony.h), so 0 dBm0 is a sine of peak 10^(-3.14/20) of full scale.
inline constexpr double kFullScaleSineDbm0 = 3.14;

/// Power ratio to dB.
inline double power_to_db(double p) noexcept { return 10.0 * std::log10(p > 1e-30 ? p : 1e-30); }
/// dB to power ratio.
inline double db_to_power(double db) noexcept { return std::pow(10.0, db / 10.0); }
/// dB to amplitude ratio.
inline double db_to_amplitude(double db) noexcept { return std::pow(10.0, db / 20.0); }

/// Peak amplitude (1.0 = full scale) of a sine whose level is `dbm0`.
inline double dbm0_to_peak(double dbm0) noexcept { return db_to_amplitude(dbm0 - kFullScaleSineDbm0); }
/// Mean power (of float samples, full scale 1.0) of a signal at `dbm0`: a sine of peak A has power A^2/2.
inline double dbm0_to_power(double dbm0) noexcept {
    const double a = dbm0_to_peak(dbm0);
    return a * a / 2.0;
}
/// Level in dBm0 of a signal with mean power `power` (float samples, full scale 1.0).
inline double power_to_dbm0(double power) noexcept { return power_to_db(2.0 * power) + kFullScaleSineDbm0; }

inline constexpr double kPi = std::numbers::pi;
inline constexpr double kTwoPi = 2.0 * std::numbers::pi;

}  // namespace modem::dsp
