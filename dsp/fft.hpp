// SPDX-License-Identifier: MIT
/// \file
/// RAII wrappers over FFTW single-precision plans, a windowed power spectrum and a streaming spectrogram.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "dsp/types.hpp"

namespace modem::dsp {

/// Complex DFT of fixed size: X[k] = sum_n x[n] exp(-+j 2 pi k n / N), unnormalised (inverse sign +).
/// The plan and aligned buffers are made in the constructor (FFTW_ESTIMATE: deterministic, no
/// timing runs); execute() is noexcept and allocation-free.
class Fft {
public:
    struct Config {
        std::size_t n = 256;  ///< > 0
        bool inverse = false;
    };
    explicit Fft(const Config& cfg);
    ~Fft();
    Fft(const Fft&) = delete;
    Fft& operator=(const Fft&) = delete;
    /// Requires in.size() == out.size() == n; in and out may alias.
    void execute(std::span<const cf32> in, std::span<cf32> out) noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return n_; }

private:
    struct Plan;
    std::size_t n_;
    std::unique_ptr<Plan> plan_;
};

/// Real-input DFT: n real samples -> n/2 + 1 complex bins (the non-negative frequencies).
class RealFft {
public:
    struct Config {
        std::size_t n = 256;  ///< > 0
    };
    explicit RealFft(const Config& cfg);
    ~RealFft();
    RealFft(const RealFft&) = delete;
    RealFft& operator=(const RealFft&) = delete;
    /// Requires in.size() == n and out.size() == n/2 + 1.
    void execute(std::span<const float> in, std::span<cf32> out) noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return n_; }
    [[nodiscard]] std::size_t bins() const noexcept { return n_ / 2 + 1; }

private:
    struct Plan;
    std::size_t n_;
    std::unique_ptr<Plan> plan_;
};

enum class Window { Rectangular, Hann, Blackman };

/// One-sided windowed power spectrum in dB. Scaled so that a sine of amplitude A centred on a
/// bin reads 10 log10(A^2 / 2), i.e. its mean power, whatever the window (coherent gain removed).
class Spectrum {
public:
    struct Config {
        std::size_t n = 256;  ///< samples per transform
        Window window = Window::Hann;
        double fs_hz = kFsHz;
    };
    explicit Spectrum(const Config& cfg);
    /// Requires in.size() == n and out_db.size() == bins(). Empty bins read -300 dB.
    void power_db(std::span<const float> in, std::span<float> out_db) noexcept;
    [[nodiscard]] std::size_t bins() const noexcept { return fft_.bins(); }
    [[nodiscard]] double bin_hz() const noexcept { return cfg_.fs_hz / static_cast<double>(cfg_.n); }

private:
    Config cfg_;
    RealFft fft_;
    std::vector<float> window_;
    std::vector<float> windowed_;
    std::vector<cf32> bins_;
    double coherent_gain_;  // sum of the window
};

/// One spectrogram column: the spectrum of the n samples ending just before `end`.
struct SpectrogramColumn {
    SampleTime end;               ///< sample time just after the column's last sample
    std::span<const float> db;    ///< bins() values, valid until the next column
};

/// Streaming spectrogram: after the first n samples, one column every `hop` samples, each the
/// Spectrum of the latest n samples. Columns do not depend on the caller's block size.
class Spectrogram {
public:
    struct Config {
        std::size_t n = 256;
        std::size_t hop = 128;  ///< > 0
        Window window = Window::Hann;
        double fs_hz = kFsHz;
    };
    explicit Spectrogram(const Config& cfg);
    void reset() noexcept;
    /// Feeds samples; calls sink(const SpectrogramColumn&) for every column completed within `in`.
    template <class Sink>
    void process(std::span<const float> in, Sink&& sink) noexcept {
        for (float x : in) {
            if (push(x)) sink(last());
        }
    }
    /// Feeds one sample; true when a column just completed (then last() holds it).
    bool push(float x) noexcept;
    [[nodiscard]] SpectrogramColumn last() const noexcept { return {now_, column_}; }
    [[nodiscard]] std::size_t bins() const noexcept { return spectrum_.bins(); }
    [[nodiscard]] double bin_hz() const noexcept { return spectrum_.bin_hz(); }

private:
    Config cfg_;
    Spectrum spectrum_;
    std::vector<float> history_;  // doubled ring, as in Fir
    std::vector<float> column_;
    std::size_t pos_ = 0;
    std::size_t since_column_ = 0;
    SampleTime now_ = 0;
};

}  // namespace modem::dsp
