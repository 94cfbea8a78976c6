// SPDX-License-Identifier: MIT
/// \file
/// V.21 receiver speed work: the fast receiver against the previous per-sample one (same events), and its CPU time.
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

/// The receiver as it was before the speed work (commit before f8ecd08), kept as the reference:
/// double-precision oscillators for the mixer and both correlators, a real-tap low-pass over the
/// complex baseband, correlator windows summed afresh at every sample. Same constants and same
/// timing loop, so any difference in events comes from the arithmetic of the fast receiver.
class PreviousFskRx {
public:
    explicit PreviousFskRx(Channel ch)
        : f_(modem::v21::frequencies(ch)),
          mixer_({.freq_hz = -f_.centre_hz()}),
          lo_mark_({.freq_hz = -(f_.mark_hz - f_.centre_hz())}),
          lo_space_({.freq_hz = -(f_.space_hz - f_.centre_hz())}),
          // The receiver's documented channel filter: -6 dB at 250 Hz, 140 Hz transition, 60 dB.
          lpf_({.taps = modem::dsp::design::lowpass(
                    {.fs_hz = modem::dsp::kFsHz, .cutoff_hz = 250.0, .transition_hz = 140.0, .stopband_db = 60.0})}),
          ring_mark_(kLen),
          ring_space_(kLen),
          ring_power_(kPowerWindow) {}

    std::vector<RxEvent> run(std::span<const float> in) {
        std::vector<RxEvent> ev;
        const int mid = kModulus / 2;
        const auto delay = static_cast<SampleTime>(lpf_.delay());
        for (const float x : in) {
            const SampleTime n = now_++;
            const modem::dsp::cf32 b = lpf_.step(x * mixer_.next());
            const float p = 2.0f * std::norm(b);
            power_sum_ += static_cast<double>(p) - static_cast<double>(ring_power_[power_pos_]);
            ring_power_[power_pos_] = p;
            if (++power_pos_ == kPowerWindow) power_pos_ = 0;
            const double level = modem::dsp::power_to_dbm0(std::max(power_sum_, 0.0) / kPowerWindow);
            if (!carrier_ && power_sum_ > modem::dsp::dbm0_to_power(-43.0) * kPowerWindow) {
                carrier_ = true;
                transitions_ = 0;
                phase_ = 0;
                ev.push_back({.kind = RxEvent::Kind::CarrierOn, .at = n, .level_dbm0 = static_cast<float>(level)});
            } else if (carrier_ && power_sum_ < modem::dsp::dbm0_to_power(-48.0) * kPowerWindow) {
                carrier_ = false;
                ev.push_back({.kind = RxEvent::Kind::CarrierOff, .at = n, .level_dbm0 = static_cast<float>(level)});
            }
            ring_mark_[pos_] = b * lo_mark_.next();
            ring_space_[pos_] = b * lo_space_.next();
            if (++pos_ == kLen) pos_ = 0;
            const float em = std::norm(std::accumulate(ring_mark_.begin(), ring_mark_.end(), modem::dsp::cf32{}));
            const float es = std::norm(std::accumulate(ring_space_.begin(), ring_space_.end(), modem::dsp::cf32{}));
            const float d = (em - es) / (em + es + 1e-30f);
            if (carrier_) {
                const int old = phase_;
                phase_ += kStep;
                if (phase_ >= kModulus) phase_ -= kModulus;
                if ((d > 0.0f) != (d_prev_ > 0.0f)) {
                    const float f = d_prev_ / (d_prev_ - d);
                    int at_cross = phase_ - static_cast<int>(std::lround((1.0f - f) * static_cast<float>(kStep)));
                    if (at_cross < 0) at_cross += kModulus;
                    const int err = at_cross <= mid ? at_cross : at_cross - kModulus;
                    const int shift = transitions_ == 0 ? 0 : (transitions_ <= 8 ? 2 : 3);
                    ++transitions_;
                    const int corrected = phase_ - (err >> shift);
                    phase_ = phase_ < mid ? std::clamp(corrected, 0, mid - 1) : std::clamp(corrected, mid, kModulus - 1);
                }
                if (old < mid && phase_ >= mid) {
                    ev.push_back({.kind = RxEvent::Kind::Bit,
                                  .bit = static_cast<std::uint8_t>(d > 0.0f ? 1 : 0),
                                  .at = n - delay - static_cast<SampleTime>(kLen)});
                }
            }
            d_prev_ = d;
        }
        return ev;
    }

private:
    static constexpr std::size_t kLen = 27;            // 8000 / 300, one bit
    static constexpr std::size_t kPowerWindow = 160;   // the receiver's 20 ms level window
    static constexpr int kStep = 3 * 256;              // 300 / gcd(300, 8000) * 256
    static constexpr int kModulus = 80 * 256;          // 8000 / gcd * 256
    modem::v21::ChannelFreqs f_;
    modem::dsp::Nco mixer_, lo_mark_, lo_space_;
    modem::dsp::Fir<modem::dsp::cf32> lpf_;
    std::vector<modem::dsp::cf32> ring_mark_, ring_space_;
    std::vector<float> ring_power_;
    std::size_t pos_ = 0, power_pos_ = 0;
    double power_sum_ = 0.0;
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

TEST_CASE("FskRx: the same events as the previous per-sample receiver (bits, times, carrier levels)") {
    for (const Channel ch : {Channel::Ch1, Channel::Ch2}) {
        for (const double snr : {30.0, 12.0, 6.0}) {
            CAPTURE(modem::v21::to_string(ch));
            CAPTURE(snr);
            const auto x = bursts(ch, -20.0, snr, 101, 4);
            PreviousFskRx ref(ch);
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
                CHECK(got[i].level_dbm0 == doctest::Approx(want[i].level_dbm0).epsilon(1e-4));
            }
            CHECK(bit_diffs == 0);
        }
    }
}

TEST_CASE("FskRx: CPU time per sample against the previous receiver" * doctest::test_suite("slow")) {
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
        PreviousFskRx rx(Channel::Ch1);
        n_prev = rx.run(x).size();
    });
    std::printf("FskRx ch1 (thread CPU time): %.2f ns/sample in 160-sample blocks, %.2f sample by sample; "
                "previous receiver %.2f ns/sample (%.1fx)\n",
                fast, fast1, prev, prev / fast);
    // Set-up: the previous receiver designed its filter in every constructor (so did every V.8
    // endpoint); the fast one designs it once per channel and process.
    auto build = [](auto make) {
        const double t0 = thread_cpu_s();
        for (int i = 0; i < 200; ++i) make();
        return 1e6 * (thread_cpu_s() - t0) / 200.0;
    };
    const double make_fast = build([] { FskRx rx({.channel = Channel::Ch1}); });
    const double make_prev = build([] { PreviousFskRx rx(Channel::Ch1); });
    std::printf("FskRx construction: %.2f us, previous receiver %.2f us\n", make_fast, make_prev);
    CHECK(make_fast < make_prev);
    CHECK(n_fast == n_prev);
    CHECK(n_fast1 == n_prev);
    CHECK(fast < prev);
    // With SIMD kernels the filter is a few vector dots per sample pair and the rest is cheap;
    // the scalar kernels make both receivers filter-bound, so only "faster" holds there.
    if (modem::dsp::kernels::active().isa != modem::dsp::kernels::Isa::Scalar) CHECK(fast * 3.0 < prev);
}
