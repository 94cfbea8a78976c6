// SPDX-License-Identifier: MIT
/// \file
/// squeal-bench-spandsp: the `squeal bench` figures of libspandsp's V.22bis modem (test-only
/// independent implementation), measured by modem_bench's drivers on the same generated inputs
/// (same seeds and generator), printed as JSON on stdout for `squeal bench` to merge.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "modem/bench/measure.hpp"
#include "modem/bench/pipeline.hpp"
#include "modem/bench/report.hpp"

extern "C" {
#include <spandsp.h>
#include <spandsp/version.h>
}
#undef ms_to_samples  // spandsp's macro of the same name

#include "support/spandsp_peer.hpp"  // the whole spandsp modem (V.8, V.22bis, async) of the interop tests

namespace {

using modem::bench::BitReceiver;
using modem::bench::BitSink;
using modem::bench::BlockSink;
using modem::bench::CallOutcome;
using modem::bench::CallPair;
using modem::v22bis::Rate;
using modem::v22bis::Role;


/// One spandsp V.22bis modem with default settings (no guard tone, default levels and cut-off).
class Spandsp {
public:
    /// `sink` gets received data bits; `tx_sink` (may be null) sees each bit the transmitter takes.
    Spandsp(Role role, int bit_rate, BlockSink sink, BlockSink tx_sink = nullptr)
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
        static constexpr std::uint8_t kOne = 1;
        if (self->tx_sink_) self->tx_sink_(std::span<const std::uint8_t>(&kOne, 1));
        return 1;
    }
    static void put_bit(void* user, int bit) {
        auto* self = static_cast<Spandsp*>(user);
        if (bit >= 0 && self->sink_) {  // < 0: status
            const auto b = static_cast<std::uint8_t>(bit & 1);
            self->sink_(std::span<const std::uint8_t>(&b, 1));
        }
    }
    static void status(void* user, int st) {
        auto* self = static_cast<Spandsp*>(user);
        if (st == SIG_STATUS_TRAINING_SUCCEEDED) self->trained_ = true;
        if (st == SIG_STATUS_TRAINING_FAILED) self->failed_ = true;
    }
    v22bis_state_t* s_ = nullptr;
    BlockSink sink_, tx_sink_;
    bool trained_ = false, failed_ = false;
};

/// What a SpandspReceiver runs from start_timing() on.
enum class Timed { Both, RxOnly, TxOnly };

