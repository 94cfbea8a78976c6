// SPDX-License-Identifier: MIT
/// \file
/// Simulated line: per-direction impairment chain, lockstep FIFOs, talker echo, seeded noise,
/// G.711 coding (ITU-T G.711 A-law and mu-law), dropouts and noise bursts.
#include "audio/sim_line.hpp"

#include <bit>
#include <cmath>
#include <deque>
#include <random>
#include <sstream>

#include "audio/convert.hpp"
#include "dsp/hilbert.hpp"
#include "dsp/noise.hpp"
#include "dsp/kernels/kernels.hpp"
#include "dsp/nco.hpp"
#include "dsp/resampler.hpp"
#include "dsp/types.hpp"

namespace modem::audio {

namespace g711 {
namespace {
constexpr unsigned kAlawEvenBits = 0x55;  // G.711 A-law: even bits inverted on the line
constexpr unsigned kSignBit = 0x80;       // G.711: bit 1 (MSB) is the sign, 1 = positive
constexpr int kUlawBias = 33;             // G.711 mu-law: bias added to the 14-bit magnitude
constexpr int kUlawMax = 0x1FFF;          // largest biased mu-law magnitude (8191)
/// Magnitude of a 16-bit sample, negative values in one's complement (G.191 reference): 0..32767.
constexpr int magnitude(std::int16_t x) noexcept { return x >= 0 ? x : ~static_cast<int>(x); }
}  // namespace

std::uint8_t alaw_encode(std::int16_t x) noexcept {
    // 12-bit magnitude m: segment 0 holds m < 16 in steps of 1; segment s >= 1 holds
    // [16 << (s-1), 32 << (s-1)) in steps of 1 << (s-1).
    const int m = magnitude(x) >> 4;
    const int seg = m < 16 ? 0 : static_cast<int>(std::bit_width(static_cast<unsigned>(m))) - 4;
    const int mant = seg == 0 ? m : (m >> (seg - 1)) & 0xF;
    unsigned code = static_cast<unsigned>((seg << 4) | mant);
    if (x >= 0) code |= kSignBit;
    return static_cast<std::uint8_t>(code ^ kAlawEvenBits);
}

std::int16_t alaw_decode(std::uint8_t code) noexcept {
    const unsigned c = code ^ kAlawEvenBits;
    const int seg = static_cast<int>((c >> 4) & 7);
    const int mant = static_cast<int>(c & 0xF);
    // Mid value of the interval, 12-bit units (+1/2), then to 16 bits (<< 4).
    const int v = seg == 0 ? (mant << 4) + 8 : (((mant + 16) << 4) + 8) << (seg - 1);
    return static_cast<std::int16_t>((c & kSignBit) != 0 ? v : -v);
}

std::uint8_t ulaw_encode(std::int16_t x) noexcept {
    // 14-bit magnitude plus the bias: segment s holds [32 << s, 64 << s) in steps of 2 << s.
    const int b = std::min((magnitude(x) >> 2) + kUlawBias, kUlawMax);
    const int seg = static_cast<int>(std::bit_width(static_cast<unsigned>(b))) - 6;
    const int mant = (b >> (seg + 1)) & 0xF;
    unsigned code = static_cast<unsigned>(0x7F - ((seg << 4) | mant));  // every bit inverted
    if (x >= 0) code |= kSignBit;
    return static_cast<std::uint8_t>(code);
}

std::int16_t ulaw_decode(std::uint8_t code) noexcept {
    const unsigned c = ~static_cast<unsigned>(code) & 0xFF;
    const int seg = static_cast<int>((c >> 4) & 7);
    const int mant = static_cast<int>(c & 0xF);
    const int v = ((((mant << 1) + kUlawBias) << seg) - kUlawBias) << 2;
    return static_cast<std::int16_t>((c & kSignBit) != 0 ? -v : v);
}

std::int16_t code(Law law, std::int16_t x) noexcept {
    return law == Law::ALaw ? alaw_decode(alaw_encode(x)) : ulaw_decode(ulaw_encode(x));
}

}  // namespace g711

namespace {

using dsp::cf32;

constexpr unsigned kBandOrder = 4;         // project choice: >= 20 dB down at 100 Hz and 3800 Hz
constexpr double kBandLowHz = 300.0;       // ITU-T telephone channel band edges (300-3400 Hz)
constexpr double kBandHighHz = 3400.0;
constexpr double kSilenceBelowDb = -30.0;  // project choice: SNR reference holds through quieter windows
constexpr double kMaxPpm = 1000.0;         // project choice: beyond any real sound card
// Both endpoints run in lockstep, so a sender with a slow clock (clock_ppm > 0) delivers fewer
// samples than the receiver reads: Direction::clock_cushion_ms of extra silence in the FIFO
// absorbs the drift.
// Delay distortion all-pass sections: project choice, tuned to add a few hundred microseconds at
// the band edges relative to mid-band, the shape of a loaded line's envelope delay
// (ITU-T M.1020 allows up to 3 ms near 500 Hz and 2800 Hz; we stay well inside it).
constexpr double kLowAllpassHz = 400.0, kLowAllpassQ = 0.35;
constexpr double kHighAllpassHz = 3300.0, kHighAllpassQ = 0.6;

void require(bool ok, const std::string& what) {
    if (!ok) throw AudioError("sim line: " + what);
}

using dsp::Gaussian;

std::size_t ms_to_count(double ms) { return static_cast<std::size_t>(std::llround(ms * dsp::kFsHz / 1000.0)); }

/// Pops n samples into out (adding), silence where the FIFO runs short; returns the shortfall.
std::size_t pop_add(std::deque<float>& fifo, std::span<float> out) {
    const std::size_t have = std::min(fifo.size(), out.size());
    for (std::size_t i = 0; i < have; ++i) out[i] += fifo[i];
    fifo.erase(fifo.begin(), fifo.begin() + static_cast<std::ptrdiff_t>(have));
    return out.size() - have;
}

/// One direction's impairment chain, sender samples in, receiver FIFO out.
class Chain {
public:
    Chain(const SimLine::Direction& d, std::uint64_t seed)
        : cfg_(d), gain_(static_cast<float>(dsp::db_to_amplitude(d.gain_db))), noise_seed_(seed), noise_(seed) {
        if (d.clock_ppm != 0.0) clock_.emplace(dsp::Resampler::Config{.rate = 1.0 / (1.0 + d.clock_ppm * 1e-6)});
        const auto sections = SimLine::line_sections(d);
        if (!sections.empty()) line_.emplace(dsp::Biquad::Config{.sections = sections});
        if (d.freq_offset_hz != 0.0) {
            hilbert_.emplace(dsp::Hilbert::Config{});
            nco_.emplace(dsp::Nco::Config{.freq_hz = d.freq_offset_hz});
        }
        if (d.noise_dbm0) fixed_sigma_ = std::sqrt(dsp::dbm0_to_power(*d.noise_dbm0));
        if (d.snr_db) snr_ratio_ = dsp::db_to_power(*d.snr_db);
        for (const auto& o : d.dropouts) dropouts_.push_back({to_samples(o.at_ms), to_samples(o.at_ms + o.duration_ms)});
        for (const auto& b : d.bursts) {
            bursts_.push_back({to_samples(b.at_ms), to_samples(b.at_ms + b.duration_ms)});
            burst_sigma_.push_back(std::sqrt(dsp::dbm0_to_power(b.level_dbm0)));
        }
        window_len_ = std::max<std::size_t>(1, ms_to_count(d.snr_window_ms));
        fifo_.assign(ms_to_count(d.delay_ms) + (d.clock_ppm > 0.0 ? ms_to_count(d.clock_cushion_ms) : 0), 0.0f);
    }

