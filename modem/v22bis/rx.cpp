// SPDX-License-Identifier: MIT
/// \file
/// V.22bis receiver: polyphase matched filter, AGC, Gardner timing, T/2 LMS equaliser, carrier PLL, detectors.
#include "modem/v22bis/rx.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <cmath>
#include <numeric>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "dsp/kernels/kernels.hpp"
#include "dsp/liquid_design.hpp"

namespace modem::v22bis {

namespace {
constexpr double kHalfSymbolsPerSample = 2.0 * kBaud / dsp::kFsHz;  // 0.15 T/2 intervals per sample
constexpr double kSamplesPerSymbol = static_cast<double>(kSymbolNum) / kSymbolDen;
constexpr unsigned kRrcSpan = 4;          // project choice: +/-4 symbols of matched filter
// Polyphase matched filter (project choices): 48 phases per sample put the nearest phase within
// 1/96 sample (0.0008 symbol) of the timing loop's instant; 48 is a multiple of kSymbolDen, so
// the RRC design has an integer number of points per symbol.
constexpr unsigned kPhases = 48;
constexpr std::size_t kMaxLateSamples = 3;  // an instant may lie up to this far before the newest sample
// The mid-symbol filter window may end up to this many samples before the symbol instant's newest
// sample: one T/2 interval (6.67 samples, +0.1 %), a timing-loop kick of at most 1 sample, and
// kMaxLateSamples, rounded up.
constexpr SampleTime kMaxMidLagSamples = 12;
// Input is staged in chunks of up to this many samples before the filter reads it (project
// choice): a vector load of samples stored one by one a few cycles before cannot be forwarded
// from the store buffer and stalls, which cost more than the whole filter.
constexpr std::size_t kChunk = 512;
constexpr double kSamplesPerHalfSymbol = 1.0 / kHalfSymbolsPerSample;
// Instant positions in fixed point, 2^32 per sample: integer sums are exact, so a run of samples
// is counted in one step and the result does not depend on how the input is cut.
constexpr int kFxBits = 32;
constexpr std::int64_t kFxOne = std::int64_t{1} << kFxBits;
constexpr double kFxScale = static_cast<double>(kFxOne);
constexpr double kRcPowerFactor = 0.8125; // 1 - beta/4: mean |RC-shaped data|^2 / symbol power
constexpr double kGridPower = kConstellationPower;
// One-pole time constants in samples, applied at the T/2 rate.
constexpr double kLevelTau = 120.0;               // 15 ms level average (carrier detect)
constexpr double kAgcFastTau = 32.0;              // 4 ms: first symbols after carrier on
constexpr double kAgcSlowTau = 800.0;             // 100 ms: training
constexpr std::int64_t kAgcFastSymbols = 16;      // project choice
constexpr std::int64_t kEqHoldSymbols = 32;       // project choice: let timing settle first
constexpr std::int64_t kTimingAcqSymbols = 32;    // project choice: fast timing pull-in after carrier on
constexpr int kDetectWindow = 16;                 // project choice: symbols per detector window
constexpr int kUsb1Min = 14;                      // of 16 symbols with dibit 11 (or 00)
constexpr int kS1Min = 13;                        // of 16 symbols alternating 00 / 11
// First symbol centre of a detector window: 15 symbols before the newest, exactly 200 samples.
constexpr SampleTime kDetectSpanSamples = (kDetectWindow - 1) * kSymbolNum / kSymbolDen;
static_assert((kDetectWindow - 1) % kSymbolDen == 0);
constexpr double kMseAlpha = 0.02;
// Loop gains (project choices): training / data.
constexpr double kTimingKpAcq = 0.15;
constexpr double kTimingKpTrain = 0.03, kTimingKiTrain = 0.0006;
constexpr double kTimingKpData = 0.01, kTimingKiData = 0.00005;
constexpr double kPllATrain = 0.14, kPllBTrain = 0.01;
constexpr double kPllAData = 0.04, kPllBData = 0.0008;
constexpr float kMaxOmega = 0.2f;               // project choice: +/-0.2 rad per symbol (38 Hz)
constexpr double kMuTrain = 0.2, kMuData = 0.01;

// Decisions on noisy data are random, so the receiver decides without branches (a mispredicted
// branch costs more than the whole slicer): per axis the level index k = [v >= -2] + [v >= 0] +
// [v >= 2] in 0..3 gives the grid value 2 k - 3, the same as slice16; the 16 points' quadrant and
// Q3Q4 label come from a table built from coding.hpp's quadrant_of / label_of.
struct GridEntry {
    std::uint8_t quadrant;
    std::uint8_t label;
    float inv_norm;  // 1 / |point|^2, for the carrier phase detector
};
constexpr std::array<GridEntry, 16> kGrid = [] {
    std::array<GridEntry, 16> t{};
    for (int ki = 0; ki < 4; ++ki)
        for (int kq = 0; kq < 4; ++kq) {
            const Point p{2 * ki - 3, 2 * kq - 3};
            t[static_cast<std::size_t>(4 * ki + kq)] = {static_cast<std::uint8_t>(quadrant_of(p)),
                                                       static_cast<std::uint8_t>(label_of(p)),
                                                       1.0f / static_cast<float>(p.i * p.i + p.q * p.q)};
        }
    return t;
}();
// The four 1200 bit/s points point_of(q, kPoint1200), as floats.
constexpr std::array<std::array<float, 2>, 4> kPoints1200 = [] {
    std::array<std::array<float, 2>, 4> t{};
    for (int q = 0; q < 4; ++q) {
        const Point p = point_of(q, kPoint1200);
        t[static_cast<std::size_t>(q)] = {static_cast<float>(p.i), static_cast<float>(p.q)};
    }
    return t;
}();
// The largest projection of r on the four points (what coding.hpp's slice4 computes), without
// branches: the quadrants are random, and slice4's loop and point_of's switch mispredicted on
// them. The points are p0 and p1 and their negatives, so the larger of |r.p0| and |r.p1| and its
// sign pick the quadrant.
int slice4_branchless(float rr, float ri) noexcept {
    const float a = rr * kPoints1200[0][0] + ri * kPoints1200[0][1];
    const float b = rr * kPoints1200[1][0] + ri * kPoints1200[1][1];
    const int qa = 2 * static_cast<int>(a < 0.0f);
    const int qb = 1 + 2 * static_cast<int>(b < 0.0f);
    const int use_a = static_cast<int>(std::fabs(a) >= std::fabs(b));
    return qb + use_a * (qa - qb);
}
// The equaliser's dot product and tap update over its n older samples (16 taps by default: 14
// here, the two newest come from registers), inlined into on_symbol with the compiler's generic
// vectors (GCC and Clang: SSE at the baseline ISA, plain code elsewhere). They are too short for
// the dispatched kernels: the call through the table, the tail masks and the horizontal reduction
// cost more than 14 complex products, and they sit on the path from one symbol's error to the
// next symbol's output.
// Inlined, the receiver went from 6.9 to 5.2 ns per sample (measured on AVX-512 and AVX2 tables).
// c, u: n complex values as (re, im) pairs, n even (the tap count is even).
using V4 = float __attribute__((vector_size(16)));
[[gnu::always_inline]] inline V4 load4(const float* p) noexcept {
    V4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
// yr + j yi = sum c_i u_i;  upow = sum |u_i|^2
[[gnu::always_inline]] inline void eq_dot(const float* __restrict c, const float* __restrict u, std::size_t n,
                                          float& yr, float& yi, float& upow) noexcept {
    // Two complex values per vector: p = (cr ur, ci ui, ..), q = (cr ui, ci ur, ..), so that
    // Re = cr ur - ci ui (p's even lanes minus its odd ones) and Im = cr ui + ci ur (all of q).
    V4 p = {}, q = {}, w = {};
    for (std::size_t i = 0; i < 2 * n; i += 4) {
        const V4 cv = load4(c + i), uv = load4(u + i);
        p += cv * uv;
        q += cv * __builtin_shufflevector(uv, uv, 1, 0, 3, 2);
        w += uv * uv;
    }
    yr = (p[0] + p[2]) - (p[1] + p[3]);
    yi = (q[0] + q[1]) + (q[2] + q[3]);
    upow = (w[0] + w[1]) + (w[2] + w[3]);
}
// c_i += g conj(u_i):  re += gr ur + gi ui,  im += gi ur - gr ui
[[gnu::always_inline]] inline void eq_update(float gr, float gi, const float* __restrict u, float* __restrict c,
                                             std::size_t n) noexcept {
    // (ur, ui) -> (gr ur + gi ui, gi ur - gr ui) = (gr, -gr) (ur, ui) + gi (ui, ur)
    const V4 a = {gr, -gr, gr, -gr}, b = {gi, gi, gi, gi};
    for (std::size_t i = 0; i < 2 * n; i += 4) {
        const V4 uv = load4(u + i);
        const V4 cv = load4(c + i) + (a * uv + b * __builtin_shufflevector(uv, uv, 1, 0, 3, 2));
        std::memcpy(c + i, &cv, sizeof cv);
    }
}
int level_index(float v) noexcept {
    return static_cast<int>(v >= -2.0f) + static_cast<int>(v >= 0.0f) + static_cast<int>(v >= 2.0f);
}

// bits[i] = (nibble >> (3 - i)) & 1: a symbol's four data bits (first in time in bit 3) as
// RxSymbol::bits, in one copy.
constexpr std::array<std::array<std::uint8_t, 4>, 16> kNibbleBits = [] {
    std::array<std::array<std::uint8_t, 4>, 16> t{};
    for (std::size_t v = 0; v < 16; ++v)
        for (std::size_t i = 0; i < 4; ++i) t[v][i] = static_cast<std::uint8_t>((v >> (3 - i)) & 1u);
    return t;
}();

// Largest carrier phase step per symbol (radians, project choice): the loop's step a phi + w is
// clamped to it so the series below stays accurate; steps this large only occur in acquisition.
constexpr float kMaxPhaseStep = 1.0f;

/// e^{-j x} for |x| <= 1, approximately: (1 - x^2/2, -x (1 - x^2/6)), the series to x^3. Its
/// angle is within 1e-4 rad of x for |x| <= 0.3 (0.03 rad at 1, only reached in acquisition) and
/// its magnitude within x^4/12 of 1, which the caller's renormalisation removes. The carrier loop
/// turns its phasor by this each symbol: a short chain, where sin and cos of the absolute phase
/// in double precision took most of a symbol's critical path.
void small_rotation(float x, float& c, float& ms) noexcept {
    const float x2 = x * x;
    c = 1.0f - 0.5f * x2;
    ms = x * (x2 * (1.0f / 6) - 1.0f);
}
}  // namespace

namespace {
// One-pole coefficient per T/2 sample for a time constant of `tau` samples.
float alpha_per_half_symbol(double tau) { return static_cast<float>(1.0 - std::exp(-kSamplesPerHalfSymbol / tau)); }
}  // namespace

namespace {
// The polyphase matched filter with the carrier of `role`'s receive channel folded in, built
// once per channel and shared read-only by every receiver of that role (42 KB: most of a modem's
// memory, and for a bank of modems the difference between fitting a cache or not).
std::shared_ptr<const std::vector<float>> matched_filter_bank(Role role, std::size_t& n_taps) {
    static std::mutex mutex;
    static std::array<std::shared_ptr<const std::vector<float>>, 2> cache;
    static std::size_t cached_taps = 0;
    const std::lock_guard lock(mutex);
    auto& slot = cache[role == Role::Caller ? 0 : 1];
    if (slot) {
        n_taps = cached_taps;
        return slot;
    }
    // RRC at kPhases points per sample: h(tau) = g[C + tau kPhases], C the centre, +/- C / kPhases
    // samples long. Filter delay D = floor of that; lag i of phase p (delay p / kPhases) takes
    // g[C + (i - D) kPhases - p], and L = 2 D + 2 lags cover every phase 0 .. kPhases.
    const std::vector<float> g = dsp::design::rrc(
        {.samples_per_symbol = kSymbolNum * kPhases / kSymbolDen, .span_symbols = kRrcSpan, .beta = kRollOff});
    const auto centre = static_cast<std::ptrdiff_t>(g.size() / 2);
    const std::ptrdiff_t d = centre / kPhases;
    n_taps = static_cast<std::size_t>(2 * d + 2);
    const double w = dsp::kTwoPi * rx_carrier_hz(role) / dsp::kFsHz;
    auto bank = std::make_shared<std::vector<float>>(2 * (kPhases + 1) * n_taps, 0.0f);
    std::vector<double> h(n_taps);
    for (std::size_t p = 0; p <= kPhases; ++p) {
        double sum = 0.0;
        for (std::size_t i = 0; i < n_taps; ++i) {
            const std::ptrdiff_t k = centre + (static_cast<std::ptrdiff_t>(i) - d) * kPhases - static_cast<std::ptrdiff_t>(p);
            h[i] = k >= 0 && k < static_cast<std::ptrdiff_t>(g.size()) ? g[static_cast<std::size_t>(k)] : 0.0;
            sum += h[i];
        }
        // DC gain 1 on every phase; stored reversed (oldest sample first) for a forward dot, the
        // real parts of the row then its imaginary parts.
        float* row = bank->data() + 2 * p * n_taps;
        for (std::size_t i = 0; i < n_taps; ++i) {
            const double a = h[i] / sum;
            const double wi = w * static_cast<double>(i);
            row[n_taps - 1 - i] = static_cast<float>(a * std::cos(wi));
            row[2 * n_taps - 1 - i] = static_cast<float>(a * std::sin(wi));
        }
    }
    cached_taps = n_taps;
    slot = bank;
    return slot;
}
}  // namespace

Rx::Rx(const Config& cfg)
    : cfg_(cfg),
      k_(&dsp::kernels::active()),
      level_alpha_(alpha_per_half_symbol(kLevelTau)),
      agc_fast_alpha_(alpha_per_half_symbol(kAgcFastTau)),
      agc_slow_alpha_(alpha_per_half_symbol(kAgcSlowTau)),
      on_power_(static_cast<float>(dsp::dbm0_to_power(cfg.carrier_on_dbm0))),
      off_power_(static_cast<float>(dsp::dbm0_to_power(cfg.carrier_off_dbm0))) {
    if (cfg.carrier_off_dbm0 > cfg.carrier_on_dbm0)
        throw std::invalid_argument("v22bis rx: carrier-off threshold above the on threshold");
    if (cfg.eq_taps < 4 || cfg.eq_taps % 2 != 0 || cfg.eq_taps > 64)
        throw std::invalid_argument("v22bis rx: equaliser taps must be even, 4..64");
    bank_ = matched_filter_bank(cfg.role, n_taps_);
    const auto d = static_cast<std::ptrdiff_t>((n_taps_ - 2) / 2);  // filter delay D, samples
    const double w = dsp::kTwoPi * rx_carrier_hz(cfg.role) / dsp::kFsHz;
    keep_ = n_taps_ + static_cast<std::size_t>(kMaxMidLagSamples);
    buf_.assign(keep_ + kChunk, 0.0f);
    // The carrier repeats after fs / gcd(fs, fc) samples (20 at 1200 Hz, 10 at 2400 Hz); three
    // periods of table let on_instant() index it without a modulo.
    const auto fc = static_cast<std::size_t>(std::lround(rx_carrier_hz(cfg.role)));
    period_ = static_cast<std::size_t>(dsp::kFsHz) / std::gcd(static_cast<std::size_t>(dsp::kFsHz), fc);
    derot_.resize(3 * period_);
    for (std::size_t j = 0; j < derot_.size(); ++j) {
        const double wk = w * static_cast<double>(j % period_);
        derot_[j] = cf32(static_cast<float>(std::cos(wk)), static_cast<float>(-std::sin(wk)));
    }
    n_eq_ = static_cast<std::size_t>(cfg.eq_taps);
    taps_store_.assign(n_eq_ + 8, cf32{});
    {
        const auto addr = reinterpret_cast<std::uintptr_t>(taps_store_.data() + 2);
        taps_off_ = ((64 - addr % 64) % 64) / sizeof(cf32);  // cf32 is 8-byte aligned: 0..7
    }
    line_.assign(2 * n_eq_, cf32{});
    // The T/2 sample decided on input n stands for line time n - f - D (n = now() - 1); plus the
    // equaliser centre (half the T/2 span).
    delay_ = 1 + static_cast<SampleTime>(d) + static_cast<SampleTime>(std::lround(cfg.eq_taps / 4 * kSamplesPerSymbol));
    reset();
}

const RxStatus& Rx::status() const noexcept {
    const double mse = static_cast<double>(mse_);
    st_.snr_db = dsp::power_to_db(kGridPower / (mse > 1e-12 ? mse : 1e-12));
    st_.level_dbm0 = dsp::power_to_dbm0(static_cast<double>(power_));
    st_.freq_offset_hz = static_cast<double>(omega_) * kBaud / dsp::kTwoPi;
    st_.clock_ppm = (kSamplesPerHalfSymbol / (kSamplesPerHalfSymbol + static_cast<double>(period_adj_)) - 1.0) * 1e6;
    return st_;
}

void Rx::reset() noexcept {
    std::fill(buf_.begin(), buf_.end(), 0.0f);
    cur_ = end_ = keep_;
    carrier_idx_ = 0;
    decided_ = false;
    power_ = 0.0f;
    agc_power_ = static_cast<float>(kGridPower);
    gain_ = 1.0f;
    set_period_adj(0.0f);
    due_ = period_fx_;
    odd_ = false;
    mid_re_ = mid_im_ = prev_re_ = prev_im_ = 0.0f;
    mid_end_ = mid_now_ = 0;
    mid_phase_ = 0;
    mid_lo_idx_ = period_;
    std::fill(line_.begin(), line_.end(), cf32{});
    line_pos_ = 0;
    sixteen_ = false;
    set_mode_gains(false);
    sym_ = {};
    st_ = {};
    now_ = 0;
    restart_loops();
}

void Rx::restart_loops() noexcept {
    std::fill(taps_store_.begin(), taps_store_.end(), cf32{});
    taps()[n_eq_ / 2] = cf32(1.0f, 0.0f);
    rot_re_ = 1.0f;
    rot_im_ = 0.0f;
    omega_ = 0.0f;
    set_period_adj(0.0f);
    mse_ = static_cast<float>(kGridPower);
    decoder_.reset();
    descrambler_.reset();
    usb1_window_ = usb0_window_ = s1_window_ = 0;
    usb1_count_ = usb0_count_ = s1_count_ = 0;
    prev_step_ = 0;
    symbols_since_on_ = 0;
    st_.usb1_since = st_.s1_since = st_.s1_last = kNever;
    st_.ones_run = 0;
    st_.ones_since = kNever;
}

bool Rx::push(float x) noexcept {
    feed(std::span<const float>(&x, 1), nullptr, nullptr);
    return decided_;
}

void Rx::set_mode_gains(bool on) noexcept {
    data_mode_ = on;
    pll_a_ = static_cast<float>(on ? kPllAData : kPllATrain);
    pll_b_ = static_cast<float>(on ? kPllBData : kPllBTrain);
    mu_ = static_cast<float>(on ? kMuData : kMuTrain);
    timing_ki_ = static_cast<float>((on ? kTimingKiData : kTimingKiTrain) * kSamplesPerHalfSymbol);
}

void Rx::set_period_adj(float v) noexcept {
    period_adj_ = v;
    // The nominal period in fixed point plus the adjustment (float: 2^32 * 0.007 samples at most,
    // exact to a few parts in 2^32).
    period_fx_ = static_cast<std::int64_t>(kSamplesPerHalfSymbol * kFxScale) +
                 static_cast<std::int64_t>(period_adj_ * static_cast<float>(kFxScale));
}

std::size_t Rx::feed(std::span<const float> in, SymbolFn sink, void* ctx) noexcept {
    // buf_[cur_, end_) holds in[0 ..) already: staged by the previous call, which returned early.
    decided_ = false;
    std::size_t n = 0;
    while (n < in.size()) {
        if (cur_ == end_) {
            if (end_ == buf_.size()) {  // slide: keep the last keep_ samples for the filter window
                std::copy(buf_.begin() + static_cast<std::ptrdiff_t>(end_ - keep_), buf_.end(), buf_.begin());
                cur_ = end_ = keep_;
            }
            const std::size_t m = std::min(buf_.size() - end_, in.size() - n);
            std::copy_n(in.data() + n, m, buf_.data() + end_);
            end_ += m;
        }
        // Samples up to and including the first at or after the next instant (at least 1).
        const std::int64_t to_instant = due_ <= kFxOne ? 1 : (due_ + kFxOne - 1) >> kFxBits;
        const std::size_t take = std::min(static_cast<std::size_t>(to_instant), end_ - cur_);
        cur_ += take;
        n += take;
        now_ += static_cast<SampleTime>(take);
        carrier_idx_ += take;
        while (carrier_idx_ >= period_) carrier_idx_ -= period_;
        due_ -= static_cast<std::int64_t>(take) << kFxBits;
        if (due_ <= 0) {
            on_instant();
            if (decided_) {
                if (sink == nullptr) return n;
                sink(ctx, sym_);
            }
        }
    }
    return n;
}

void Rx::on_instant() noexcept {
    // A T/2 instant fell `late` samples before the newest sample.
    // late = -due_ samples, at most kMaxLateSamples; shift its whole part, phase the nearest of
    // kPhases in its fraction (kPhases itself is the row for a whole sample more).
    const std::int64_t late = std::min(-due_, static_cast<std::int64_t>(kMaxLateSamples) << kFxBits);
    due_ += period_fx_;
    const auto shift = static_cast<std::size_t>(late >> kFxBits);
    const auto phase = static_cast<std::size_t>(((late & (kFxOne - 1)) * kPhases + kFxOne / 2) >> kFxBits);
    // The filter window ends `shift` samples before the newest (buf_[cur_ - 1]); the carrier phase
    // of its last sample, now() - 1 - shift, modulo the period, indexes derot_.
    const std::size_t lo_idx = carrier_idx_ + 2 * period_ - 1 - shift;
    if (odd_) {
        // Mid-symbol instant: only remember where it fell. Its filter output is worked out at the
        // symbol instant, in one kernel call with the symbol's own, so the two overlap.
        odd_ = false;
        mid_end_ = now_ - static_cast<SampleTime>(shift);
        mid_phase_ = phase;
        mid_lo_idx_ = lo_idx;
        mid_now_ = now_;
        decided_ = false;
        return;
    }
    odd_ = true;
    // Window of the mid instant: it ended now_ - mid_end_ samples before the newest, at most
    // kMaxMidLagSamples (keep_ holds that much history).
    const auto mid_lag = static_cast<std::size_t>(std::min<SampleTime>(now_ - mid_end_, kMaxMidLagSamples));
    float acc[4];
    k_->dot_cr2(bank_->data() + 2 * mid_phase_ * n_taps_, buf_.data() + cur_ - mid_lag - n_taps_,
                bank_->data() + 2 * phase * n_taps_, buf_.data() + cur_ - shift - n_taps_, n_taps_, acc);
    // The oscillator entries are read as floats straight from the table: a cf32 copy was built
    // on the stack from two 4-byte stores and read back with one 8-byte load, a store-forwarding
    // stall on every symbol's path.
    const float* const lo_mid = reinterpret_cast<const float*>(derot_.data() + mid_lo_idx_);
    const float* const lo_sym = reinterpret_cast<const float*>(derot_.data() + lo_idx);
    // z = acc e^{-j w n}; the mid sample first, exactly as if it had been worked out on time.
    float mr, mi;
    condition(acc[0] * lo_mid[0] - acc[1] * lo_mid[1], acc[0] * lo_mid[1] + acc[1] * lo_mid[0], mid_now_, mr, mi);
    mid_re_ = mr;
    mid_im_ = mi;
    float vr, vi;
    condition(acc[2] * lo_sym[0] - acc[3] * lo_sym[1], acc[2] * lo_sym[1] + acc[3] * lo_sym[0], now_, vr, vi);
    on_symbol(vr, vi);
    decided_ = true;
}

inline void Rx::condition(float zr, float zi, SampleTime at, float& vr, float& vi) noexcept {
    const float p = zr * zr + zi * zi;
    // In-band level and carrier detect with hysteresis.
    power_ += level_alpha_ * (p * (2.0f / static_cast<float>(kRcPowerFactor)) - power_);
    if (!st_.carrier && power_ > on_power_) {
        st_.carrier = true;
        st_.carrier_since = at;
        restart_loops();
        agc_power_ = p > 0.0f ? p : static_cast<float>(kGridPower);
    } else if (st_.carrier && power_ < off_power_) {
        st_.carrier = false;
        st_.carrier_since = kNever;
        restart_loops();
    }
    // AGC: mean |z|^2 of RC-shaped data is 0.8125 of the symbol power.
    if (!data_mode_) {
        const float a = symbols_since_on_ < kAgcFastSymbols ? agc_fast_alpha_ : agc_slow_alpha_;
        agc_power_ += a * (p - agc_power_);
        gain_ = agc_power_ > 1e-20f ? std::sqrt(static_cast<float>(kRcPowerFactor * kGridPower) / agc_power_) : 1.0f;
    }
    vr = zr * gain_;
    vi = zi * gain_;
    // Equaliser delay line, newest first, each sample stored twice so the window never wraps.
    line_pos_ = line_pos_ == 0 ? n_eq_ - 1 : line_pos_ - 1;
    float* slot = reinterpret_cast<float*>(line_.data() + line_pos_);
    float* twin = reinterpret_cast<float*>(line_.data() + line_pos_ + n_eq_);
    slot[0] = twin[0] = vr;
    slot[1] = twin[1] = vi;
}

void Rx::on_symbol(float u_re, float u_im) noexcept {
    const bool train = !data_mode_;
    // Gardner timing error on the matched-filter samples: positive when sampling early.
    // et = Re{conj(mid) (prev - u)} / 10
    constexpr auto kInvGridPower = static_cast<float>(1.0 / kGridPower);
    const float et = (mid_re_ * (prev_re_ - u_re) + mid_im_ * (prev_im_ - u_im)) * kInvGridPower;
    prev_re_ = u_re;
    prev_im_ = u_im;
    if (st_.carrier) {
        constexpr auto kKpAcq = static_cast<float>(kTimingKpAcq * kSamplesPerHalfSymbol * kFxScale);
        constexpr auto kKpTrain = static_cast<float>(kTimingKpTrain * kSamplesPerHalfSymbol * kFxScale);
        constexpr auto kKpData = static_cast<float>(kTimingKpData * kSamplesPerHalfSymbol * kFxScale);
        constexpr auto kMaxAdj = static_cast<float>(0.001 * kSamplesPerHalfSymbol);
        const float kp = symbols_since_on_ < kTimingAcqSymbols ? kKpAcq : train ? kKpTrain : kKpData;
        const float ef = std::clamp(et, -1.0f, 1.0f);
        // Sampling early (e > 0): the next instants come later, and the T/2 period grows.
        due_ += static_cast<std::int64_t>(kp * ef);
        set_period_adj(std::clamp(period_adj_ + timing_ki_ * ef, -kMaxAdj, kMaxAdj));
    }
    // Equaliser output y = sum c_i u_i and the input power sum |u_i|^2, in one pass.
    const std::size_t n_eq = n_eq_;
    cf32* const taps = this->taps();
    const std::span<const cf32> u(line_.data() + line_pos_, n_eq);
    // The two newest samples (u_0 = this symbol's, u_1 = the mid-symbol one) were just stored one
    // float at a time: a vector load over them cannot be forwarded from the store buffer and waits
    // for the stores to reach the cache, on the path of every symbol. So eq_dot reads only the older
    // samples, and the two newest come from registers.
    float* const c = reinterpret_cast<float*>(taps);
    float yr_old, yi_old, upow;
    eq_dot(c + 4, reinterpret_cast<const float*>(u.data() + 2), n_eq - 2, yr_old, yi_old, upow);
    const float yr = yr_old + (c[0] * u_re - c[1] * u_im) + (c[2] * mid_re_ - c[3] * mid_im_);
    const float yi = yi_old + (c[0] * u_im + c[1] * u_re) + (c[2] * mid_im_ + c[3] * mid_re_);
    upow += (u_re * u_re + u_im * u_im) + (mid_re_ * mid_re_ + mid_im_ * mid_im_);
    // r = y e^{-j theta}
    const float cr = rot_re_, ci = rot_im_;
    const float rr = yr * cr - yi * ci, ri = yr * ci + yi * cr;
    float dr, di;
    int q;
    int label = kPoint1200;
    float inv_norm_d = 1.0f / static_cast<float>(kGridPower);  // 1200 bit/s points: |d|^2 = 10
    if (sixteen_) {
        const int ki = level_index(rr), kq = level_index(ri);
        const GridEntry g = kGrid[static_cast<std::size_t>(4 * ki + kq)];
        q = g.quadrant;
        label = g.label;
        inv_norm_d = g.inv_norm;
        dr = static_cast<float>(2 * ki - 3);
        di = static_cast<float>(2 * kq - 3);
    } else {
        q = slice4_branchless(rr, ri);
        dr = kPoints1200[static_cast<std::size_t>(q)][0];
        di = kPoints1200[static_cast<std::size_t>(q)][1];
    }
    const float er = dr - rr, ei = di - ri;
    if (st_.carrier) {
        // Carrier PLL: phi = Im{r conj d} / |d|^2;  w += b phi;  theta += a phi + w, applied as
        // rot = e^{-j theta} turned by e^{-j (a phi + w)} and pulled back to |rot| = 1 (one
        // Newton step of 1/sqrt, so float rounding never builds up).
        const float phi = (ri * dr - rr * di) * inv_norm_d;
        omega_ = std::clamp(omega_ + pll_b_ * phi, -kMaxOmega, kMaxOmega);
        const float step = std::clamp(pll_a_ * phi + omega_, -kMaxPhaseStep, kMaxPhaseStep);
        float sc, ss;
        small_rotation(step, sc, ss);
        const float nr = cr * sc - ci * ss, ni = cr * ss + ci * sc;
        const float renorm = 1.5f - 0.5f * (nr * nr + ni * ni);
        rot_re_ = nr * renorm;
        rot_im_ = ni * renorm;
        // NLMS equaliser update, error turned back to the equaliser's frame.
        if (symbols_since_on_ >= kEqHoldSymbols && upow > 0.0f) {
            const float mu = mu_ / upow;
            // g = mu e conj(rot);  c_i += g conj(u_i)
            const float mr = mu * er, mi = mu * ei;
            const float gr = mr * cr + mi * ci, gi = mi * cr - mr * ci;
            eq_update(gr, gi, reinterpret_cast<const float*>(u.data() + 2), c + 4, n_eq - 2);
            // c_0 and c_1 from the two newest samples, still in registers: c += g conj(u)
            c[0] += gr * u_re + gi * u_im;
            c[1] += gi * u_re - gr * u_im;
            c[2] += gr * mid_re_ + gi * mid_im_;
            c[3] += gi * mid_re_ - gr * mid_im_;
        }
        mse_ += static_cast<float>(kMseAlpha) * ((er * er + ei * ei) - mse_);
        ++symbols_since_on_;
    }

    // Bits: quadrant change (Q1 Q2), then Q3 Q4 at 2400; descrambled in time order.
    const int step = decoder_.step(q);
    const int dibit = step_to_dibit(step);
    sym_.at = now_ - delay_;
    sym_.point = cf32(rr, ri);
    sym_.step = step;
    // Line bits Q1 Q2 (Q3 Q4), first in time highest, descrambled together.
    const int n_bits = sixteen_ ? 4 : 2;
    const auto line_bits = static_cast<std::uint32_t>(sixteen_ ? (dibit << 2) | label : dibit);
    const std::uint32_t data = descrambler_.block(line_bits, n_bits);
    const std::uint32_t data4 = data << (4 - n_bits);  // first bit in time at bit 3
    sym_.bits = kNibbleBits[data4 & 15u];
    sym_.n_bits = static_cast<std::uint8_t>(n_bits);
    detect(step, data, n_bits);
}

void Rx::detect(int step, std::uint32_t data, int n_bits) noexcept {
    if (!st_.carrier) return;
    // V.22bis 6.2: USB1 (every dibit 11: step 3), USB0 (00: step 1), S1 (00/11 alternating).
    // Each window's count of ones kept as it slides: plus the bit entering, minus the one leaving.
    const auto slide = [](std::uint32_t& w, int& count, bool bit) {
        w = (w << 1) | static_cast<std::uint32_t>(bit);
        count += static_cast<int>(bit) - static_cast<int>((w >> kDetectWindow) & 1u);
    };
    slide(usb1_window_, usb1_count_, step == 3);
    slide(usb0_window_, usb0_count_, step == 1);
    const bool alt = ((step & 1) != 0) & (step != prev_step_);  // step 1 or 3, not repeated
    slide(s1_window_, s1_count_, alt);
    prev_step_ = step;
    const SampleTime window_start = sym_.at - kDetectSpanSamples;
    const bool usb = (usb1_count_ >= kUsb1Min) | (usb0_count_ >= kUsb1Min);
    if (usb) {
        if (st_.usb1_since == kNever) st_.usb1_since = window_start;
    } else {
        st_.usb1_since = kNever;
    }
    if (s1_count_ >= kS1Min) {
        if (st_.s1_since == kNever) st_.s1_since = window_start;
        if (alt) st_.s1_last = sym_.at;
    } else {
        st_.s1_since = kNever;
    }
    // The run of ones over this symbol's n data bits (newest in bit 0; during USB1 they count as
    // zeros): all ones continue the run (starting it here if there was none); otherwise the run
    // restarts with the ones at the newest end. With masks, not branches or ternaries (which GCC
    // turns into branches): data bits are random.
    const std::uint32_t full = (1u << n_bits) - 1u;
    const std::uint32_t d = usb ? 0u : data & full;
    const std::int64_t all = -static_cast<std::int64_t>(d == full);
    const std::int64_t run = st_.ones_run;
    const auto tail = static_cast<std::int64_t>(std::countr_one(d));
    const std::int64_t new_run = ((run + n_bits) & all) | (tail & ~all);
    const std::int64_t keep = all & -static_cast<std::int64_t>(run > 0);  // continuing a run
    const SampleTime start = (st_.ones_since & keep) | (sym_.at & ~keep);
    const std::int64_t some = -static_cast<std::int64_t>(new_run > 0);
    st_.ones_run = new_run;
    st_.ones_since = (start & some) | (kNever & ~some);
}

}  // namespace modem::v22bis