/// The whole modem: v22bis_rx and v22bis_tx (output discarded) every block until start_timing(),
/// then both, only v22bis_rx, or only v22bis_tx (the handshake needs both).
class SpandspReceiver final : public BitReceiver {
public:
    SpandspReceiver(Role role, Rate rate, BlockSink sink, Timed timed, BlockSink tx_sink = nullptr)
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

constexpr std::size_t kBlock = 160;  // project choice: 20 ms blocks, as the CLI moves audio

/// spandsp's V.21 channel 1 receiver (synchronous framing: bits at its recovered bit clock).
class V21Rx final : public BitReceiver {
public:
    explicit V21Rx(BlockSink sink) : sink_(std::move(sink)) {
        s_ = fsk_rx_init(nullptr, &preset_fsk_specs[FSK_V21CH1], FSK_FRAME_MODE_SYNC, put_bit, this);
        if (!s_) throw std::runtime_error("spandsp: fsk_rx_init failed");
    }
    ~V21Rx() override { fsk_rx_free(s_); }
    V21Rx(const V21Rx&) = delete;
    V21Rx& operator=(const V21Rx&) = delete;
    void receive(std::span<const std::int16_t> block) override {
        fsk_rx(s_, block.data(), static_cast<int>(block.size()));
    }

private:
    static void put_bit(void* user, int bit) {
        auto* self = static_cast<V21Rx*>(user);
        if (bit < 0 || !self->sink_) return;  // < 0: status
        const auto b = static_cast<std::uint8_t>(bit & 1);
        self->sink_(std::span<const std::uint8_t>(&b, 1));
    }
    fsk_rx_state_t* s_ = nullptr;
    BlockSink sink_;
};

/// spandsp's V.8 answerer (v8_rx and v8_tx, output discarded), offering V.22bis.
class V8Answerer final : public BitReceiver {
public:
    V8Answerer() {
        v8_parms_t parms{};
        parms.modem_connect_tone = MODEM_CONNECT_TONES_ANSAM_PR;
        parms.send_ci = 0;
        parms.v92 = -1;
        parms.call_function = V8_CALL_V_SERIES;
        parms.modulations = V8_MOD_V22;
        parms.protocol = V8_PROTOCOL_NONE;
        parms.pcm_modem_availability = 0;
        parms.pstn_access = 0;
        parms.nsf = -1;
        parms.t66 = -1;
        s_ = v8_init(nullptr, 0, &parms, result, this);
        if (!s_) throw std::runtime_error("spandsp: v8_init failed");
    }
    ~V8Answerer() override { v8_free(s_); }
    V8Answerer(const V8Answerer&) = delete;
    V8Answerer& operator=(const V8Answerer&) = delete;
    void receive(std::span<const std::int16_t> block) override {
        v8_rx(s_, block.data(), static_cast<int>(block.size()));
        out_.resize(block.size());
        v8_tx(s_, out_.data(), static_cast<int>(out_.size()));
    }

private:
    static void result(void*, v8_parms_t* r) {
        if (r->status == V8_STATUS_V8_OFFERED) {
            r->modulations &= V8_MOD_V22;
            r->protocol = V8_PROTOCOL_NONE;
        }
    }
    v8_state_t* s_ = nullptr;
    std::vector<std::int16_t> out_;
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
    std::unique_ptr<BitReceiver> make_pump(Role role, Rate rate, BlockSink sink) override {
        return std::make_unique<SpandspReceiver>(role, rate, std::move(sink), Timed::Both);
    }
    std::unique_ptr<BitReceiver> make_rx_only(Role role, Rate rate, BlockSink sink) override {
        return std::make_unique<SpandspReceiver>(role, rate, std::move(sink), Timed::RxOnly);
    }
    std::unique_ptr<BitReceiver> make_tx_only(Role role, Rate rate, BlockSink sink) override {
        return std::make_unique<SpandspReceiver>(role, rate, nullptr, Timed::TxOnly, std::move(sink));
    }
    std::unique_ptr<BitReceiver> make_v21_rx(BlockSink sink) override { return std::make_unique<V21Rx>(std::move(sink)); }
    std::unique_ptr<BitReceiver> make_v8_answerer() override { return std::make_unique<V8Answerer>(); }
    std::optional<modem::bench::WholeCallResult> run_whole_call(const modem::bench::WholeCallConfig& cfg) override {
        // The same bytes as our whole call (ours.cpp): caller's first, then the answerer's.
        std::mt19937_64 rng(cfg.seed * 2 + 11);
        std::vector<std::uint8_t> data_c(cfg.bytes), data_a(cfg.bytes);
        for (auto& b : data_c) b = static_cast<std::uint8_t>(rng());
        for (auto& b : data_a) b = static_cast<std::uint8_t>(rng());
        const auto limit = static_cast<long>(cfg.max_seconds * 8000.0);
        modem::bench::WholeCallResult r;
        const double t0 = modem::bench::thread_cpu_seconds();
        auto caller = std::make_unique<test::SpandspPeer>(test::SpandspPeer::Config{.answerer = false, .send = data_c});
        auto answerer = std::make_unique<test::SpandspPeer>(test::SpandspPeer::Config{.answerer = true, .send = data_a});
        std::vector<std::int16_t> c_in(kBlock, 0), a_in(kBlock, 0), c_out(kBlock), a_out(kBlock);
        long t = 0;
        for (; t < limit; t += static_cast<long>(kBlock)) {
            caller->process(c_in.data(), c_out.data(), static_cast<int>(kBlock));
            answerer->process(a_in.data(), a_out.data(), static_cast<int>(kBlock));
            c_in.swap(a_out);  // each end hears the other one block later
            a_in.swap(c_out);
            if (caller->received().size() >= data_a.size() && answerer->received().size() >= data_c.size()) break;
        }
        r.wall_seconds = modem::bench::thread_cpu_seconds() - t0;
        r.line_seconds = static_cast<double>(t + static_cast<long>(kBlock)) / 8000.0;
        const bool rate_ok = caller->bit_rate() == 2400 && answerer->bit_rate() == 2400;
        r.ok = rate_ok && caller->received() == data_a && answerer->received() == data_c;
        if (!rate_ok) r.note = "did not connect at 2400";
        else if (!r.ok) r.note = "bytes differ or missing";
        return r;
    }
    std::vector<modem::bench::MemoryFigure> memory(int instances) override {
        using modem::bench::heap_bytes_per_instance;
        std::vector<modem::bench::MemoryFigure> m;
        std::vector<std::int16_t> silence(kBlock, 0), out(kBlock);
        m.push_back({"v22bis_modem", "V.22bis pump", heap_bytes_per_instance([&] {
                         auto p = std::make_shared<Spandsp>(Role::Caller, 2400, nullptr);
                         p->rx(silence);
                         p->tx(out);
                         return std::shared_ptr<void>(p);
                     }, instances)});
        m.push_back({"v8_endpoint", "V.8 endpoint", heap_bytes_per_instance([&] {
                         auto p = std::make_shared<V8Answerer>();
                         p->receive(silence);
                         return std::shared_ptr<void>(p);
                     }, instances)});
        struct Pair {
            test::SpandspPeer c{test::SpandspPeer::Config{.answerer = false, .send = {}}};
            test::SpandspPeer a{test::SpandspPeer::Config{.answerer = true, .send = {}}};
        };
        m.push_back({"session_in_data", "whole modem in data", heap_bytes_per_instance([&] {
                         auto p = std::make_shared<Pair>();
                         std::vector<std::int16_t> c_in(kBlock, 0), a_in(kBlock, 0), c_out(kBlock), a_out(kBlock);
                         for (int i = 0; i < 500 && !(p->c.trained() && p->a.trained()); ++i) {
                             p->c.process(c_in.data(), c_out.data(), static_cast<int>(kBlock));
                             p->a.process(a_in.data(), a_out.data(), static_cast<int>(kBlock));
                             c_in.swap(a_out);
                             a_in.swap(c_out);
                         }
                         return std::shared_ptr<void>(p);
                     }, std::max(1, instances / 4)) / 2.0});
        return m;
    }
    std::unique_ptr<CallPair> make_call() override { return std::make_unique<SpandspCall>(); }
    /// Measured on a clean back-to-back spandsp call: from 0.5 s after both trained, for 2 s.
    std::pair<double, double> data_power() override {
        SpandspCall call;
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
    bool skip_ber = false, skip_handshake = false, skip_pipeline = false;
    std::size_t call_bytes = modem::bench::WholeCallConfig{}.bytes;
    app.add_flag("--skip-ber", skip_ber, "no BER curves");
    app.add_flag("--skip-handshake", skip_handshake, "no handshake trials");
    app.add_flag("--skip-pipeline", skip_pipeline, "no V.21, V.8, whole-call and memory figures");
    app.add_option("--call-bytes", call_bytes, "bytes each way in the whole call");
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
        modem::bench::BenchOptions opt{.quick = quick,
                                       .seed = seed,
                                       .trials = trials,
                                       .max_bits = bits,
                                       .ber = !skip_ber,
                                       .handshake = !skip_handshake,
                                       .pipeline = !skip_pipeline,
                                       .call = {.bytes = call_bytes},
                                       .progress = &std::cerr};
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
