// SPDX-License-Identifier: MIT
/// \file
/// Streaming arbitrary-ratio resampler for real samples (liquid-dsp multi-stage resampler inside).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <optional>
#include <vector>

#include "dsp/fir.hpp"

namespace modem::dsp {

/// Rate-changing block: out/in = rate, for any rate in [1/64, 64] (e.g. 6, 1/6, 8000/44100,
/// 1 +- 200e-6). Half-band stages take the rate to within [0.5, 2], and a polyphase arbitrary
/// resampler does the rest. For rate < 0.5 a Kaiser low-pass at the input rate first removes
/// everything above the output Nyquist frequency (pass band to 0.4 * output rate, stop band from
/// 0.5 * output rate), because the half-band stages alone let their transition bands alias.
/// Over a long run, outputs = rate * inputs within the filter delay. The output does not depend
/// on how the input is cut into blocks.
class Resampler {
public:
    struct Config {
        double rate = 1.0;          ///< output rate / input rate
        double stopband_db = 60.0;  ///< anti-alias / anti-image attenuation
    };
    /// Throws std::invalid_argument if rate or stopband_db is out of range.
    explicit Resampler(const Config& cfg);
    ~Resampler();
    Resampler(Resampler&&) noexcept;
    Resampler& operator=(Resampler&&) noexcept;
    void reset() noexcept;
    /// Consumes all of `in`, writes the outputs to the front of `out` and returns their count.
    /// Requires out.size() >= max_output(in.size()); never writes past out.size() (excess samples
    /// would be dropped, which the precondition rules out).
    std::size_t process(std::span<const float> in, std::span<float> out) noexcept;
    /// An upper bound of the outputs produced by `n_in` inputs, whatever the internal state.
    [[nodiscard]] std::size_t max_output(std::size_t n_in) const noexcept;
    /// Group delay in output samples.
    [[nodiscard]] double delay() const noexcept;
    [[nodiscard]] double rate() const noexcept { return cfg_.rate; }

private:
    struct Impl;
    Config cfg_;
    std::unique_ptr<Impl> impl_;
    std::vector<float> scratch_;     // outputs of one input sample
    std::optional<Fir<float>> anti_alias_;  // only for rate < 0.5
};

}  // namespace modem::dsp
