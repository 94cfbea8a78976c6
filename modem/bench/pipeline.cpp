// SPDX-License-Identifier: MIT
/// \file
/// Pipeline figures: V.21 and V.8 inputs, the signal timer, heap use per instance, and the
/// driver that measures every part of an Implementation the same way.
#include "modem/bench/pipeline.hpp"

#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "dsp/kernels/kernels.hpp"
#include "dsp/noise.hpp"
#include "modem/v21/fsk_tx.hpp"
#include "modem/v8/endpoint.hpp"

namespace modem::bench {

namespace {

using v22bis::Rate;
using v22bis::Role;

constexpr std::size_t kBlock = 160;  // project choice: 20 ms blocks, as the CLI moves audio
/// Throughput timing starts this far into the far end's data (project choice: past the handshake).
constexpr SampleTime kTimingLead = dsp::ms_to_samples(500);
constexpr SampleTime kV8Deadline = dsp::ms_to_samples(10000);  // project choice
constexpr SampleTime kV8Tail = dsp::ms_to_samples(500);        // project choice

std::vector<std::int16_t> to_s16(std::span<const float> x) {
    std::vector<std::int16_t> out(x.size());
    dsp::kernels::f32_to_s16(x, out);
    return out;
}

/// Best-of-`repeats` ns/sample of a V.22bis part on the data of `far` (after an untimed prefix
/// up to kTimingLead into data), and the bits its sink saw in the last timed run.
double time_v22(const std::function<std::unique_ptr<BitReceiver>(BlockSink)>& make, const OneWay& far,
                double seconds, int repeats, std::size_t& timed_bits) {
    const std::size_t start = std::min(far.samples.size(), static_cast<std::size_t>(far.data_from + kTimingLead));
    const std::size_t end = std::min(far.samples.size(), start + static_cast<std::size_t>(seconds * dsp::kFsHz));
    if (end < start + 10 * kBlock) throw std::invalid_argument("throughput: recording too short");
    const std::span<const std::int16_t> x(far.samples);
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r < std::max(1, repeats); ++r) {
        std::size_t bits = 0, ones = 0;
        bool timing = false;
        auto rx = make([&](std::span<const std::uint8_t> b) {
            if (!timing) return;
            bits += b.size();
            for (std::uint8_t v : b) ones += v;
        });
        for (std::size_t pos = 0; pos < start; pos += kBlock) rx->receive(x.subspan(pos, std::min(kBlock, start - pos)));
        rx->start_timing();
        timing = true;
        const double t0 = thread_cpu_seconds();
        for (std::size_t pos = start; pos < end; pos += kBlock) rx->receive(x.subspan(pos, std::min(kBlock, end - pos)));
        const double t1 = thread_cpu_seconds();
        best = std::min(best, (t1 - t0) * 1e9 / static_cast<double>(end - start));
        timed_bits = bits;
        volatile std::size_t keep = ones;  // the decoded bits stay observable
        (void)keep;
    }
    return best;
}

std::string rate_text(Rate r) { return std::to_string(static_cast<int>(r)); }

}  // namespace

double thread_cpu_seconds() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

std::vector<std::int16_t> make_v21_signal(double seconds, std::uint64_t seed, std::vector<std::uint8_t>& bits) {
    const auto n = static_cast<std::size_t>(seconds * dsp::kFsHz);
    v21::FskTx tx({.channel = v21::Channel::Ch1});
    std::mt19937_64 rng(seed * 7919u + 21u);
    bits.clear();
    std::vector<float> out(n);
    std::uint64_t word = 0;
    int left = 0;
    for (std::size_t pos = 0; pos < n; pos += kBlock) {
        // Keep the queue fed: a block is at most 6 bits at 300 bit/s.
        while (tx.queued() < 64) {
            if (left == 0) {
                word = rng();
                left = 64;
            }
            const auto b = static_cast<std::uint8_t>(word & 1u);
            word >>= 1;
            --left;
            if (!tx.push_bit(b)) break;
            bits.push_back(b);
        }
        tx.process(std::span<float>(out.data() + pos, std::min(kBlock, n - pos)));
    }
    return to_s16(out);
}

