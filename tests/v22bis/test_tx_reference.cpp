// SPDX-License-Identifier: MIT
/// \file
/// Sample-by-sample comparison of the V.22bis transmitter against the straightforward accumulator
/// implementation it replaced (kept here as the reference model), for every signal, both roles,
/// guard tones, signal changes and random block sizes.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "dsp/liquid_design.hpp"
#include "modem/v22bis/tx.hpp"

using namespace modem::v22bis;
namespace dsp = modem::dsp;

namespace {

/// The transmitter as first written (modem/v22bis/tx.cpp before the per-point waveform tables):
/// per symbol an axpy of the symbol times the complex shaped carrier into an accumulator, the
/// output copied from it, the guard tone added sample by sample. Bits and coding as in Tx.
class ReferenceTx {
public:
    explicit ReferenceTx(const Tx::Config& cfg) : cfg_(cfg) {
        double data_db = 0.0, guard_db = -300.0;
        if (cfg.guard == GuardTone::Hz1800) {
            data_db = -1.0;
            guard_db = -7.0;
        } else if (cfg.guard == GuardTone::Hz550) {
            data_db = -1.76;
            guard_db = -4.76;
        }
        const double amp = std::sqrt(2.0 * dsp::dbm0_to_power(cfg.level_dbm0 + data_db));
        std::vector<float> h =
            dsp::design::rrc({.samples_per_symbol = kSymbolNum, .span_symbols = 6, .beta = kRollOff});
        for (float& v : h) v *= std::sqrt(static_cast<float>(kSymbolNum));
        const double w = dsp::kTwoPi * tx_carrier_hz(cfg.role) / dsp::kFsHz;
        pulses_.assign(2 * 3 * kPulse, 0.0f);
        for (int c = 0; c < 3; ++c) {
            const int m0 = (kSymbolNum * c + kSymbolDen - 1) / kSymbolDen;
            const int p = (kSymbolDen * m0) % kSymbolNum;
            float* re = pulses_.data() + static_cast<std::size_t>(c) * kPulse;
            float* im = pulses_.data() + static_cast<std::size_t>(3 + c) * kPulse;
            for (std::size_t t = 0; t < kPulse; ++t) {
                const std::size_t idx = static_cast<std::size_t>(p) + 3 * t;
                if (idx >= h.size()) break;
                const double ph = w * static_cast<double>(static_cast<std::size_t>(m0) + t);
                re[t] = static_cast<float>(amp * static_cast<double>(h[idx]) * std::cos(ph));
                im[t] = static_cast<float>(-amp * static_cast<double>(h[idx]) * std::sin(ph));
            }
        }
        acc_.assign(kAccLen, 0.0f);
        if (cfg.guard != GuardTone::None) {
            const double g = dsp::dbm0_to_peak(cfg.level_dbm0 + guard_db);
            const double wg = dsp::kTwoPi * (cfg.guard == GuardTone::Hz550 ? 550.0 : 1800.0) / dsp::kFsHz;
            for (std::size_t n = 0; n < 160; ++n)
                guard_wave_.push_back(static_cast<float>(g * std::sin(wg * static_cast<double>(n))));
        }
    }
    void set_signal(TxSignal s) { signal_ = s; }
    void set_block_source(Tx::BlockSource src) { source_ = std::move(src); }
    [[nodiscard]] std::int64_t symbols() const { return symbols_; }

    void process(std::span<float> out) {
        const float scale = static_cast<float>(1.0 / std::sqrt(kConstellationPower));
        for (float& y : out) {
            if (mod40_ == 0 || mod40_ == 14 || mod40_ == 27) {
                if (head_ + kPulse > kAccLen) {
                    const auto live =
                        std::copy(acc_.begin() + static_cast<std::ptrdiff_t>(head_), acc_.end(), acc_.begin());
                    std::fill(live, acc_.end(), 0.0f);
                    head_ = 0;
                }
                if (signal_ != TxSignal::Silence) {
                    const Point p = next_point();
                    const float s_re = static_cast<float>(p.i) * scale, s_im = static_cast<float>(p.q) * scale;
                    const std::size_t c = mod40_ == 0 ? 0 : (mod40_ == 14 ? 1 : 2);
                    const float* re = pulses_.data() + c * kPulse;
                    const float* im = pulses_.data() + (3 + c) * kPulse;
                    for (std::size_t t = 0; t < kPulse; ++t) acc_[head_ + t] += s_re * re[t] + s_im * im[t];
                }
                ++symbols_;
            }
            y = acc_[head_++];
            if (!guard_wave_.empty() && signal_ != TxSignal::Silence) {
                y += guard_wave_[guard_pos_];
                guard_pos_ = (guard_pos_ + 1) % 160;
            }
            mod40_ = (mod40_ + 1) % 40;
        }
    }

private:
    static constexpr std::size_t kPulse = 164;
    static constexpr std::size_t kAccLen = 1024;

