// SPDX-License-Identifier: MIT
/// \file
/// V.21 receiver speed work: the fast receiver against the direct per-sample form of its signal path (same events), and its CPU time.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <numeric>
#include <vector>

#include "dsp/fir.hpp"
#include "dsp/kernels/kernels.hpp"
#include "dsp/liquid_design.hpp"
#include "dsp/nco.hpp"
#include "fsk_reference.hpp"
#include "modem/v21/fsk_rx.hpp"

using modem::dsp::SampleTime;
using modem::v21::Channel;
using modem::v21::FskRx;
using modem::v21::RxEvent;

namespace {

/// The receiver's documented signal path in its direct per-sample form, kept as the reference:
/// a mixer with exact double-precision phases, the stage-1 low-pass over the complex baseband at
/// every input sample (every 4th output kept), the stage-2 low-pass at 2 kHz over every value
/// (every 2nd output kept: 1 kHz), correlator windows summed afresh at every output with
/// double-precision oscillators, the level window summed afresh in double. Same constants and same timing loop, so any difference in events comes from
/// the arithmetic of the fast receiver.
class DirectFskRx {
public:
    explicit DirectFskRx(Channel ch)
        : f_(modem::v21::frequencies(ch)),
          // The receiver's documented filters: stage 1 flat to 320 Hz and 60 dB from 1680 Hz,
          // stage 2 (at 2 kHz) -6 dB at 250 Hz, 140 Hz transition, 60 dB.
          lpf1_({.taps = modem::dsp::design::lowpass(
                     {.fs_hz = modem::dsp::kFsHz, .cutoff_hz = 1000.0, .transition_hz = 1360.0, .stopband_db = 60.0})}),
          lpf2_({.taps = modem::dsp::design::lowpass(
                     {.fs_hz = 2000.0, .cutoff_hz = 250.0, .transition_hz = 140.0, .stopband_db = 60.0})}),
          delay_(static_cast<SampleTime>(lpf1_.delay() + 4 * lpf2_.delay())) {}