    void push(std::span<const float> in) {
        if (clock_) {
            resampled_.resize(clock_->max_output(in.size()));
            resampled_.resize(clock_->process(in, resampled_));
            in = resampled_;
        }
        for (float x : in) fifo_.push_back(impair(x));
    }
    std::deque<float>& fifo() noexcept { return fifo_; }

private:
    float impair(float x) {
        if (line_) x = line_->step(x);
        if (hilbert_) {
            const cf32 z = hilbert_->step(x) * nco_->next();
            x = z.real();
        }
        x *= gain_;
        // Signal power of the current window, and the reference it sets for the next one.
        window_energy_ += static_cast<double>(x) * x;
        if (++window_count_ == window_len_) {
            const double p = window_energy_ / static_cast<double>(window_len_);
            if (reference_power_ == 0.0 || p > reference_power_ * dsp::db_to_power(kSilenceBelowDb)) reference_power_ = p;
            window_energy_ = 0.0;
            window_count_ = 0;
        }
        double noise = 0.0;
        if (fixed_sigma_ > 0.0) noise += fixed_sigma_ * noise_();
        if (snr_ratio_ > 0.0) noise += std::sqrt(reference_power_ / snr_ratio_) * noise_();
        const dsp::SampleTime n = n_++;
        for (std::size_t i = 0; i < bursts_.size(); ++i)
            if (n >= bursts_[i].begin && n < bursts_[i].end) noise += burst_sigma_[i] * burst_noise_();
        auto y = static_cast<float>(x + noise);
        if (!cfg_.g711.empty()) {
            std::int16_t s = detail::float_to_s16(y);
            for (const g711::Law law : cfg_.g711) s = g711::code(law, s);
            y = detail::s16_to_float(s);
        }
        for (const auto& o : dropouts_)
            if (n >= o.begin && n < o.end) y = 0.0f;
        return y;
    }

