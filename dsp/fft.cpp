// SPDX-License-Identifier: MIT
/// \file
/// FFTW plan ownership, windowed power spectrum and streaming spectrogram.
#include "dsp/fft.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

namespace modem::dsp {
namespace {

/// FFTW's planner is not thread-safe; only execute() is. Every plan is made and destroyed under this lock.
std::mutex& planner_mutex() {
    static std::mutex m;
    return m;
}

int checked_size(std::size_t n) {
    if (n == 0 || n > (1u << 24)) throw std::invalid_argument("FFT size must be in [1, 2^24]");
    return static_cast<int>(n);
}

}  // namespace

struct Fft::Plan {
    fftwf_complex* buf = nullptr;
    fftwf_plan plan = nullptr;
    ~Plan() {
        std::lock_guard lock(planner_mutex());
        if (plan) fftwf_destroy_plan(plan);
        if (buf) fftwf_free(buf);
    }
};

Fft::Fft(const Config& cfg) : n_(cfg.n), plan_(std::make_unique<Plan>()) {
    const int n = checked_size(cfg.n);
    std::lock_guard lock(planner_mutex());
    plan_->buf = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * n_));
    if (!plan_->buf) throw std::bad_alloc();
    plan_->plan = fftwf_plan_dft_1d(n, plan_->buf, plan_->buf, cfg.inverse ? FFTW_BACKWARD : FFTW_FORWARD, FFTW_ESTIMATE);
    if (!plan_->plan) throw std::runtime_error("FFTW could not make a plan");
}

Fft::~Fft() = default;

void Fft::execute(std::span<const cf32> in, std::span<cf32> out) noexcept {
    cf32* buf = reinterpret_cast<cf32*>(plan_->buf);
    std::copy_n(in.data(), n_, buf);
    fftwf_execute(plan_->plan);
    std::copy_n(buf, n_, out.data());
}

struct RealFft::Plan {
    float* in = nullptr;
    fftwf_complex* out = nullptr;
    fftwf_plan plan = nullptr;
    ~Plan() {
        std::lock_guard lock(planner_mutex());
        if (plan) fftwf_destroy_plan(plan);
        if (in) fftwf_free(in);
        if (out) fftwf_free(out);
    }
};

RealFft::RealFft(const Config& cfg) : n_(cfg.n), plan_(std::make_unique<Plan>()) {
    const int n = checked_size(cfg.n);
    std::lock_guard lock(planner_mutex());
    plan_->in = static_cast<float*>(fftwf_malloc(sizeof(float) * n_));
    plan_->out = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * (n_ / 2 + 1)));
    if (!plan_->in || !plan_->out) throw std::bad_alloc();
    plan_->plan = fftwf_plan_dft_r2c_1d(n, plan_->in, plan_->out, FFTW_ESTIMATE);
    if (!plan_->plan) throw std::runtime_error("FFTW could not make a plan");
}

RealFft::~RealFft() = default;

void RealFft::execute(std::span<const float> in, std::span<cf32> out) noexcept {
    std::copy_n(in.data(), n_, plan_->in);
    fftwf_execute(plan_->plan);
    std::copy_n(reinterpret_cast<const cf32*>(plan_->out), bins(), out.data());
}

Spectrum::Spectrum(const Config& cfg)
    : cfg_(cfg), fft_({.n = cfg.n}), window_(cfg.n), windowed_(cfg.n), bins_(cfg.n / 2 + 1) {
    // Periodic windows (denominator n), the usual choice for spectral analysis.
    const double n = static_cast<double>(cfg.n);
    double sum = 0.0;
    for (std::size_t i = 0; i < cfg.n; ++i) {
        const double t = kTwoPi * static_cast<double>(i) / n;
        double w = 1.0;
        switch (cfg.window) {
        case Window::Rectangular:
            w = 1.0;
            break;
        case Window::Hann:
            w = 0.5 - 0.5 * std::cos(t);
            break;
        case Window::Blackman:
            w = 0.42 - 0.5 * std::cos(t) + 0.08 * std::cos(2.0 * t);
            break;
        }
        window_[i] = static_cast<float>(w);
        sum += w;
    }
    coherent_gain_ = sum;
}

void Spectrum::power_db(std::span<const float> in, std::span<float> out_db) noexcept {
    for (std::size_t i = 0; i < cfg_.n; ++i) windowed_[i] = in[i] * window_[i];
    fft_.execute(windowed_, bins_);
    // A sine A cos(w_k n) on bin k gives |X_k| = A W / 2 (W = sum of the window), so
    // A^2 / 2 = 2 |X_k|^2 / W^2. DC and Nyquist hold the whole component: |X|^2 / W^2.
    const double w2 = coherent_gain_ * coherent_gain_;
    const std::size_t last = bins_.size() - 1;
    for (std::size_t k = 0; k < bins_.size(); ++k) {
        const bool edge = k == 0 || (k == last && cfg_.n % 2 == 0);
        const double p = (edge ? 1.0 : 2.0) * static_cast<double>(std::norm(bins_[k])) / w2;
        out_db[k] = p > 0.0 ? static_cast<float>(10.0 * std::log10(p)) : -300.0f;
    }
}

Spectrogram::Spectrogram(const Config& cfg)
    : cfg_(cfg),
      spectrum_({.n = cfg.n, .window = cfg.window, .fs_hz = cfg.fs_hz}),
      history_(2 * cfg.n),
      column_(cfg.n / 2 + 1) {
    if (cfg.hop == 0) throw std::invalid_argument("Spectrogram: hop must be positive");
    reset();
}

void Spectrogram::reset() noexcept {
    std::fill(history_.begin(), history_.end(), 0.0f);
    std::fill(column_.begin(), column_.end(), -300.0f);
    pos_ = 0;
    since_column_ = 0;
    now_ = 0;
}

bool Spectrogram::push(float x) noexcept {
    const std::size_t n = cfg_.n;
    history_[pos_] = x;
    history_[pos_ + n] = x;
    if (++pos_ == n) pos_ = 0;
    ++now_;
    // The first column comes once n samples have arrived, later ones every hop samples.
    if (now_ < static_cast<SampleTime>(n)) return false;
    if (now_ > static_cast<SampleTime>(n) && ++since_column_ < cfg_.hop) return false;
    since_column_ = 0;
    spectrum_.power_db(std::span<const float>(history_.data() + pos_, n), column_);
    return true;
}

}  // namespace modem::dsp