std::vector<std::int16_t> make_v8_caller_signal() {
    v8::V8Endpoint caller({.role = v8::Role::Caller}), answerer({.role = v8::Role::Answerer});
    std::vector<float> c_in(kBlock, 0.0f), a_in(kBlock, 0.0f), c_out(kBlock), a_out(kBlock);
    std::vector<float> sent;
    SampleTime done_at = -1;
    for (SampleTime t = 0;; t += static_cast<SampleTime>(kBlock)) {
        caller.process(c_in, c_out);
        answerer.process(a_in, a_out);
        sent.insert(sent.end(), c_out.begin(), c_out.end());
        // The ideal line carries int16.
        const auto cs = to_s16(c_out), as = to_s16(a_out);
        for (std::size_t i = 0; i < kBlock; ++i) {
            a_in[i] = static_cast<float>(cs[i]) / dsp::kInt16Scale;
            c_in[i] = static_cast<float>(as[i]) / dsp::kInt16Scale;
        }
        if (done_at < 0 && caller.finished() && answerer.finished()) done_at = t;
        if (done_at >= 0 && t - done_at >= kV8Tail) break;
        if (t > kV8Deadline) throw std::runtime_error("bench: the reference V.8 negotiation did not finish in 10 s");
    }
    if (caller.result().status != v8::V8Result::Status::Ok || answerer.result().status != v8::V8Result::Status::Ok)
        throw std::runtime_error("bench: the reference V.8 negotiation did not succeed");
    return to_s16(sent);
}

std::vector<std::int16_t> with_noise_floor(std::span<const std::int16_t> signal, std::uint64_t seed) {
    constexpr double kNoiseLsb = 1.0;  // project choice: rms of the floor, in int16 steps (-91 dBm0)
    dsp::Gaussian g(seed * 104729u + 8u);
    std::vector<std::int16_t> out(signal.size());
    for (std::size_t i = 0; i < signal.size(); ++i) {
        const double v = std::round(static_cast<double>(signal[i]) + kNoiseLsb * g());
        out[i] = static_cast<std::int16_t>(std::clamp(v, -32768.0, 32767.0));
    }
    return out;
}

double time_signal(const std::function<std::unique_ptr<BitReceiver>()>& make, std::span<const std::int16_t> signal,
                   int repeats) {
    if (signal.size() < kBlock) throw std::invalid_argument("bench: signal too short to time");
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r < std::max(1, repeats); ++r) {
        auto rx = make();
        rx->start_timing();
        const double t0 = thread_cpu_seconds();
        for (std::size_t pos = 0; pos < signal.size(); pos += kBlock)
            rx->receive(signal.subspan(pos, std::min(kBlock, signal.size() - pos)));
        const double t1 = thread_cpu_seconds();
        best = std::min(best, (t1 - t0) * 1e9 / static_cast<double>(signal.size()));
    }
    return best;
}

double heap_bytes_per_instance(const std::function<std::shared_ptr<void>()>& make, int instances) {
    if (instances < 1) throw std::invalid_argument("bench: memory needs at least one instance");
    std::vector<std::shared_ptr<void>> keep;
    keep.reserve(static_cast<std::size_t>(instances));  // the vector's own growth is not counted
    keep.push_back(make());                              // first instance: one-off tables, not counted
    const std::size_t before = mallinfo2().uordblks;
    for (int i = 0; i < instances; ++i) keep.push_back(make());
    const std::size_t after = mallinfo2().uordblks;
    return after > before ? static_cast<double>(after - before) / instances : 0.0;
}

