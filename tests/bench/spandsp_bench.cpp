// SPDX-License-Identifier: MIT
/// \file
/// squeal-bench-spandsp: the `squeal bench` figures of libspandsp's V.22bis modem (test-only
/// independent implementation), measured by modem_bench's drivers on the same generated inputs
/// (same seeds and generator), printed as JSON on stdout for `squeal bench` to merge.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "modem/bench/measure.hpp"
#include "modem/bench/report.hpp"

extern "C" {
#include <spandsp.h>
#include <spandsp/version.h>
}
#undef ms_to_samples  // spandsp's macro of the same name

namespace {

using modem::bench::BitReceiver;
using modem::bench::BitSink;
using modem::bench::CallOutcome;
using modem::bench::CallPair;
using modem::v22bis::Rate;
using modem::v22bis::Role;


/// One spandsp V.22bis modem with default settings (no guard tone, default levels and cut-off).
class Spandsp {
public:
    /// `sink` gets received data bits; `tx_sink` (may be null) sees each bit the transmitter takes.
    Spandsp(Role role, int bit_rate, BitSink sink, BitSink tx_sink = nullptr)
        : sink_(std::move(sink)), tx_sink_(std::move(tx_sink)) {
        s_ = v22bis_init(nullptr, bit_rate, V22BIS_GUARD_TONE_NONE, role == Role::Caller, get_bit, this, put_bit, this);
        if (!s_) throw std::runtime_error("spandsp: v22bis_init failed");
        v22bis_set_modem_status_handler(s_, status, this);
    }
    ~Spandsp() { v22bis_free(s_); }
    Spandsp(const Spandsp&) = delete;
    Spandsp& operator=(const Spandsp&) = delete;

