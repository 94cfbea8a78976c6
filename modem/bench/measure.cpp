// SPDX-License-Identifier: MIT
/// \file
/// Drivers of the bench figures: BER sweeps on the recorded far end, handshake trials through
/// audio::SimLine, receive throughput; identical for every Implementation.
#include "modem/bench/measure.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <ostream>
#include <stdexcept>

#include "dsp/types.hpp"
#include "modem/bench/pipeline.hpp"

namespace modem::bench {

namespace {

using v22bis::Rate;
using v22bis::Role;

constexpr std::size_t kBlock = 160;  // project choice: 20 ms blocks, as the CLI moves audio
/// After a call is finished, it runs this much longer before its outcome is read, so a side that
/// drops out right after connecting counts as failed (project choice).
constexpr SampleTime kSettle = dsp::ms_to_samples(500);
/// Length of the V.21 signal timed (project choice; quick: a quarter).
constexpr double kV21Seconds = 40.0;

std::uint64_t mix(std::uint64_t x) noexcept {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

Role other(Role r) noexcept { return r == Role::Caller ? Role::Answerer : Role::Caller; }

std::uint64_t noise_seed(std::uint64_t seed, Rate rate, Role receiver, double snr_db) {
    const auto centi_db = static_cast<std::uint64_t>(std::llround(snr_db * 100.0) + 100000);
    return mix(mix(mix(seed) ^ static_cast<std::uint64_t>(rate)) ^ (receiver == Role::Caller ? 1u : 2u)) ^ centi_db;
}

}  // namespace

const SpeedFigure* Figures::speed(std::string_view key) const noexcept {
    for (const SpeedFigure& s : speeds)
        if (s.key == key) return &s;
    return nullptr;
}

const MemoryFigure* Figures::memory_of(std::string_view key) const noexcept {
    for (const MemoryFigure& m : memory)
        if (m.key == key) return &m;
    return nullptr;
}

const ScalarFigure* Figures::extra_of(std::string_view key) const noexcept {
    for (const ScalarFigure& e : extra)
        if (e.key == key) return &e;
    return nullptr;
}

const BerCurve* Figures::curve(int rate_bps, Role receiver) const noexcept {
    for (const BerCurve& c : curves)
        if (c.rate_bps == rate_bps && c.receiver == receiver) return &c;
    return nullptr;
}

std::vector<BerPoint> ber_sweep(Implementation& impl, const OneWay& far, Rate rate, const SweepConfig& cfg) {
    const Role receiver = other(far.sender);
    const BerCounter::Config cc{.skip_bits = cfg.skip_bits, .max_bits = cfg.max_bits};
    std::vector<BerPoint> points;
    std::vector<std::int16_t> block(kBlock);
    int clean_run = 0;
    for (const double snr : cfg.snr_db) {
        BerCounter counter(far.bits, cc);
        auto rx = impl.make_pump(receiver, rate, [&counter](std::span<const std::uint8_t> bits) {
            for (std::uint8_t b : bits) counter.push(b);
        });
        NoisyPlayback play(far.samples, {.snr_db = snr,
                                         .noise_from = far.data_from,
                                         .signal_power = far.data_power,
                                         .seed = noise_seed(cfg.seed, rate, receiver, snr)});
        bool stopped_early = false;
        while (const std::size_t n = play.read(block)) {
            rx->receive(std::span<const std::int16_t>(block.data(), n));
            if (counter.done() || counter.gave_up()) break;
            if (counter.errors() >= cfg.stop_errors) {
                stopped_early = true;
                break;
            }
        }
        const BerPoint p = counter.result(snr, !stopped_early);
        points.push_back(p);
        clean_run = p.errors == 0 ? clean_run + 1 : 0;
        if (clean_run >= cfg.stop_after_clean) break;
    }
    return points;
}

audio::SimLine::Config trial_line(const HandshakeConfig& cfg, int trial) {
    if (!(cfg.caller_rx_power > 0.0) || !(cfg.answerer_rx_power > 0.0))
        throw std::invalid_argument("handshake trial: received data powers must be set (> 0)");
    const double f = (trial & 1) ? cfg.freq_offset_hz : -cfg.freq_offset_hz;
    const double ppm = (trial & 2) ? cfg.clock_ppm : -cfg.clock_ppm;
    audio::SimLine::Direction to_answerer{};
    to_answerer.freq_offset_hz = f;
    to_answerer.clock_ppm = ppm;
    to_answerer.bandpass = cfg.line_filter;
    to_answerer.delay_distortion = cfg.line_filter;
    audio::SimLine::Direction to_caller = to_answerer;
    to_caller.clock_ppm = -ppm;  // one clock fast is the other slow
    to_answerer.noise_dbm0 = dsp::power_to_dbm0(cfg.caller_rx_power) - cfg.snr_db;
    to_caller.noise_dbm0 = dsp::power_to_dbm0(cfg.answerer_rx_power) - cfg.snr_db;
    return {.a_to_b = to_answerer, .b_to_a = to_caller, .seed = mix(cfg.seed * 1000003u + static_cast<std::uint64_t>(trial))};
}

HandshakeResult run_handshake_trials(Implementation& impl, const HandshakeConfig& cfg) {
    if (cfg.trials < 1) throw std::invalid_argument("handshake trials: need at least one trial");
    HandshakeResult r{.snr_db = cfg.snr_db, .trials = cfg.trials};
    const auto end = static_cast<SampleTime>(cfg.max_seconds * dsp::kFsHz);
    std::vector<std::int16_t> c_in(kBlock), c_out(kBlock), a_in(kBlock), a_out(kBlock);
    for (int trial = 0; trial < cfg.trials; ++trial) {
        audio::SimLine line(trial_line(cfg, trial));  // a = caller, b = answerer
        auto call = impl.make_call();
        std::fill(c_in.begin(), c_in.end(), std::int16_t{0});
        std::fill(a_in.begin(), a_in.end(), std::int16_t{0});
        SampleTime finished_at = -1;
        for (SampleTime t = 0; t < end; t += static_cast<SampleTime>(kBlock)) {
            call->process(c_in, c_out, a_in, a_out);
            line.a().write(c_out);
            line.b().write(a_out);
            line.a().read(c_in);
            line.b().read(a_in);
            if (finished_at < 0 && call->outcome().finished) finished_at = t;
            if (finished_at >= 0 && t - finished_at >= kSettle) break;
        }
        const CallOutcome o = call->outcome();
        if (o.caller_bps == 2400 && o.answerer_bps == 2400)
            ++r.at_2400;
        else if (o.caller_bps > 0 && o.caller_bps == o.answerer_bps)
            ++r.at_1200;
        else
            ++r.failed;
    }
    return r;
}

double line_power_gain(const audio::SimLine::Direction& dir, std::span<const std::int16_t> signal) {
    audio::SimLine::Direction d = dir;
    d.snr_db.reset();
    d.noise_dbm0.reset();
    d.echo.reset();
    audio::SimLine line({.a_to_b = d, .b_to_a = {}, .seed = 1});
    const std::size_t n = std::min<std::size_t>(signal.size(), 2 * dsp::kFsHz);
    if (n < 4 * kBlock) throw std::invalid_argument("line_power_gain: signal too short");
    std::vector<std::int16_t> out(n, 0), silence(kBlock, 0), scratch(kBlock);
    for (std::size_t pos = 0; pos < n; pos += kBlock) {
        const std::size_t m = std::min(kBlock, n - pos);
        line.a().write(signal.subspan(pos, m));
        line.b().write(std::span<const std::int16_t>(silence.data(), m));
        line.b().read(std::span<std::int16_t>(out.data() + pos, m));
        line.a().read(std::span<std::int16_t>(scratch.data(), m));
    }
    // Skip the line's delay and filter start-up: compare the last half of each.
    const double in = mean_power(signal, n / 2, n);
    const double got = mean_power(out, n / 2, n);
    if (!(in > 0.0)) throw std::invalid_argument("line_power_gain: silent signal");
    return got / in;
}

SweepConfig sweep_config(Rate rate, const BenchOptions& opt) {
    SweepConfig c;
    c.seed = opt.seed;
    const double step = opt.quick ? 1.0 : 0.5;
    if (rate == Rate::Bps2400) {
        // Grid around the target (12.2 dB) and spandsp's 13.0 dB (spandsp-notes.md).
        c.snr_db = snr_grid(8.0, 17.0, step);
        c.max_bits = opt.quick ? 300000 : 3000000;
        c.skip_bits = 1200;  // 0.5 s of data after noise on
    } else {
        // Around the target 5.5 dB and spandsp's 5.9 dB.
        c.snr_db = snr_grid(2.0, 10.0, step);
        c.max_bits = opt.quick ? 200000 : 2000000;
        c.skip_bits = 600;
    }
    if (opt.max_bits > 0) c.max_bits = opt.max_bits;
    return c;
}

namespace {
double throughput_seconds(const BenchOptions& opt) { return opt.quick ? 20.0 : 60.0; }
}  // namespace

BenchInputs make_inputs(const BenchOptions& opt) {
    auto record = [&](Rate rate) {
        const SweepConfig sc = sweep_config(rate, opt);
        std::size_t bits = opt.ber ? sc.skip_bits + sc.max_bits + 4000 : 4000;
        if (opt.throughput)
            bits = std::max(bits, static_cast<std::size_t>((throughput_seconds(opt) + 1.0) * static_cast<int>(rate)));
        return record_call({.rate = rate, .data_bits = bits, .seed = opt.seed});
    };
    BenchInputs in;
    in.at_2400 = record(Rate::Bps2400);
    if (opt.ber || opt.throughput) in.at_1200 = record(Rate::Bps1200);
    if (opt.pipeline) {
        in.v21 = make_v21_signal(opt.quick ? kV21Seconds / 4 : kV21Seconds, opt.seed, in.v21_bits);
        in.v8_caller = make_v8_caller_signal();
    }
    return in;
}

std::uint64_t fingerprint(const BenchInputs& in) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64-bit offset basis
    auto eat = [&h](std::uint64_t v) {
        for (int i = 0; i < 8; ++i) {
            h ^= (v >> (8 * i)) & 0xffu;
            h *= 0x100000001b3ull;  // FNV-1a 64-bit prime
        }
    };
    for (const Recording* r : {&in.at_2400, &in.at_1200})
        for (const OneWay* w : {&r->from_caller, &r->from_answerer}) {
            eat(static_cast<std::uint64_t>(w->data_from));
            eat(w->samples.size());
            for (std::int16_t x : w->samples) eat(static_cast<std::uint16_t>(x));
            eat(w->bits.size());
            for (std::uint8_t b : w->bits) eat(b);
        }
    for (const std::vector<std::int16_t>* v : {&in.v21, &in.v8_caller}) {
        eat(v->size());
        for (std::int16_t x : *v) eat(static_cast<std::uint16_t>(x));
    }
    for (std::uint8_t b : in.v21_bits) eat(b);
    return h;
}

Figures measure_figures(Implementation& impl, const BenchInputs& inputs, const BenchOptions& opt) {
    const auto t0 = std::chrono::steady_clock::now();
    Figures f{.implementation = impl.name(), .version = impl.version()};
    f.inputs_fingerprint = fingerprint(inputs);
    auto say = [&](const std::string& s) {
        if (opt.progress) *opt.progress << "bench: " << f.implementation << ": " << s << std::endl;
    };
    if (opt.ber) {
        for (Rate rate : {Rate::Bps2400, Rate::Bps1200}) {
            const Recording& rec = rate == Rate::Bps2400 ? inputs.at_2400 : inputs.at_1200;
            if (rec.from_caller.samples.empty()) throw std::invalid_argument("bench: no recording at this rate");
            for (Role receiver : {Role::Caller, Role::Answerer}) {
                BerCurve c{.rate_bps = static_cast<int>(rate), .receiver = receiver};
                c.points = ber_sweep(impl, rec.from(other(receiver)), rate, sweep_config(rate, opt));
                c.threshold = snr_at_ber(c.points, kBerTarget);
                say("BER " + std::to_string(c.rate_bps) + " " + std::string(v22bis::to_string(receiver)) +
                    " receiving: " + std::to_string(c.points.size()) + " points, threshold " +
                    std::string(to_string(c.threshold.kind)) + " " + std::to_string(c.threshold.snr_db) + " dB");
                f.curves.push_back(std::move(c));
            }
        }
    }
    if (opt.handshake) {
        HandshakeConfig hc{.trials = opt.trials, .seed = opt.seed};
        const auto [caller_power, answerer_power] = impl.data_power();
        // The line's pass-band loss, measured on our recorded data signals (same bands and shaping).
        const auto probe = trial_line({.caller_rx_power = 1.0, .answerer_rx_power = 1.0}, 3);
        const OneWay& c = inputs.at_2400.from_caller;
        const OneWay& a = inputs.at_2400.from_answerer;
        const auto data = [](const OneWay& w) {
            return std::span<const std::int16_t>(w.samples).subspan(static_cast<std::size_t>(w.data_from));
        };
        hc.caller_rx_power = caller_power * line_power_gain(probe.a_to_b, data(c));
        hc.answerer_rx_power = answerer_power * line_power_gain(probe.b_to_a, data(a));
        f.handshake = run_handshake_trials(impl, hc);
        say("handshake: " + std::to_string(f.handshake->at_2400) + " of " + std::to_string(f.handshake->trials) +
            " at 2400, " + std::to_string(f.handshake->at_1200) + " at 1200");
    }
    measure_pipeline(impl, inputs, opt, f);
    f.run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return f;
}

}  // namespace modem::bench
