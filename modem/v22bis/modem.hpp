// SPDX-License-Identifier: MIT
/// \file
/// The V.22bis / V.22 data pump: transmitter, receiver and handshake state machine glued into one
/// sample-driven object with synchronous bits in and out and events (V.22bis 6.3).
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "modem/events.hpp"
#include "modem/v22bis/fsm.hpp"
#include "modem/v22bis/rx.hpp"
#include "modem/v22bis/tx.hpp"

namespace modem::v22bis {

/// Full-duplex pump for one role. process() takes the received samples and writes the same number
/// of transmit samples; everything inside runs sample by sample, so any block size gives the same
/// output and events.
///
/// Events (source "v22bis.call" / "v22bis.answer"): StateEntered for every handshake transition,
/// CarrierOn / CarrierOff from the receiver, Connected (name "2400" or "1200", field "rate") when
/// data flows both ways, Info "quality" (fields snr_db, freq_offset_hz, clock_ppm) every second in
/// data, Failed "carrier lost" when the far end's carrier drops in data, Failed on a handshake timeout.
class Modem {
public:
    /// Called once per transmitted data bit once connected; returns 0 or 1.
    using BitSource = std::function<std::uint8_t()>;
    /// Called with each received data bit once circuit 109 is on.
    using BitSink = std::function<void(std::uint8_t)>;
    struct Config {
        Role role = Role::Caller;
        Rate max_rate = Rate::Bps2400;       ///< Bps1200 behaves as a V.22 modem
        GuardTone guard = GuardTone::None;   ///< answerer only
        double level_dbm0 = -13.0;           ///< transmit level (V.2 via SRS: at most -13 dBm0 [1])
        SampleTime initial_silence = dsp::ms_to_samples(75);  ///< answerer, before USB1
        TraceSink* trace = nullptr;          ///< events; may be null
    };
    /// Throws std::invalid_argument on a bad configuration (guard tone on the caller, level > 0).
    explicit Modem(const Config& cfg);
    void set_bit_source(BitSource src) { source_ = std::move(src); }
    void set_bit_sink(BitSink sink) { sink_ = std::move(sink); }

    /// Requires rx_in.size() == tx_out.size(). Throws std::invalid_argument otherwise.
    void process(std::span<const float> rx_in, std::span<float> tx_out);

    [[nodiscard]] HandshakeState state() const noexcept { return fsm_.state(); }
    [[nodiscard]] bool connected() const noexcept { return fsm_.state() == HandshakeState::Data; }
    [[nodiscard]] bool failed() const noexcept { return fsm_.state() == HandshakeState::Failed || carrier_lost_; }
    [[nodiscard]] Rate rate() const noexcept { return fsm_.rate(); }
    [[nodiscard]] const RxStatus& rx_status() const noexcept { return rx_.status(); }
    [[nodiscard]] SampleTime now() const noexcept { return now_; }

private:
    void on_symbol(const RxSymbol& sym);
    void on_transition(const Transition& t);
    Config cfg_;
    std::string_view source_name_;
    Tx tx_;
    Rx rx_;
    HandshakeFsm fsm_;
    BitSource source_;
    BitSink sink_;
    bool carrier_ = false;
    bool carrier_lost_ = false;
    SampleTime next_quality_ = 0;
    SampleTime now_ = 0;
};

}  // namespace modem::v22bis