    std::vector<RxEvent> run(std::span<const float> in) {
        std::vector<RxEvent> ev;
        const int mid = kModulus / 2;
        const int adv = 8 * kStep;
        // Bit start = decision - filter delay - half the correlator span (8 * 3 / 2 = 12 samples)
        // - half a bit (13.33), the decision sample rounding the crossing up (+0.5): 26.
        const SampleTime bit_delay = delay_ + 26;
        for (const float x : in) {
            const SampleTime n = now_++;
            const modem::dsp::cf32 a8 = lpf1_.step(
                modem::dsp::cf32(std::complex<double>(x) * phasor(f_.centre_hz(), n, modem::dsp::kFsHz)));
            if (n % 4 != 3) continue;
            const modem::dsp::cf32 b = lpf2_.step(a8);
            if (n % 8 != 7) continue;
            const SampleTime m = n / 8;
            const SampleTime known = m % 2 == 0 ? n + 8 : n;  // the receiver works on 16-sample groups
            power_.push_back(2.0 * std::norm(std::complex<double>(b)));
            double sum = 0.0;
            for (std::size_t k = power_.size() - std::min<std::size_t>(power_.size(), kPowerWindow); k < power_.size(); ++k)
                sum += power_[k];
            const double level = modem::dsp::power_to_dbm0(sum / kPowerWindow);
            if (!carrier_ && sum > modem::dsp::dbm0_to_power(-43.0) * kPowerWindow) {
                carrier_ = true;
                transitions_ = 0;
                phase_ = 0;
                ev.push_back({.kind = RxEvent::Kind::CarrierOn, .at = n, .level_dbm0 = static_cast<float>(level), .known_at = known});
            } else if (carrier_ && sum < modem::dsp::dbm0_to_power(-48.0) * kPowerWindow) {
                carrier_ = false;
                ev.push_back({.kind = RxEvent::Kind::CarrierOff, .at = n, .level_dbm0 = static_cast<float>(level), .known_at = known});
            }
            base_.push_back(b);
            times_.push_back(m);
            // One bit (3.33 ms) on the 1 ms grid: the 4 cells of the window weigh 2/3, 1, 1, 2/3.
            constexpr double kWeight[kLen] = {2.0 / 3.0, 1.0, 1.0, 2.0 / 3.0};
            std::complex<double> cm{}, cs{};
            for (std::size_t l = 0; l < std::min(kLen, base_.size()); ++l) {
                const std::size_t k = base_.size() - 1 - l;
                const std::complex<double> v(base_[k]);
                cm += kWeight[l] * v * phasor(f_.mark_hz - f_.centre_hz(), times_[k], 1000);
                cs += kWeight[l] * v * phasor(f_.space_hz - f_.centre_hz(), times_[k], 1000);
            }
            const double em = std::norm(cm), es = std::norm(cs);
            const auto d = static_cast<float>((em - es) / (em + es + 1e-30));
            if (carrier_) {
                const int old = phase_;
                phase_ += adv;
                if (phase_ >= kModulus) phase_ -= kModulus;
                if ((d > 0.0f) != (d_prev_ > 0.0f)) {
                    const float f = d_prev_ / (d_prev_ - d);
                    int at_cross = phase_ - static_cast<int>(std::lround((1.0f - f) * static_cast<float>(adv)));
                    if (at_cross < 0) at_cross += kModulus;
                    const int err = at_cross <= mid ? at_cross : at_cross - kModulus;
                    const int shift = transitions_ == 0 ? 0 : (transitions_ <= 8 ? 2 : 3);
                    ++transitions_;
                    const int corrected = phase_ - (err >> shift);
                    phase_ = phase_ < mid ? std::clamp(corrected, 0, mid - 1) : std::clamp(corrected, mid, kModulus - 1);
                }
                if (old < mid && phase_ >= mid) {
                    // Decided where the phase passed mid-bit, d interpolated to that point.
                    const int past = std::min(phase_ - mid, adv - 1);
                    const float t = static_cast<float>(past) / static_cast<float>(adv);
                    const float d_at = d - t * (d - d_prev_);
                    ev.push_back({.kind = RxEvent::Kind::Bit,
                                  .bit = static_cast<std::uint8_t>(d_at > 0.0f ? 1 : 0),
                                  .at = n - past / kStep - bit_delay,
                                  .soft = d_at,
                                  .known_at = known});
                }
            }
            d_prev_ = d;
        }
        return ev;
    }

private:
    // exp(-j 2 pi f t / rate) with the phase reduced exactly (f whole hertz).
    static std::complex<double> phasor(double f_hz, SampleTime t, long rate) {
        const long f = std::lround(f_hz);
        long turns = (f * (t % rate)) % rate;
        if (turns < 0) turns += rate;
        const double ph = -modem::dsp::kTwoPi * static_cast<double>(turns) / static_cast<double>(rate);
        return std::polar(1.0, ph);
    }
    static constexpr std::size_t kLen = 4;             // taps holding one bit (3.33) at 1 kHz
    static constexpr std::size_t kPowerWindow = 20;    // the receiver's 20 ms level window at 1 kHz
    static constexpr int kStep = 3 * 256;              // 300 / gcd(300, 8000) * 256
    static constexpr int kModulus = 80 * 256;          // 8000 / gcd * 256
    modem::v21::ChannelFreqs f_;
    modem::dsp::Fir<modem::dsp::cf32> lpf1_, lpf2_;
    SampleTime delay_;
    std::vector<modem::dsp::cf32> base_;
    std::vector<SampleTime> times_;
    std::vector<double> power_;
    bool carrier_ = false;
    int phase_ = 0, transitions_ = 0;
    float d_prev_ = 0.0f;
    SampleTime now_ = 0;
};

double thread_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Bursts of FSK at `dbm0` with silence between them (carrier on and off several times), noise on top.
std::vector<float> bursts(Channel ch, double dbm0, double snr_db, std::uint64_t seed, int count) {
    const auto f = modem::v21::frequencies(ch);
    const double amp = std::sqrt(2.0 * modem::dsp::dbm0_to_power(dbm0));
    std::vector<float> x(400, 0.0f);
    for (int i = 0; i < count; ++i) {
        const auto s = test::reference_fsk(test::random_bits(300, seed + static_cast<std::uint64_t>(i)), f.mark_hz,
                                           f.space_hz, amp);
        x.insert(x.end(), s.begin(), s.end());
        x.resize(x.size() + 700, 0.0f);
    }
    test::add_noise(x, dbm0, snr_db, seed * 7 + 1);
    return x;
}

}  // namespace

