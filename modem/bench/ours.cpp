// SPDX-License-Identifier: MIT
/// \file
/// Adapters from modem::v22bis::Modem / Rx to the bench's receiver and call interfaces.
#include "modem/bench/ours.hpp"

#include <vector>

#include "dsp/kernels/kernels.hpp"
#include "modem/v22bis/modem.hpp"
#include "modem/v22bis/tx.hpp"

namespace modem::bench {

namespace {

using v22bis::Modem;
using v22bis::Rate;
using v22bis::Role;

/// int16 line samples to our float scale (1.0 = full scale), through the active SIMD path.
void to_float(std::span<const std::int16_t> in, std::vector<float>& out) {
    out.resize(in.size());
    dsp::kernels::s16_to_f32(in, out);
}

class PumpReceiver final : public BitReceiver {
public:
    PumpReceiver(Role role, Rate rate, BitSink sink) : modem_({.role = role, .max_rate = rate}) {
        modem_.set_bit_sink(std::move(sink));
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

/// Receives through a whole pump until start_timing(), then only transmits data (2400 or 1200
/// bit/s, random bits), ignoring its input: the transmitter's share of the pump's cost.
class TxOnly final : public BitReceiver {
public:
    TxOnly(Role role, Rate rate, BitSink sink) : pump_(role, rate, {}), tx_({.role = role}), rate_(rate), sink_(std::move(sink)) {
        tx_.set_bit_source([this] {
            bits_ = bits_ * 6364136223846793005ull + 1442695040888963407ull;  // LCG (Knuth MMIX)
            const auto b = static_cast<std::uint8_t>(bits_ >> 63);
            if (sink_) sink_(b);
            return b;
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
    BitSink sink_;
    std::uint64_t bits_ = 1;
    std::vector<float> out_;
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

}  // namespace

std::string OurImplementation::version() const { return "0.1.0"; }

std::unique_ptr<BitReceiver> OurImplementation::make_pump(Role role, Rate rate, BitSink sink) {
    return std::make_unique<PumpReceiver>(role, rate, std::move(sink));
}

std::unique_ptr<BitReceiver> OurImplementation::make_rx_only(Role, Rate, BitSink) {
    return nullptr;  // the Modem's receiver runs with its handshake machine and transmitter: pump - tx
}

std::unique_ptr<BitReceiver> OurImplementation::make_tx_only(Role role, Rate rate, BitSink sink) {
    return std::make_unique<TxOnly>(role, rate, std::move(sink));
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