    struct Span {
        dsp::SampleTime begin, end;  // [begin, end) in samples leaving the chain
    };
    static dsp::SampleTime to_samples(double ms) { return std::llround(ms * dsp::kFsHz / 1000.0); }

    SimLine::Direction cfg_;
    float gain_;
    std::uint64_t noise_seed_;
    std::optional<dsp::Resampler> clock_;
    std::optional<dsp::Biquad> line_;
    std::optional<dsp::Hilbert> hilbert_;
    std::optional<dsp::Nco> nco_;
    Gaussian noise_;
    double fixed_sigma_ = 0.0;
    double snr_ratio_ = 0.0;
    std::size_t window_len_ = 1, window_count_ = 0;
    double window_energy_ = 0.0, reference_power_ = 0.0;
    dsp::SampleTime n_ = 0;  // samples that have left the chain
    std::vector<Span> dropouts_, bursts_;
    std::vector<double> burst_sigma_;
    // Its own stream (seed in the upper half), so bursts leave the rest of the noise unchanged.
    Gaussian burst_noise_{noise_seed_ ^ 0xB0B5'0000'0000'0000ULL};
    std::vector<float> resampled_;
    std::deque<float> fifo_;
};

void validate(const SimLine::Direction& d, const char* name) {
    const std::string n = name;
    require(std::isfinite(d.gain_db), n + ": gain_db must be finite");
    require(!d.snr_db || std::isfinite(*d.snr_db), n + ": snr_db must be finite");
    require(!d.noise_dbm0 || std::isfinite(*d.noise_dbm0), n + ": noise_dbm0 must be finite");
    require(d.snr_window_ms > 0.0 && d.snr_window_ms <= 60000.0, n + ": snr_window_ms must be in (0, 60000]");
    require(std::abs(d.freq_offset_hz) < 1000.0, n + ": |freq_offset_hz| must be below 1000");
    require(std::abs(d.clock_ppm) <= kMaxPpm, n + ": |clock_ppm| must be at most 1000");
    require(d.delay_ms >= 0.0 && d.delay_ms <= 60000.0, n + ": delay_ms must be in [0, 60000]");
    require(d.clock_cushion_ms >= 0.0 && d.clock_cushion_ms <= 60000.0, n + ": clock_cushion_ms must be in [0, 60000]");
    for (const auto& o : d.dropouts)
        require(o.at_ms >= 0.0 && o.duration_ms >= 0.0 && std::isfinite(o.at_ms + o.duration_ms),
                n + ": a dropout needs finite at_ms >= 0 and duration_ms >= 0");
    for (const auto& b : d.bursts)
        require(b.at_ms >= 0.0 && b.duration_ms >= 0.0 && std::isfinite(b.at_ms + b.duration_ms) && std::isfinite(b.level_dbm0),
                n + ": a noise burst needs finite at_ms >= 0, duration_ms >= 0 and level_dbm0");
    if (d.echo) {
        require(std::isfinite(d.echo->gain_db), n + ": echo gain_db must be finite");
        require(d.echo->delay_ms >= 0.0 && d.echo->delay_ms <= 60000.0, n + ": echo delay_ms must be in [0, 60000]");
    }
}

std::string summary(const SimLine::Direction& d) {
    std::ostringstream os;
    os << "gain " << d.gain_db << " dB";
    if (d.snr_db) os << ", snr " << *d.snr_db << " dB";
    if (d.noise_dbm0) os << ", noise " << *d.noise_dbm0 << " dBm0";
    if (d.freq_offset_hz != 0.0) os << ", offset " << d.freq_offset_hz << " Hz";
    if (d.clock_ppm != 0.0) os << ", clock " << d.clock_ppm << " ppm";
    if (d.delay_ms != 0.0) os << ", delay " << d.delay_ms << " ms";
    if (d.bandpass) os << ", 300-3400 Hz";
    if (d.delay_distortion) os << ", delay distortion";
    if (d.echo) os << ", echo " << d.echo->gain_db << " dB @ " << d.echo->delay_ms << " ms";
    for (const auto law : d.g711) os << (law == g711::Law::ALaw ? ", A-law" : ", mu-law");
    if (!d.dropouts.empty()) os << ", " << d.dropouts.size() << " dropout(s)";
    if (!d.bursts.empty()) os << ", " << d.bursts.size() << " noise burst(s)";
    return os.str();
}

}  // namespace

namespace detail {

struct SimCore {
    explicit SimCore(const SimLine::Config& c)
        : cfg(c),
          // Each direction gets its own stream, derived from the one seed.
          chains{Chain(c.a_to_b, c.seed * 2 + 0), Chain(c.b_to_a, c.seed * 2 + 1)} {
        const SimLine::Direction* dirs[2] = {&c.a_to_b, &c.b_to_a};
        for (int s = 0; s < 2; ++s) {
            if (dirs[s]->echo) {
                echo_gain[s] = static_cast<float>(dsp::db_to_amplitude(dirs[s]->echo->gain_db));
                echo[s].assign(ms_to_count(dirs[s]->echo->delay_ms), 0.0f);
            }
        }
    }
    SimLine::Config cfg;
    Chain chains[2];               // chains[s]: sent by side s
    std::deque<float> echo[2];     // echo[s]: side s's own transmission on its way back to it
    float echo_gain[2] = {0.0f, 0.0f};
    bool closed[2] = {false, false};
    LineStats stats[2];
    std::vector<float> scratch;
};

}  // namespace detail

std::size_t SimEndpoint::read(std::span<std::int16_t> block) {
    auto& c = *core_;
    if (c.closed[side_]) return 0;
    c.scratch.assign(block.size(), 0.0f);
    const std::size_t short_by = pop_add(c.chains[1 - side_].fifo(), c.scratch);
    if (c.cfg.a_to_b.echo && side_ == 0) pop_add(c.echo[0], c.scratch);
    if (c.cfg.b_to_a.echo && side_ == 1) pop_add(c.echo[1], c.scratch);
    if (short_by > 0) {
        ++c.stats[side_].xruns;
        c.stats[side_].dropped_samples += short_by;
    }
    dsp::kernels::f32_to_s16(c.scratch, block);
    c.stats[side_].samples_read += block.size();
    return block.size();
}

void SimEndpoint::write(std::span<const std::int16_t> block) {
    auto& c = *core_;
    if (c.closed[side_]) throw AudioError(std::string("sim line: write on closed endpoint ") + (side_ ? "B" : "A"));
    c.scratch.resize(block.size());
    dsp::kernels::s16_to_f32(block, c.scratch);
    const bool has_echo = side_ == 0 ? c.cfg.a_to_b.echo.has_value() : c.cfg.b_to_a.echo.has_value();
    if (has_echo) {
        for (float x : c.scratch) c.echo[side_].push_back(x * c.echo_gain[side_]);
    }
    c.chains[side_].push(c.scratch);
    c.stats[side_].samples_written += block.size();
}

void SimEndpoint::close() { core_->closed[side_] = true; }

LineStats SimEndpoint::stats() const { return core_->stats[side_]; }

std::string SimEndpoint::describe() const {
    const auto& c = core_->cfg;
    const SimLine::Direction& tx = side_ == 0 ? c.a_to_b : c.b_to_a;
    const SimLine::Direction& rx = side_ == 0 ? c.b_to_a : c.a_to_b;
    return std::string("sim line endpoint ") + (side_ ? "B" : "A") + " (tx: " + summary(tx) + "; rx: " + summary(rx) + ")";
}

namespace {
std::shared_ptr<detail::SimCore> make_core(const SimLine::Config& cfg) {
    validate(cfg.a_to_b, "A->B");
    validate(cfg.b_to_a, "B->A");
    return std::make_shared<detail::SimCore>(cfg);
}
}  // namespace

SimLine::SimLine(const Config& cfg) : core_(make_core(cfg)), a_(core_, 0), b_(core_, 1) {}

std::pair<std::unique_ptr<AudioLine>, std::unique_ptr<AudioLine>> SimLine::make_pair(const Config& cfg) {
    auto core = make_core(cfg);
    return {std::unique_ptr<AudioLine>(new SimEndpoint(core, 0)), std::unique_ptr<AudioLine>(new SimEndpoint(core, 1))};
}

std::vector<dsp::BiquadCoeffs> SimLine::line_sections(const Direction& dir) {
    std::vector<dsp::BiquadCoeffs> s;
    if (dir.bandpass) s = dsp::biquad_design::butterworth_bandpass(kBandOrder, kBandLowHz, kBandHighHz);
    if (dir.delay_distortion) {
        s.push_back(dsp::biquad_design::allpass(kLowAllpassHz, kLowAllpassQ));
        s.push_back(dsp::biquad_design::allpass(kHighAllpassHz, kHighAllpassQ));
    }
    return s;
}

}  // namespace modem::audio
