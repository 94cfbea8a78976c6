// SPDX-License-Identifier: MIT
/// \file
/// Adapters from our modem's parts (V.22bis Modem / Rx / Tx, V.21 receiver, V.8 endpoint, the
/// session) to the bench's receiver and call interfaces.
#include "modem/bench/ours.hpp"

#include <chrono>
#include <random>
#include <vector>

#include "dsp/kernels/kernels.hpp"
#include "modem/bench/pipeline.hpp"
#include "modem/session/session.hpp"
#include "modem/v21/fsk_rx.hpp"
#include "modem/v22bis/fsm.hpp"
#include "modem/v22bis/modem.hpp"
#include "modem/v22bis/rx.hpp"
#include "modem/v22bis/tx.hpp"
#include "modem/v8/endpoint.hpp"

namespace modem::bench {

namespace {

using v22bis::HandshakeState;
using v22bis::Modem;
using v22bis::Rate;
using v22bis::Role;

constexpr std::size_t kBlock = 160;  // project choice: 20 ms blocks, as the CLI moves audio

/// int16 line samples to our float scale (1.0 = full scale), through the active SIMD path.
void to_float(std::span<const std::int16_t> in, std::vector<float>& out) {
    out.resize(in.size());
    dsp::kernels::s16_to_f32(in, out);
}

class PumpReceiver final : public BitReceiver {
public:
    PumpReceiver(Role role, Rate rate, BlockSink sink) : modem_({.role = role, .max_rate = rate}) {
        if (sink) modem_.set_block_sink(std::move(sink));
    }
    void receive(std::span<const std::int16_t> block) override {
        to_float(block, in_);
        out_.resize(block.size());
        modem_.process(in_, out_);
    }

private:
    Modem modem_;
    std::vector<float> in_, out_;
};

/// The receive side of our pump without its transmitter: v22bis::Rx, and the handshake machine
/// stepped on its observations exactly as Modem steps it (the same restarts at the end of the far
/// end's S1 and of its USB1), so the receiver trains on the recorded handshake and is in data mode
/// when timing starts. The Modem's delay line and quality monitor are not included.
class RxOnly final : public BitReceiver {
public:
    RxOnly(Role role, Rate rate, BlockSink sink)
        : rx_({.role = role}),
          fsm_({.role = role,
                .max_rate = rate,
                // The pump's reaction latency (modem.cpp): receiver delay, shaping delay, half a symbol.
                .latency = rx_.delay() + v22bis::Tx::kDelaySamples + 7},
               [this](const v22bis::Transition& t) { on_transition(t); }),
          sink_(std::move(sink)) {
        st_ = &rx_.status();
    }
    void receive(std::span<const std::int16_t> block) override {
        to_float(block, in_);
        rx_.process(in_, [this](const v22bis::RxSymbol& s) { on_symbol(s); });
    }

private:
    void on_transition(const v22bis::Transition& t) {
        if (t.from == HandshakeState::S1Heard && (t.to == HandshakeState::SendS1Reply || t.to == HandshakeState::Train1200))
            rx_.restart();
    }
    void on_symbol(const v22bis::RxSymbol& sym) {
        const bool usb1 = st_->usb1_since != v22bis::kNever;
        if (usb1_was_on_ && !usb1 && fsm_.state() == HandshakeState::WaitReply) rx_.restart();
        usb1_was_on_ = usb1;
        fsm_.step(sym.at, v22bis::Observations::from(*st_));
        rx_.set_sixteen_point(fsm_.sixteen_point());
        rx_.set_data_mode(fsm_.delivering());
        if (fsm_.delivering() && sink_) sink_(std::span<const std::uint8_t>(sym.bits.data(), sym.n_bits));
    }
    v22bis::Rx rx_;
    v22bis::HandshakeFsm fsm_;
    BlockSink sink_;
    const v22bis::RxStatus* st_ = nullptr;
    bool usb1_was_on_ = false;
    std::vector<float> in_;
};

/// Receives through a whole pump until start_timing(), then only transmits data (2400 or 1200
/// bit/s, random bits, one block-source call per symbol), ignoring its input.
class TxOnly final : public BitReceiver {
public:
    TxOnly(Role role, Rate rate, BlockSink sink)
        : pump_(role, rate, {}), tx_({.role = role}), rate_(rate), sink_(std::move(sink)) {
        tx_.set_block_source([this](std::span<std::uint8_t> bits) {
            for (std::uint8_t& b : bits) {
                bits_ = bits_ * 6364136223846793005ull + 1442695040888963407ull;  // LCG (Knuth MMIX)
                b = static_cast<std::uint8_t>(bits_ >> 63);
            }
            if (sink_) sink_(bits);
        });
    }
    void receive(std::span<const std::int16_t> block) override {
        if (!timing_) {
            pump_.receive(block);
            return;
        }
        out_.resize(block.size());
        tx_.process(out_);
    }
    void start_timing() override {
        timing_ = true;
        tx_.set_signal(rate_ == Rate::Bps2400 ? v22bis::TxSignal::Data2400 : v22bis::TxSignal::Data1200);
    }

private:
    PumpReceiver pump_;
    v22bis::Tx tx_;
    Rate rate_;
    bool timing_ = false;
    BlockSink sink_;
    std::uint64_t bits_ = 1;
    std::vector<float> out_;
};

class V21Receiver final : public BitReceiver {
public:
    explicit V21Receiver(BlockSink sink) : rx_({.channel = v21::Channel::Ch1}), sink_(std::move(sink)) {
        events_.resize(rx_.max_output(kBlock));
    }
    void receive(std::span<const std::int16_t> block) override {
        to_float(block, in_);
        if (events_.size() < rx_.max_output(block.size())) events_.resize(rx_.max_output(block.size()));
        const std::size_t n = rx_.process(in_, events_);
        std::size_t k = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (events_[i].kind == v21::RxEvent::Kind::Bit && k < bits_.size()) bits_[k++] = events_[i].bit;
        if (k > 0 && sink_) sink_(std::span<const std::uint8_t>(bits_.data(), k));
    }

private:
    v21::FskRx rx_;
    BlockSink sink_;
    std::vector<v21::RxEvent> events_;
    std::array<std::uint8_t, 64> bits_{};  // a 160-sample block holds at most 7 bits at 300 bit/s
    std::vector<float> in_;
};

class V8Answerer final : public BitReceiver {
public:
    V8Answerer() : v8_({.role = v8::Role::Answerer}) {}
    void receive(std::span<const std::int16_t> block) override {
        to_float(block, in_);
        out_.resize(block.size());
        v8_.process(in_, out_);
    }

private:
    v8::V8Endpoint v8_;
    std::vector<float> in_, out_;
};

class OurCall final : public CallPair {
public:
    OurCall() : caller_({.role = Role::Caller}), answerer_({.role = Role::Answerer}) {}
    void process(std::span<const std::int16_t> caller_in, std::span<std::int16_t> caller_out,
                 std::span<const std::int16_t> answerer_in, std::span<std::int16_t> answerer_out) override {
        run(caller_, caller_in, caller_out);
        run(answerer_, answerer_in, answerer_out);
    }
    [[nodiscard]] CallOutcome outcome() const override {
        auto bps = [](const Modem& m) { return m.connected() && !m.failed() ? static_cast<int>(m.rate()) : 0; };
        const bool done = (caller_.connected() && answerer_.connected()) || caller_.failed() || answerer_.failed();
        return {.finished = done, .caller_bps = bps(caller_), .answerer_bps = bps(answerer_)};
    }

private:
    void run(Modem& m, std::span<const std::int16_t> in, std::span<std::int16_t> out) {
        to_float(in, fin_);
        fout_.resize(in.size());
        m.process(fin_, fout_);
        dsp::kernels::f32_to_s16(fout_, out);
    }
    Modem caller_, answerer_;
    std::vector<float> fin_, fout_;
};

/// Two sessions on an ideal int16 line (one block each way), stepped together.
session::Session::Config session_config(session::Role role) {
    session::Session::Config c;
    c.role = role;
    return c;
}

struct SessionPair {
    session::Session caller{session_config(session::Role::Caller)};
    session::Session answerer{session_config(session::Role::Answerer)};
    std::array<float, kBlock> c_in{}, a_in{}, c_out{}, a_out{};
    std::array<std::int16_t, kBlock> c_s{}, a_s{};
    void step() {
        caller.process(c_in, c_out);
        answerer.process(a_in, a_out);
        dsp::kernels::f32_to_s16(c_out, c_s);
        dsp::kernels::f32_to_s16(a_out, a_s);
        dsp::kernels::s16_to_f32(c_s, a_in);
        dsp::kernels::s16_to_f32(a_s, c_in);
    }
    [[nodiscard]] bool in_data() const {
        return caller.phase() == session::Phase::Data && answerer.phase() == session::Phase::Data;
    }
};

}  // namespace

std::string OurImplementation::version() const { return "0.1.0"; }

std::unique_ptr<BitReceiver> OurImplementation::make_pump(Role role, Rate rate, BlockSink sink) {
    return std::make_unique<PumpReceiver>(role, rate, std::move(sink));
}

std::unique_ptr<BitReceiver> OurImplementation::make_rx_only(Role role, Rate rate, BlockSink sink) {
    return std::make_unique<RxOnly>(role, rate, std::move(sink));
}

std::unique_ptr<BitReceiver> OurImplementation::make_tx_only(Role role, Rate rate, BlockSink sink) {
    return std::make_unique<TxOnly>(role, rate, std::move(sink));
}

std::unique_ptr<BitReceiver> OurImplementation::make_v21_rx(BlockSink sink) {
    return std::make_unique<V21Receiver>(std::move(sink));
}

std::unique_ptr<BitReceiver> OurImplementation::make_v8_answerer() { return std::make_unique<V8Answerer>(); }

std::optional<WholeCallResult> OurImplementation::run_whole_call(const WholeCallConfig& cfg) {
    std::mt19937_64 rng(cfg.seed * 2 + 11);
    std::vector<std::uint8_t> data_c(cfg.bytes), data_a(cfg.bytes), got_c, got_a;
    for (auto& b : data_c) b = static_cast<std::uint8_t>(rng());
    for (auto& b : data_a) b = static_cast<std::uint8_t>(rng());
    got_c.reserve(cfg.bytes);
    got_a.reserve(cfg.bytes);
    std::array<std::uint8_t, 1024> buf{};
    const auto limit = static_cast<SampleTime>(cfg.max_seconds * dsp::kFsHz);
    WholeCallResult r;
    const double t0 = thread_cpu_seconds();
    auto pair = std::make_unique<SessionPair>();
    std::size_t sent_c = 0, sent_a = 0;
    SampleTime t = 0;
    for (; t < limit; t += static_cast<SampleTime>(kBlock)) {
        pair->step();
        if (sent_c < data_c.size()) sent_c += pair->caller.write(std::span<const std::uint8_t>(data_c).subspan(sent_c));
        if (sent_a < data_a.size()) sent_a += pair->answerer.write(std::span<const std::uint8_t>(data_a).subspan(sent_a));
        for (std::size_t n; (n = pair->caller.read(buf)) > 0;) got_c.insert(got_c.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        for (std::size_t n; (n = pair->answerer.read(buf)) > 0;) got_a.insert(got_a.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        if (got_a.size() >= data_c.size() && got_c.size() >= data_a.size()) break;
        if (pair->caller.ended() || pair->answerer.ended()) break;
    }
    r.wall_seconds = thread_cpu_seconds() - t0;
    r.line_seconds = static_cast<double>(t + static_cast<SampleTime>(kBlock)) / dsp::kFsHz;
    const bool rate_ok = pair->caller.connection() && pair->answerer.connection() &&
                         pair->caller.connection()->rate_bps == 2400 && pair->answerer.connection()->rate_bps == 2400;
    r.ok = rate_ok && got_a == data_c && got_c == data_a;
    if (!rate_ok) r.note = "did not connect at 2400";
    else if (!r.ok) r.note = "bytes differ or missing";
    return r;
}

std::vector<MemoryFigure> OurImplementation::memory(int instances) {
    std::vector<MemoryFigure> m;
    const std::vector<float> silence(kBlock, 0.0f);
    std::vector<float> out(kBlock);
    m.push_back({"v22bis_modem", "V.22bis pump (v22bis::Modem: tx, rx, handshake, delay line)",
                 heap_bytes_per_instance(
                     [&] {
                         auto p = std::make_shared<Modem>(Modem::Config{});
                         p->process(silence, out);
                         return std::shared_ptr<void>(p);
                     },
                     instances)});
    m.push_back({"v8_endpoint", "V.8 endpoint (v8::V8Endpoint)",
                 heap_bytes_per_instance(
                     [&] {
                         auto p = std::make_shared<v8::V8Endpoint>(v8::V8Endpoint::Config{.role = v8::Role::Answerer});
                         p->process(silence, out);
                         return std::shared_ptr<void>(p);
                     },
                     instances)});
    // A whole modem at its peak: a session in data holds the pump, the V.14 converters and queues.
    const int pairs = std::max(1, instances / 4);
    m.push_back({"session_in_data", "whole modem in data (session::Session with its pump, queues, V.14)",
                 heap_bytes_per_instance(
                     [&] {
                         auto p = std::make_shared<SessionPair>();
                         for (int i = 0; i < 8000 / static_cast<int>(kBlock) * 10 && !p->in_data(); ++i) p->step();
                         return std::shared_ptr<void>(p);
                     },
                     pairs) /
                     2.0});
    return m;
}

std::unique_ptr<CallPair> OurImplementation::make_call() { return std::make_unique<OurCall>(); }

std::pair<double, double> OurImplementation::data_power() {
    if (caller_power_ <= 0.0) {
        const Recording r = record_call({.rate = Rate::Bps2400, .data_bits = 4800, .tail_s = 0.0, .seed = 99});
        caller_power_ = r.from_caller.data_power;
        answerer_power_ = r.from_answerer.data_power;
    }
    return {caller_power_, answerer_power_};
}

}  // namespace modem::bench
