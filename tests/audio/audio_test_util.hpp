// SPDX-License-Identifier: MIT
/// \file
/// Helpers for the audio tests: a temporary folder, test files made with libsndfile directly,
/// and a naive windowed-DFT tone fit used as the independent measure of frequency and level.
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <numbers>
#include <string>
#include <vector>

#include <sndfile.h>

namespace test {

/// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
    explicit TempDir(const std::string& tag) {
        path_ = std::filesystem::temp_directory_path() /
                ("squeal-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    static int& counter() {
        static int c = 0;
        return c;
    }
    std::filesystem::path path_;
};

/// Writes interleaved float frames to `path` with libsndfile (format = SF_FORMAT_* major|sub).
/// Returns false if libsndfile refuses.
inline bool write_with_sndfile(const std::string& path, int format, int rate_hz, int channels,
                               const std::vector<float>& interleaved) {
    SF_INFO info{};
    info.samplerate = rate_hz;
    info.channels = channels;
    info.format = format;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    if (f == nullptr) return false;
    const auto frames = static_cast<sf_count_t>(interleaved.size() / static_cast<std::size_t>(channels));
    const bool ok = sf_writef_float(f, interleaved.data(), frames) == frames;
    return sf_close(f) == 0 && ok;
}

/// `seconds` of a stereo signal: left = a_l*sin(2 pi f_l t), right = a_r*sin(2 pi f_r t).
inline std::vector<float> stereo_tones(int rate_hz, double seconds, double f_l, double a_l, double f_r, double a_r) {
    const auto n = static_cast<std::size_t>(seconds * rate_hz);
    std::vector<float> v(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / rate_hz;
        v[2 * i] = static_cast<float>(a_l * std::sin(2.0 * std::numbers::pi * f_l * t));
        v[2 * i + 1] = static_cast<float>(a_r * std::sin(2.0 * std::numbers::pi * f_r * t));
    }
    return v;
}

/// Amplitude of the component at `freq_hz` in `x` (sampled at rate_hz), from a Hann-windowed
/// direct DFT: A = 2 |sum w[n] x[n] e^{-j 2 pi f n / fs}| / sum w[n].
inline double tone_amplitude(const std::vector<float>& x, double freq_hz, int rate_hz) {
    double re = 0.0, im = 0.0, wsum = 0.0;
    const std::size_t n = x.size();
    for (std::size_t i = 0; i < n; ++i) {
        const double w = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * (static_cast<double>(i) + 0.5) / static_cast<double>(n));
        const double ph = 2.0 * std::numbers::pi * freq_hz * static_cast<double>(i) / rate_hz;
        re += w * x[i] * std::cos(ph);
        im -= w * x[i] * std::sin(ph);
        wsum += w;
    }
    return 2.0 * std::hypot(re, im) / wsum;
}

struct ToneFit {
    double freq_hz = 0.0;
    double amplitude = 0.0;
};

/// Frequency of the strongest component within +-span_hz of `guess_hz`: the maximum of the
/// windowed DTFT magnitude, searched on a 0.01 Hz grid around a coarse 0.5 Hz grid maximum.
inline ToneFit fit_tone(const std::vector<float>& x, double guess_hz, int rate_hz, double span_hz = 10.0) {
    auto best_on = [&](double lo, double hi, double step) {
        ToneFit best;
        for (double f = lo; f <= hi + 1e-9; f += step) {
            const double a = tone_amplitude(x, f, rate_hz);
            if (a > best.amplitude) best = {f, a};
        }
        return best;
    };
    const ToneFit coarse = best_on(guess_hz - span_hz, guess_hz + span_hz, 0.5);
    return best_on(coarse.freq_hz - 0.5, coarse.freq_hz + 0.5, 0.01);
}

inline double amplitude_db(double a, double ref) { return 20.0 * std::log10(a / ref); }

}  // namespace test
