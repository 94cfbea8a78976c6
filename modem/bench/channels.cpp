// SPDX-License-Identifier: MIT
/// \file
/// The multi-channel capacity measurement: banks of call pairs on threads, timed in data.
#include "modem/bench/channels.hpp"

#include "modem/bench/pipeline.hpp"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace modem::bench {

namespace {

using v22bis::Role;

constexpr std::size_t kBlock = 160;                                  // project choice: 20 ms
constexpr dsp::SampleTime kConnectLimit = dsp::ms_to_samples(10000);  // project choice

struct ThreadResult {
    bool all_in_data = false;
    bool data_flowed = false;
    double wall_seconds = 0.0;
    double cpu_seconds = 0.0;
};

/// One thread's share: `n` modems (n / 2 calls) in one bank.
class CallBank {
public:
    CallBank(int n, bank::Bank::Conversion conv, std::uint64_t seed)
        : bank_(config(n, conv)), in_(static_cast<std::size_t>(n) * kBlock, 0), out_(in_.size(), 0),
          lcg_(static_cast<std::size_t>(n)), bits_(static_cast<std::size_t>(n), 0) {
        for (std::size_t c = 0; c < bank_.channels(); ++c) {
            lcg_[c] = seed * 0x9E3779B97F4A7C15ull + c * 2654435761ull + 1;
            bank_.modem(c).set_block_source([this, c](std::span<std::uint8_t> bits) {
                for (std::uint8_t& b : bits) {
                    lcg_[c] = lcg_[c] * 6364136223846793005ull + 1442695040888963407ull;  // LCG (Knuth MMIX)
                    b = static_cast<std::uint8_t>(lcg_[c] >> 63);
                }
            });
            bank_.modem(c).set_block_sink([this, c](std::span<const std::uint8_t> bits) { bits_[c] += bits.size(); });
        }
    }
    void step() {
        bank_.process(in_, out_);
        // Each call's two ends hear each other one block later (an ideal line).
        for (std::size_t c = 0; c + 1 < bank_.channels(); c += 2) {
            std::copy_n(out_.begin() + static_cast<std::ptrdiff_t>(c * kBlock), kBlock,
                        in_.begin() + static_cast<std::ptrdiff_t>((c + 1) * kBlock));
            std::copy_n(out_.begin() + static_cast<std::ptrdiff_t>((c + 1) * kBlock), kBlock,
                        in_.begin() + static_cast<std::ptrdiff_t>(c * kBlock));
        }
    }
    [[nodiscard]] bool all_in_data() const {
        for (std::size_t c = 0; c < bank_.channels(); ++c)
            if (!bank_.modem(c).connected() || bank_.modem(c).rate() != v22bis::Rate::Bps2400) return false;
        return true;
    }
    void clear_bits() { std::fill(bits_.begin(), bits_.end(), 0); }
    [[nodiscard]] bool all_received() const {
        return std::all_of(bits_.begin(), bits_.end(), [](std::uint64_t b) { return b > 0; });
    }

private:
    static bank::Bank::Config config(int n, bank::Bank::Conversion conv) {
        bank::Bank::Config c{.block = kBlock, .conversion = conv};
        for (int i = 0; i < n; ++i) c.channels.push_back({.role = i % 2 == 0 ? Role::Caller : Role::Answerer});
        return c;
    }
    bank::Bank bank_;
    std::vector<std::int16_t> in_, out_;
    std::vector<std::uint64_t> lcg_;
    std::vector<std::uint64_t> bits_;
};

}  // namespace

double ChannelsResult::ns_per_modem_sample() const noexcept {
    const double samples = line_seconds * dsp::kFsHz * channels;
    return samples > 0.0 ? cpu_seconds * 1e9 * threads / samples : 0.0;
}

ChannelsResult run_channels(const ChannelsConfig& cfg) {
    if (cfg.threads < 1) throw std::invalid_argument("channels: need at least one thread");
    if (cfg.channels < 2 || cfg.channels % (2 * cfg.threads) != 0)
        throw std::invalid_argument("channels: the count must be a positive multiple of 2 per thread (whole calls)");
    if (!(cfg.seconds > 0.0)) throw std::invalid_argument("channels: seconds must be > 0");
    const int per = cfg.channels / cfg.threads;
    const auto steps = static_cast<long>(cfg.seconds * dsp::kFsHz / kBlock);
    std::vector<ThreadResult> res(static_cast<std::size_t>(cfg.threads));
    std::barrier sync(cfg.threads);
    auto work = [&](int t) {
        CallBank b(per, cfg.conversion, cfg.seed + static_cast<std::uint64_t>(t) * 1000003u);
        for (dsp::SampleTime s = 0; s < kConnectLimit && !b.all_in_data(); s += static_cast<dsp::SampleTime>(kBlock))
            b.step();
        ThreadResult& r = res[static_cast<std::size_t>(t)];
        r.all_in_data = b.all_in_data();
        b.clear_bits();
        sync.arrive_and_wait();  // every thread starts its timed part together
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = thread_cpu_seconds();
        for (long i = 0; i < steps; ++i) b.step();
        r.cpu_seconds = thread_cpu_seconds() - c0;
        r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        r.data_flowed = b.all_received();
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < cfg.threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    ChannelsResult out{.channels = cfg.channels, .threads = cfg.threads, .all_in_data = true, .data_flowed = true};
    out.line_seconds = static_cast<double>(steps) * kBlock / dsp::kFsHz;
    for (const ThreadResult& r : res) {
        out.all_in_data = out.all_in_data && r.all_in_data;
        out.data_flowed = out.data_flowed && r.data_flowed;
        out.wall_seconds = std::max(out.wall_seconds, r.wall_seconds);
        out.cpu_seconds = std::max(out.cpu_seconds, r.cpu_seconds);
    }
    return out;
}

}  // namespace modem::bench