TEST_CASE("FskRx: the same events as the direct per-sample form of its signal path (bits, times, carrier levels)") {
    for (const Channel ch : {Channel::Ch1, Channel::Ch2}) {
        for (const double snr : {30.0, 12.0, 6.0}) {
            CAPTURE(modem::v21::to_string(ch));
            CAPTURE(snr);
            const auto x = bursts(ch, -20.0, snr, 101, 4);
            DirectFskRx ref(ch);
            const auto want = ref.run(x);
            FskRx rx({.channel = ch});
            const auto got = test::receive(rx, x, 160);
            REQUIRE(want.size() > 4 * 250);  // the bursts were received
            REQUIRE(got.size() == want.size());
            std::size_t bit_diffs = 0;
            for (std::size_t i = 0; i < got.size(); ++i) {
                CHECK(got[i].kind == want[i].kind);
                CHECK(got[i].at == want[i].at);
                if (got[i].bit != want[i].bit) ++bit_diffs;
                CHECK(std::abs(got[i].soft - want[i].soft) < 1e-3f);
                CHECK(got[i].level_dbm0 == doctest::Approx(want[i].level_dbm0).epsilon(1e-4));
            }
            CHECK(bit_diffs == 0);
        }
    }
}

TEST_CASE("FskRx: CPU time per sample against the direct per-sample form" * doctest::test_suite("slow")) {
    const auto x = bursts(Channel::Ch1, -20.0, 30.0, 202, 40);  // about 50 s of signal
    auto best = [&](auto&& once) {
        double t = 1e9;
        for (int r = 0; r < 3; ++r) {
            const double t0 = thread_cpu_s();
            once();
            t = std::min(t, thread_cpu_s() - t0);
        }
        return 1e9 * t / static_cast<double>(x.size());
    };
    std::size_t n_fast = 0, n_fast1 = 0, n_prev = 0;
    const double fast = best([&] {
        FskRx rx({.channel = Channel::Ch1});
        n_fast = test::receive(rx, x, 160).size();
    });
    const double fast1 = best([&] {
        FskRx rx({.channel = Channel::Ch1});
        n_fast1 = test::receive(rx, x, 1).size();
    });
    const double prev = best([&] {
        DirectFskRx rx(Channel::Ch1);
        n_prev = rx.run(x).size();
    });
    std::printf("FskRx ch1 (thread CPU time): %.2f ns/sample in 160-sample blocks, %.2f sample by sample; "
                "direct form %.2f ns/sample (%.1fx)\n",
                fast, fast1, prev, prev / fast);
    // Set-up: the direct form designs its filters in every constructor (so did every V.8
    // endpoint); the fast one designs it once per channel and process.
    auto build = [](auto make) {
        const double t0 = thread_cpu_s();
        for (int i = 0; i < 200; ++i) make();
        return 1e6 * (thread_cpu_s() - t0) / 200.0;
    };
    const double make_fast = build([] { FskRx rx({.channel = Channel::Ch1}); });
    const double make_prev = build([] { DirectFskRx rx(Channel::Ch1); });
    std::printf("FskRx construction: %.2f us, direct form %.2f us\n", make_fast, make_prev);
    CHECK(make_fast < make_prev);
    CHECK(n_fast == n_prev);
    CHECK(n_fast1 == n_prev);
    CHECK(fast < prev);
    // With SIMD kernels the filter is a few vector dots per sample pair and the rest is cheap;
    // the scalar kernels make both receivers filter-bound, so only "faster" holds there.
    if (modem::dsp::kernels::active().isa != modem::dsp::kernels::Isa::Scalar) CHECK(fast * 3.0 < prev);
}