void measure_pipeline(Implementation& impl, const BenchInputs& inputs, const BenchOptions& opt, Figures& f) {
    auto say = [&](const SpeedFigure& s) {
        if (opt.progress)
            *opt.progress << "bench: " << f.implementation << ": " << s.key << " " << s.ns_per_sample << " ns/sample"
                          << (s.ok ? "" : " (NOT OK: " + s.note + ")") << std::endl;
    };
    const int repeats = opt.quick ? 3 : 5;
    if (opt.throughput) {
        const double seconds = opt.quick ? 20.0 : 60.0;
        for (Rate rate : {Rate::Bps2400, Rate::Bps1200}) {
            const Recording& rec = rate == Rate::Bps2400 ? inputs.at_2400 : inputs.at_1200;
            if (rec.from_answerer.samples.empty()) continue;
            const OneWay& far = rec.from_answerer;  // a caller receiving
            const double expect_bits = seconds * static_cast<double>(static_cast<int>(rate));
            auto bits_ok = [&](SpeedFigure& s, std::size_t bits) {
                s.signal_seconds = seconds;
                s.ok = static_cast<double>(bits) >= 0.95 * expect_bits;
                if (!s.ok) s.note = std::to_string(bits) + " bits in the timed part";
            };
            const std::string r = rate_text(rate);
            std::size_t bits = 0;
            if (impl.make_rx_only(Role::Caller, rate, {})) {
                SpeedFigure s{.key = "v22bis_rx_" + r,
                              .what = "V.22bis receive " + r + " (receiver alone in data, trained, bits out)"};
                s.ns_per_sample = time_v22(
                    [&](BlockSink k) { return impl.make_rx_only(Role::Caller, rate, std::move(k)); }, far, seconds,
                    repeats, bits);
                bits_ok(s, bits);
                say(s);
                f.speeds.push_back(s);
            }
            {
                SpeedFigure s{.key = "v22bis_tx_" + r, .what = "V.22bis transmit " + r + " (transmitter alone in data)"};
                s.ns_per_sample = time_v22(
                    [&](BlockSink k) { return impl.make_tx_only(Role::Caller, rate, std::move(k)); }, far, seconds,
                    repeats, bits);
                bits_ok(s, bits);
                say(s);
                f.speeds.push_back(s);
            }
            if (rate == Rate::Bps2400) {
                SpeedFigure s{.key = "v22bis_pump_2400", .what = "V.22bis pump 2400 (receiver + transmitter of one end)"};
                s.ns_per_sample = time_v22(
                    [&](BlockSink k) { return impl.make_pump(Role::Caller, rate, std::move(k)); }, far, seconds,
                    repeats, bits);
                bits_ok(s, bits);
                say(s);
                f.speeds.push_back(s);
            }
        }
        // The figures the BER/handshake table has always shown (2400, caller receiving).
        if (const SpeedFigure* rx = f.speed("v22bis_rx_2400")) f.rx_ns_per_sample = rx->ns_per_sample;
        if (const SpeedFigure* tx = f.speed("v22bis_tx_2400")) f.tx_ns_per_sample = tx->ns_per_sample;
        if (const SpeedFigure* p = f.speed("v22bis_pump_2400")) {
            f.pump_ns_per_sample = p->ns_per_sample;
            if (!f.rx_ns_per_sample && f.tx_ns_per_sample) {
                f.rx_ns_per_sample = std::max(0.0, p->ns_per_sample - *f.tx_ns_per_sample);
                f.rx_by_difference = true;
            }
        }
    }
    if (!opt.pipeline) return;
    if (!inputs.v21.empty() && impl.make_v21_rx({})) {
        std::size_t bits = 0;
        SpeedFigure s{.key = "v21_rx", .what = "V.21 ch1 receive (300 bit/s FSK, bits out)"};
        s.ns_per_sample = time_signal(
            [&] {
                bits = 0;
                return impl.make_v21_rx([&bits](std::span<const std::uint8_t> b) { bits += b.size(); });
            },
            inputs.v21, repeats);
        s.signal_seconds = static_cast<double>(inputs.v21.size()) / dsp::kFsHz;
        s.ok = static_cast<double>(bits) >= 0.95 * static_cast<double>(inputs.v21_bits.size());
        if (!s.ok) s.note = std::to_string(bits) + " of " + std::to_string(inputs.v21_bits.size()) + " bits";
        say(s);
        f.speeds.push_back(s);
    }
    if (!inputs.v8_caller.empty() && impl.make_v8_answerer()) {
        SpeedFigure s{.key = "v8_answer", .what = "V.8 answerer on a caller's whole negotiation (rx + ANSam/JM replies)"};
        // A negotiation is a few seconds: more repeats for a stable best.
        s.ns_per_sample = time_signal([&] { return impl.make_v8_answerer(); }, inputs.v8_caller, repeats * 4);
        s.signal_seconds = static_cast<double>(inputs.v8_caller.size()) / dsp::kFsHz;
        say(s);
        f.speeds.push_back(s);
        // The same negotiation over a line with a noise floor: on the ideal line about two thirds
        // of the caller's signal is digital silence (it waits for the answer tone), which a
        // receiver may recognise and skip; a sound card or a real line never gives exact zeros.
        SpeedFigure n{.key = "v8_answer_noise",
                      .what = "V.8 answerer, same negotiation with a 1 LSB rms noise floor (no digital silence)"};
        const std::vector<std::int16_t> noisy = with_noise_floor(inputs.v8_caller, opt.seed);
        n.ns_per_sample = time_signal([&] { return impl.make_v8_answerer(); }, noisy, repeats * 4);
        n.signal_seconds = s.signal_seconds;
        say(n);
        f.speeds.push_back(n);
    }
    WholeCallConfig cc = opt.call;
    cc.seed = opt.seed;
    double best = std::numeric_limits<double>::infinity();
    std::optional<WholeCallResult> last;
    for (int r = 0; r < (opt.quick ? 1 : 3); ++r) {
        last = impl.run_whole_call(cc);
        if (!last) break;
        best = std::min(best, last->wall_seconds);
    }
    if (last) {
        SpeedFigure s{.key = "whole_call",
                      .what = "whole call, both ends (V.8, V.22bis 2400, " + std::to_string(cc.bytes) +
                              " bytes 8N1 each way; per line sample)"};
        s.signal_seconds = last->line_seconds;
        s.ns_per_sample = best * 1e9 / (last->line_seconds * dsp::kFsHz);
        s.ok = last->ok;
        s.note = last->note;
        say(s);
        f.speeds.push_back(s);
    }
    f.memory = impl.memory(opt.memory_instances);
}

}  // namespace modem::bench
