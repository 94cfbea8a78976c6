// SPDX-License-Identifier: MIT
/// \file
/// Our V.22bis modem (modem::v22bis::Modem and Rx) as a bench Implementation.
#pragma once

#include "modem/bench/measure.hpp"

namespace modem::bench {

/// make_pump: a Modem in the role, max rate `rate`, -13 dBm0, no guard tone; int16 samples are
/// scaled by 1/32768; its transmit output is discarded. make_rx_only: none (the Modem's receiver
/// is driven by its handshake machine, so its cost is the pump's minus the transmitter's).
/// make_tx_only: a v22bis::Tx sending random data. make_call: two such Modems.
class OurImplementation final : public Implementation {
public:
    [[nodiscard]] std::string name() const override { return "squeal"; }
    [[nodiscard]] std::string version() const override;
    std::unique_ptr<BitReceiver> make_pump(v22bis::Role role, v22bis::Rate rate, BitSink sink) override;
    std::unique_ptr<BitReceiver> make_rx_only(v22bis::Role role, v22bis::Rate rate, BitSink sink) override;
    std::unique_ptr<BitReceiver> make_tx_only(v22bis::Role role, v22bis::Rate rate, BitSink sink) override;
    std::unique_ptr<CallPair> make_call() override;
    /// Measured on a short clean call (record_call), cached.
    std::pair<double, double> data_power() override;

private:
    double caller_power_ = 0.0, answerer_power_ = 0.0;
};

}  // namespace modem::bench