    void bits(std::uint8_t* b, std::size_t n) {
        if (source_) source_(std::span<std::uint8_t>(b, n));
        else std::fill(b, b + n, std::uint8_t{1});
        for (std::size_t i = 0; i < n; ++i) b[i] = scrambler_(static_cast<std::uint8_t>(b[i] & 1u));
    }
    Point next_point() {
        Point p{};
        std::array<std::uint8_t, 4> b{};
        switch (signal_) {
        case TxSignal::Silence: break;
        case TxSignal::UnscrambledOnes: p = encoder_.dibit(1, 1); break;
        case TxSignal::S1:
            p = s1_toggle_ == 0 ? encoder_.dibit(0, 0) : encoder_.dibit(1, 1);
            s1_toggle_ ^= 1;
            break;
        case TxSignal::ScrambledOnes1200: {
            const int b0 = scrambler_(1);
            const int b1 = scrambler_(1);
            p = encoder_.dibit(b0, b1);
            break;
        }
        case TxSignal::ScrambledOnes2400: {
            const int q1 = scrambler_(1), q2 = scrambler_(1), q3 = scrambler_(1), q4 = scrambler_(1);
            p = encoder_.quadbit(q1, q2, q3, q4);
            break;
        }
        case TxSignal::Data1200:
            bits(b.data(), 2);
            p = encoder_.dibit(b[0], b[1]);
            break;
        case TxSignal::Data2400:
            bits(b.data(), 4);
            p = encoder_.quadbit(b[0], b[1], b[2], b[3]);
            break;
        }
        if (signal_ != TxSignal::S1) s1_toggle_ = 0;
        return p;
    }

    Tx::Config cfg_;
    std::vector<float> pulses_, acc_, guard_wave_;
    Tx::BlockSource source_;
    TxSignal signal_ = TxSignal::Silence;
    Scrambler scrambler_;
    SymbolEncoder encoder_;
    std::size_t head_ = 0, mod40_ = 0, guard_pos_ = 0;
    int s1_toggle_ = 0;
    std::int64_t symbols_ = 0;
};

/// A schedule of signals: each entry starts after the given number of samples of the previous one.
struct Step {
    TxSignal signal;
    std::size_t samples;
};

/// Runs `tx` (Tx or ReferenceTx) through the schedule in blocks drawn from `block_rng` (1 .. max_block
/// samples; the signal changes between blocks, at the first block boundary at or after its time).
template <class T>
std::vector<float> run(T& tx, const std::vector<Step>& steps, std::uint64_t data_seed, std::uint64_t block_seed,
                       std::size_t max_block) {
    std::mt19937_64 data(data_seed);
    tx.set_block_source([&](std::span<std::uint8_t> b) {
        for (auto& v : b) v = static_cast<std::uint8_t>(data() & 1u);
    });
    std::mt19937_64 blocks(block_seed);
    std::vector<float> out;
    std::size_t total = 0;
    for (const Step& s : steps) total += s.samples;
    out.resize(total);
    std::size_t done = 0, step_end = 0;
    for (const Step& s : steps) {
        tx.set_signal(s.signal);
        step_end += s.samples;
        while (done < step_end) {
            const std::size_t n = std::min<std::size_t>(1 + blocks() % max_block, step_end - done);
            tx.process(std::span<float>(out.data() + done, n));
            done += n;
        }
    }
    return out;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(static_cast<double>(a[i]) - b[i]));
    return d;
}

const std::vector<Step> kEverySignal{
    {TxSignal::Silence, 301},          {TxSignal::UnscrambledOnes, 1777}, {TxSignal::S1, 811},
    {TxSignal::ScrambledOnes1200, 1203}, {TxSignal::Data1200, 2417},      {TxSignal::ScrambledOnes2400, 1999},
    {TxSignal::Data2400, 4801},        {TxSignal::Silence, 97},           {TxSignal::Data2400, 1013},
    {TxSignal::S1, 419},               {TxSignal::Data1200, 1500},        {TxSignal::Silence, 400},
};
}  // namespace

TEST_CASE("Tx: every signal, role and guard tone matches the reference transmitter within 1e-5, any block size") {
    for (Role role : {Role::Caller, Role::Answerer}) {
        for (GuardTone guard : {GuardTone::None, GuardTone::Hz550, GuardTone::Hz1800}) {
            if (role == Role::Caller && guard != GuardTone::None) continue;
            for (double level : {-13.0, -9.0, -40.0}) {
                const Tx::Config cfg{.role = role, .level_dbm0 = level, .guard = guard};
                CAPTURE(static_cast<int>(role));
                CAPTURE(static_cast<int>(guard));
                CAPTURE(level);
                ReferenceTx ref(cfg);
                const auto want = run(ref, kEverySignal, 7, 1, 1);  // one sample at a time
                Tx tx(cfg);
                for (std::size_t max_block : {std::size_t{1}, std::size_t{17}, std::size_t{160}, std::size_t{1000}}) {
                    CAPTURE(max_block);
                    tx.reset();
                    const auto got = run(tx, kEverySignal, 7, max_block * 31 + 5, max_block);
                    REQUIRE(got.size() == want.size());
                    CHECK(max_abs_diff(got, want) <= 1e-5);
                    CHECK(tx.symbols() == ref.symbols());
                    // The data part is not silent: a comparison of zeros would prove nothing.
                    double peak = 0.0;
                    for (float v : got) peak = std::max(peak, static_cast<double>(std::abs(v)));
                    CHECK(peak > 0.1 * tx.data_amplitude());
                }
            }
        }
    }
}
