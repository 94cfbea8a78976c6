// SPDX-License-Identifier: MIT
/// \file
/// Recording of a clean V.22bis call between two of our modems, and its noisy replay.
#include "modem/bench/signals.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "modem/v22bis/modem.hpp"

namespace modem::bench {

namespace {

constexpr std::size_t kBlock = 160;                            // project choice: 20 ms, as the CLI
constexpr SampleTime kConnectDeadline = dsp::ms_to_samples(10000);  // project choice

/// Rounds to nearest (ties to even, the default mode) and clips, without depending on the SIMD
/// path: the generator and the replay must give the same int16 on every machine.
std::int16_t to_s16(double x) noexcept {
    const double v = std::nearbyint(x * static_cast<double>(dsp::kInt16Scale));
    return static_cast<std::int16_t>(std::clamp(v, -32768.0, 32767.0));
}

/// Seeded random bits, kept in order.
class BitLog {
public:
    explicit BitLog(std::uint64_t seed) : rng_(seed) {}
    std::uint8_t next() {
        if (left_ == 0) {
            word_ = rng_();
            left_ = 64;
        }
        const auto b = static_cast<std::uint8_t>(word_ & 1u);
        word_ >>= 1;
        --left_;
        bits.push_back(b);
        return b;
    }
    std::vector<std::uint8_t> bits;

private:
    std::mt19937_64 rng_;
    std::uint64_t word_ = 0;
    int left_ = 0;
};

/// splitmix64 finaliser: independent-looking seeds from one bench seed.
std::uint64_t mix(std::uint64_t x) noexcept {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

}  // namespace

double mean_power(std::span<const std::int16_t> samples, std::size_t from, std::size_t to) {
    to = std::min(to, samples.size());
    if (from >= to) return 0.0;
    double acc = 0.0;
    for (std::size_t i = from; i < to; ++i) {
        const double x = samples[i] / static_cast<double>(dsp::kInt16Scale);
        acc += x * x;
    }
    return acc / static_cast<double>(to - from);
}

Recording record_call(const RecordConfig& cfg) {
    using namespace v22bis;
    Modem caller({.role = Role::Caller, .max_rate = cfg.rate});
    Modem answerer({.role = Role::Answerer, .max_rate = cfg.rate});
    BitLog caller_bits(mix(cfg.seed * 2 + 1)), answerer_bits(mix(cfg.seed * 2 + 2));
    Recording rec;
    rec.rate = cfg.rate;
    rec.from_caller.sender = Role::Caller;
    rec.from_answerer.sender = Role::Answerer;
    SampleTime caller_first = -1, answerer_first = -1;
    caller.set_bit_source([&] {
        if (caller_first < 0) caller_first = caller.now();
        return caller_bits.next();
    });
    answerer.set_bit_source([&] {
        if (answerer_first < 0) answerer_first = answerer.now();
        return answerer_bits.next();
    });
    const int rate_bps = static_cast<int>(cfg.rate);
    const auto expected_samples = static_cast<std::size_t>(
        (3.0 + static_cast<double>(cfg.data_bits) / rate_bps + cfg.tail_s) * dsp::kFsHz);
    rec.from_caller.samples.reserve(expected_samples);
    rec.from_answerer.samples.reserve(expected_samples);

    std::vector<float> rx_c(kBlock, 0.0f), rx_a(kBlock, 0.0f), tx_c(kBlock), tx_a(kBlock);
    const auto tail = static_cast<SampleTime>(cfg.tail_s * dsp::kFsHz);
    SampleTime enough_at = -1;  // when both sides had sent data_bits
    for (SampleTime t = 0;; t += static_cast<SampleTime>(kBlock)) {
        caller.process(rx_c, tx_c);
        answerer.process(rx_a, tx_a);
        for (std::size_t i = 0; i < kBlock; ++i) {
            const std::int16_t c = to_s16(tx_c[i]), a = to_s16(tx_a[i]);
            rec.from_caller.samples.push_back(c);
            rec.from_answerer.samples.push_back(a);
            rx_a[i] = static_cast<float>(c) / dsp::kInt16Scale;
            rx_c[i] = static_cast<float>(a) / dsp::kInt16Scale;
        }
        if (enough_at < 0 && caller_bits.bits.size() >= cfg.data_bits && answerer_bits.bits.size() >= cfg.data_bits)
            enough_at = t;
        if (enough_at >= 0 && t - enough_at >= tail) break;
        if (t > kConnectDeadline && (caller_first < 0 || answerer_first < 0))
            throw std::runtime_error("bench: the clean reference call did not connect within 10 s");
        if (caller.failed() || answerer.failed())
            throw std::runtime_error("bench: the clean reference call failed");
    }
    if (caller.rate() != cfg.rate || answerer.rate() != cfg.rate)
        throw std::runtime_error("bench: the clean reference call connected at the wrong rate");
    rec.from_caller.bits = std::move(caller_bits.bits);
    rec.from_answerer.bits = std::move(answerer_bits.bits);
    rec.from_caller.data_from = caller_first;
    rec.from_answerer.data_from = answerer_first;
    for (OneWay* w : {&rec.from_caller, &rec.from_answerer})
        w->data_power = mean_power(w->samples, static_cast<std::size_t>(w->data_from), w->samples.size());
    return rec;
}

NoisyPlayback::NoisyPlayback(std::span<const std::int16_t> clean, const Config& cfg)
    : clean_(clean), cfg_(cfg), sigma_(0.0), noise_(cfg.seed) {
    if (std::isnan(cfg.snr_db) || cfg.snr_db == -HUGE_VAL)
        throw std::invalid_argument("noisy playback: snr_db must be a number or +infinity");
    if (cfg.noise_from < 0) throw std::invalid_argument("noisy playback: noise_from < 0");
    if (!std::isinf(cfg.snr_db)) {
        if (!(cfg.signal_power > 0.0)) throw std::invalid_argument("noisy playback: signal_power must be > 0");
        sigma_ = std::sqrt(cfg.signal_power / dsp::db_to_power(cfg.snr_db));
    }
}

std::size_t NoisyPlayback::read(std::span<std::int16_t> out) {
    const std::size_t n = std::min(out.size(), remaining());
    const auto from = static_cast<std::size_t>(cfg_.noise_from);
    for (std::size_t i = 0; i < n; ++i, ++pos_) {
        const std::int16_t x = clean_[pos_];
        if (pos_ < from || sigma_ == 0.0) {
            out[i] = x;
            continue;
        }
        out[i] = to_s16(x / static_cast<double>(dsp::kInt16Scale) + sigma_ * noise_());
    }
    return n;
}

}  // namespace modem::bench