    void rx(std::span<const std::int16_t> in) { v22bis_rx(s_, in.data(), static_cast<int>(in.size())); }
    void tx(std::span<std::int16_t> out) {
        const int made = v22bis_tx(s_, out.data(), static_cast<int>(out.size()));
        for (std::size_t i = static_cast<std::size_t>(made < 0 ? 0 : made); i < out.size(); ++i) out[i] = 0;
    }
    [[nodiscard]] bool trained() const { return trained_; }
    [[nodiscard]] bool training_failed() const { return failed_; }
    [[nodiscard]] int bit_rate() const { return v22bis_get_current_bit_rate(s_); }

private:
    /// Marks (binary 1) as transmit data: the bench discards what spandsp sends.
    static int get_bit(void* user) {
        auto* self = static_cast<Spandsp*>(user);
        if (self->tx_sink_) self->tx_sink_(1);
        return 1;
    }
    static void put_bit(void* user, int bit) {
        auto* self = static_cast<Spandsp*>(user);
        if (bit >= 0 && self->sink_) self->sink_(static_cast<std::uint8_t>(bit & 1));  // < 0: status
    }
    static void status(void* user, int st) {
        auto* self = static_cast<Spandsp*>(user);
        if (st == SIG_STATUS_TRAINING_SUCCEEDED) self->trained_ = true;
        if (st == SIG_STATUS_TRAINING_FAILED) self->failed_ = true;
    }
    v22bis_state_t* s_ = nullptr;
    BitSink sink_, tx_sink_;
    bool trained_ = false, failed_ = false;
};

/// What a SpandspReceiver runs from start_timing() on.
enum class Timed { Both, RxOnly, TxOnly };

/// The whole modem: v22bis_rx and v22bis_tx (output discarded) every block until start_timing(),
/// then both, only v22bis_rx, or only v22bis_tx (the handshake needs both).
class SpandspReceiver final : public BitReceiver {
public:
    SpandspReceiver(Role role, Rate rate, BitSink sink, Timed timed, BitSink tx_sink = nullptr)
        : modem_(role, static_cast<int>(rate), std::move(sink), std::move(tx_sink)), timed_(timed) {}
    void receive(std::span<const std::int16_t> block) override {
        if (!timing_ || timed_ != Timed::TxOnly) modem_.rx(block);
        if (timing_ && timed_ == Timed::RxOnly) return;
        scratch_.resize(block.size());
        modem_.tx(scratch_);
    }
    void start_timing() override { timing_ = true; }

private:
    Spandsp modem_;
    Timed timed_;
    bool timing_ = false;
    std::vector<std::int16_t> scratch_;
};

class SpandspCall final : public CallPair {
public:
    SpandspCall() : caller_(Role::Caller, 2400, nullptr), answerer_(Role::Answerer, 2400, nullptr) {}
    void process(std::span<const std::int16_t> caller_in, std::span<std::int16_t> caller_out,
                 std::span<const std::int16_t> answerer_in, std::span<std::int16_t> answerer_out) override {
        caller_.rx(caller_in);
        caller_.tx(caller_out);
        answerer_.rx(answerer_in);
        answerer_.tx(answerer_out);
    }
    [[nodiscard]] CallOutcome outcome() const override {
        // Training success fires when the transmitter enters data (spandsp-notes.md); the rate read
        // then is the negotiated one.
        auto bps = [](const Spandsp& m) { return m.trained() && !m.training_failed() ? m.bit_rate() : 0; };
        const bool done = (caller_.trained() && answerer_.trained()) || caller_.training_failed() ||
                          answerer_.training_failed();
        return {.finished = done, .caller_bps = bps(caller_), .answerer_bps = bps(answerer_)};
    }

private:
    Spandsp caller_, answerer_;
};

class SpandspImplementation final : public modem::bench::Implementation {
public:
    [[nodiscard]] std::string name() const override { return "spandsp"; }
    [[nodiscard]] std::string version() const override { return "0.0.6 (" SPANDSP_RELEASE_DATETIME_STRING ")"; }
    std::unique_ptr<BitReceiver> make_pump(Role role, Rate rate, BitSink sink) override {
        return std::make_unique<SpandspReceiver>(role, rate, std::move(sink), Timed::Both);
    }
    std::unique_ptr<BitReceiver> make_rx_only(Role role, Rate rate, BitSink sink) override {
        return std::make_unique<SpandspReceiver>(role, rate, std::move(sink), Timed::RxOnly);
    }
    std::unique_ptr<BitReceiver> make_tx_only(Role role, Rate rate, BitSink sink) override {
        return std::make_unique<SpandspReceiver>(role, rate, nullptr, Timed::TxOnly, std::move(sink));
    }
    std::unique_ptr<CallPair> make_call() override { return std::make_unique<SpandspCall>(); }
    /// Measured on a clean back-to-back spandsp call: from 0.5 s after both trained, for 2 s.
    std::pair<double, double> data_power() override {
        SpandspCall call;
        constexpr std::size_t kBlock = 160;
        std::vector<std::int16_t> c_in(kBlock, 0), c_out(kBlock), a_in(kBlock, 0), a_out(kBlock);
        std::vector<std::int16_t> from_caller, from_answerer;
        long trained_at = -1;
        for (long t = 0; t < 10 * 8000; t += static_cast<long>(kBlock)) {
            call.process(c_in, c_out, a_in, a_out);
            c_in = a_out;
            a_in = c_out;
            if (trained_at < 0 && call.outcome().finished) trained_at = t;
            if (trained_at >= 0 && t - trained_at >= 4000) {
                from_caller.insert(from_caller.end(), c_out.begin(), c_out.end());
                from_answerer.insert(from_answerer.end(), a_out.begin(), a_out.end());
            }
            if (from_caller.size() >= 16000) break;
        }
        if (from_caller.size() < 16000) throw std::runtime_error("spandsp: the clean back-to-back call did not train");
        return {modem::bench::mean_power(from_caller, 0, from_caller.size()),
                modem::bench::mean_power(from_answerer, 0, from_answerer.size())};
    }
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"squeal-bench-spandsp: spandsp's V.22bis figures for `squeal bench`, as JSON", "squeal-bench-spandsp"};
    bool quick = false;
    std::uint64_t seed = 1;
    int trials = 100;
    std::size_t bits = 0;
    app.add_flag("--quick", quick, "coarser SNR grid and fewer bits");
    app.add_option("--seed", seed, "seed of the data, noise and lines (default 1)");
    app.add_option("--trials", trials, "handshake calls (default 100)")->check(CLI::Range(1, 100000));
    app.add_option("--bits", bits, "bits per BER point (0: the default for the mode)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::string msg = e.what();
        for (char& c : msg)
            if (c == '\n') c = ' ';
        std::cerr << "squeal-bench-spandsp: " << msg << '\n';
        return 2;
    }
    try {
        modem::bench::BenchOptions opt{.quick = quick, .seed = seed, .trials = trials, .max_bits = bits, .progress = &std::cerr};
        std::cerr << "bench: spandsp: recording the reference calls (seed " << seed << ")\n";
        const modem::bench::BenchInputs inputs = modem::bench::make_inputs(opt);
        SpandspImplementation impl;
        const modem::bench::Figures f = modem::bench::measure_figures(impl, inputs, opt);
        std::cout << modem::bench::to_json(f).dump() << '\n';
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "squeal-bench-spandsp: " << e.what() << '\n';
        return 1;
    }
}
