// SPDX-License-Identifier: MIT
/// \file
/// Our modem (modem::v22bis::Modem, Rx, Tx, v21::FskRx, v8::V8Endpoint, session::Session) as a
/// bench Implementation.
#pragma once

#include "modem/bench/measure.hpp"

namespace modem::bench {

/// make_pump: a Modem in the role, max rate `rate`, -13 dBm0, no guard tone; int16 samples are
/// scaled by 1/32768; its transmit output is discarded; bits leave through Modem::set_block_sink.
/// make_rx_only: a v22bis::Rx with a v22bis::HandshakeFsm stepped on its observations (the pump's
/// receive side without the transmitter, the delay line or the quality monitor), bits of each
/// data symbol to the sink. make_tx_only: a v22bis::Tx sending random data (block source).
/// make_v21_rx: v21::FskRx on channel 1. make_v8_answerer: a v8::V8Endpoint answerer.
/// run_whole_call: two session::Session (caller without dialling, answerer answering at once).
/// make_call: two Modems.
class OurImplementation final : public Implementation {
public:
    [[nodiscard]] std::string name() const override { return "squeal"; }
    [[nodiscard]] std::string version() const override;
    std::unique_ptr<BitReceiver> make_pump(v22bis::Role role, v22bis::Rate rate, BlockSink sink) override;
    std::unique_ptr<BitReceiver> make_rx_only(v22bis::Role role, v22bis::Rate rate, BlockSink sink) override;
    std::unique_ptr<BitReceiver> make_tx_only(v22bis::Role role, v22bis::Rate rate, BlockSink sink) override;
    std::unique_ptr<BitReceiver> make_v21_rx(BlockSink sink) override;
    std::unique_ptr<BitReceiver> make_v8_answerer() override;
    std::optional<WholeCallResult> run_whole_call(const WholeCallConfig& cfg) override;
    std::vector<MemoryFigure> memory(int instances) override;
    std::unique_ptr<CallPair> make_call() override;
    /// Measured on a short clean call (record_call), cached.
    std::pair<double, double> data_power() override;

private:
    double caller_power_ = 0.0, answerer_power_ = 0.0;
};

}  // namespace modem::bench
