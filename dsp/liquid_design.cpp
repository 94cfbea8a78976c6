// SPDX-License-Identifier: MIT
/// \file
/// FIR tap design on top of liquid-dsp; the only file in the project that includes liquid.h.
#include "dsp/liquid_design.hpp"

#include <cmath>
#include <complex>
#include <stdexcept>
#include <string>

// liquid.h declares a global type named `modem`, which collides with our namespace of that name.
// Renaming the token while the header is read leaves every liquid function (C linkage) unchanged.
#define modem liquid_modem_type
#include <liquid/liquid.h>
#undef modem

#include "dsp/types.hpp"

namespace modem::dsp::design {
namespace {

void require(bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(std::string("filter design: ") + what);
}

/// Length for a Kaiser design: the liquid estimate, at least 3, made odd (integer delay).
std::size_t kaiser_length(double transition_hz, double fs_hz, double stopband_db, std::size_t requested) {
    std::size_t n = requested;
    if (n == 0) n = estimate_req_filter_len(static_cast<float>(transition_hz / fs_hz), static_cast<float>(stopband_db));
    if (n < 3) n = 3;
    if (n % 2 == 0) ++n;
    return n;
}

/// Kaiser windowed-sinc low-pass with the -6 dB point at fc (fraction of fs), DC gain 1.
std::vector<float> kaiser_prototype(std::size_t n, double fc, double stopband_db) {
    std::vector<float> h(n);
    liquid_firdes_kaiser(static_cast<unsigned>(n), static_cast<float>(fc), static_cast<float>(stopband_db), 0.0f, h.data());
    double sum = 0.0;
    for (float v : h) sum += v;
    for (float& v : h) v = static_cast<float>(v / sum);
    return h;
}

}  // namespace

std::vector<float> rrc(const RrcConfig& cfg) {
    require(cfg.samples_per_symbol > 1, "RRC needs more than 1 sample per symbol");
    require(cfg.span_symbols > 0, "RRC span must be at least 1 symbol");
    require(cfg.beta > 0.0f && cfg.beta < 1.0f, "RRC roll-off must be in (0, 1)");
    std::vector<float> h(2 * cfg.samples_per_symbol * cfg.span_symbols + 1);
    liquid_firdes_prototype(LIQUID_FIRFILT_RRC, cfg.samples_per_symbol, cfg.span_symbols, cfg.beta, 0.0f, h.data());
    double energy = 0.0;
    for (float v : h) energy += static_cast<double>(v) * v;
    const double scale = 1.0 / std::sqrt(energy);
    for (float& v : h) v = static_cast<float>(v * scale);
    return h;
}

std::vector<float> lowpass(const LowpassConfig& cfg) {
    require(cfg.fs_hz > 0.0, "sample rate must be positive");
    require(cfg.cutoff_hz > 0.0 && cfg.cutoff_hz < cfg.fs_hz / 2, "low-pass cutoff must be in (0, fs/2)");
    require(cfg.transition_hz > 0.0 && cfg.transition_hz < cfg.fs_hz / 2, "transition width must be in (0, fs/2)");
    require(cfg.stopband_db > 0.0, "stop-band attenuation must be positive");
    const std::size_t n = kaiser_length(cfg.transition_hz, cfg.fs_hz, cfg.stopband_db, cfg.n_taps);
    return kaiser_prototype(n, cfg.cutoff_hz / cfg.fs_hz, cfg.stopband_db);
}

std::vector<float> bandpass(const BandpassConfig& cfg) {
    require(cfg.fs_hz > 0.0, "sample rate must be positive");
    require(cfg.low_hz > 0.0 && cfg.low_hz < cfg.high_hz && cfg.high_hz < cfg.fs_hz / 2,
            "band-pass edges must satisfy 0 < low < high < fs/2");
    require(cfg.transition_hz > 0.0, "transition width must be positive");
    require(cfg.stopband_db > 0.0, "stop-band attenuation must be positive");
    const std::size_t n = kaiser_length(cfg.transition_hz, cfg.fs_hz, cfg.stopband_db, cfg.n_taps);
    std::vector<float> h = kaiser_prototype(n, (cfg.high_hz - cfg.low_hz) / 2.0 / cfg.fs_hz, cfg.stopband_db);
    // Shift the prototype to the centre: h[m] * 2 cos(w0 m), m measured from the middle tap, then
    // scale so that |H(w0)| = 1 exactly.
    const double w0 = kTwoPi * (cfg.low_hz + cfg.high_hz) / 2.0 / cfg.fs_hz;
    const double c = static_cast<double>(n - 1) / 2.0;
    std::complex<double> at_centre = 0.0;
    std::vector<double> shifted(n);
    for (std::size_t k = 0; k < n; ++k) {
        const double m = static_cast<double>(k) - c;
        shifted[k] = 2.0 * h[k] * std::cos(w0 * m);
        at_centre += shifted[k] * std::polar(1.0, -w0 * static_cast<double>(k));
    }
    const double g = std::abs(at_centre);
    for (std::size_t k = 0; k < n; ++k) h[k] = static_cast<float>(shifted[k] / g);
    return h;
}

std::vector<float> hilbert(const HilbertConfig& cfg) {
    require(cfg.fs_hz > 0.0, "sample rate must be positive");
    require(cfg.transition_hz > 0.0 && cfg.transition_hz < cfg.fs_hz / 4, "Hilbert transition must be in (0, fs/4)");
    require(cfg.stopband_db > 0.0, "stop-band attenuation must be positive");
    // The half-band prototype's transition (full width 2 * transition_hz around fs/4) becomes the
    // Hilbert transformer's roll-off around 0 and fs/2.
    std::size_t n = kaiser_length(2.0 * cfg.transition_hz, cfg.fs_hz, cfg.stopband_db, 0);
    while (n % 4 != 3) n += 2;  // end taps at odd offsets; even offsets are zero anyway
    const std::vector<float> lp = kaiser_prototype(n, 0.25, cfg.stopband_db);
    // h[m] = 2 lp[m] sin(pi m / 2): zero for even m, +-2 lp[m] for odd m. For the ideal half-band
    // prototype this is 2 / (pi m), the ideal transformer H(w) = -j sign(w).
    const long c = static_cast<long>(n - 1) / 2;
    std::vector<float> h(n);
    for (std::size_t k = 0; k < n; ++k) {
        const long m = static_cast<long>(k) - c;
        const long r = ((m % 4) + 4) % 4;
        h[k] = r == 1 ? 2.0f * lp[k] : (r == 3 ? -2.0f * lp[k] : 0.0f);
    }
    return h;
}

namespace detail {

struct MsResampler {
    msresamp_rrrf q;
};

MsResampler* msresamp_create(double rate, double stopband_db) {
    msresamp_rrrf q = msresamp_rrrf_create(static_cast<float>(rate), static_cast<float>(stopband_db));
    if (!q) throw std::invalid_argument("resampler: liquid-dsp could not build it");
    return new MsResampler{q};
}

void msresamp_destroy(MsResampler* r) noexcept {
    if (!r) return;
    msresamp_rrrf_destroy(r->q);
    delete r;
}

void msresamp_reset(MsResampler* r) noexcept { msresamp_rrrf_reset(r->q); }

std::size_t msresamp_push(MsResampler* r, float x, float* out) noexcept {
    unsigned ny = 0;
    msresamp_rrrf_execute(r->q, &x, 1, out, &ny);
    return ny;
}

double msresamp_delay(const MsResampler* r) noexcept { return msresamp_rrrf_get_delay(r->q); }

}  // namespace detail

}  // namespace modem::dsp::design
