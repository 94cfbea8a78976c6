// SPDX-License-Identifier: MIT
/// \file
/// V.22bis pump: per-sample glue of transmitter, receiver and handshake machine, with events.
#include "modem/v22bis/modem.hpp"

#include <stdexcept>

namespace modem::v22bis {

namespace {
constexpr SampleTime kQualityInterval = dsp::ms_to_samples(1000);  // project choice
/// Line time from an observed symbol to the line time of our reaction: receiver delay, shaping
/// delay of the transmitter and on average half a symbol until the next symbol boundary.
SampleTime reaction_latency(const Rx& rx) { return rx.delay() + Tx::kDelaySamples + 7; }
}  // namespace

Modem::Modem(const Config& cfg)
    : cfg_(cfg),
      source_name_(cfg.role == Role::Caller ? "v22bis.call" : "v22bis.answer"),
      tx_({.role = cfg.role, .level_dbm0 = cfg.level_dbm0, .guard = cfg.guard}),
      rx_({.role = cfg.role}),
      fsm_({.role = cfg.role,
            .max_rate = cfg.max_rate,
            .initial_silence = cfg.initial_silence,
            .latency = reaction_latency(rx_)},
           [this](const Transition& t) { on_transition(t); }) {
    tx_.set_bit_source([this]() -> std::uint8_t {
        // Until the handshake is over the data bits are binary 1 (marks), as V.22bis requires.
        if (fsm_.state() != HandshakeState::Data || !source_) return 1;
        return source_();
    });
}

void Modem::on_transition(const Transition& t) {
    emit(cfg_.trace, Event::make(t.at, EventKind::StateEntered, source_name_, to_string(t.to), t.why));
    if (t.to == HandshakeState::Data) {
        const int bps = static_cast<int>(fsm_.rate());
        emit(cfg_.trace, Event::make(t.at, EventKind::Connected, source_name_, bps == 2400 ? "2400" : "1200")
                             .with("rate", bps));
        next_quality_ = t.at + kQualityInterval;
    } else if (t.to == HandshakeState::Failed) {
        emit(cfg_.trace, Event::make(t.at, EventKind::Failed, source_name_, "handshake", t.why));
    }
}

void Modem::on_symbol(const RxSymbol& sym) {
    const RxStatus& st = rx_.status();
    if (st.carrier != carrier_) {
        carrier_ = st.carrier;
        emit(cfg_.trace, Event::make(sym.at, carrier_ ? EventKind::CarrierOn : EventKind::CarrierOff, source_name_,
                                     "carrier")
                             .with("level_dbm0", st.level_dbm0));
    }
    const bool was_data = fsm_.state() == HandshakeState::Data;
    fsm_.step(sym.at, Observations::from(st));
    tx_.set_signal(fsm_.tx_signal());
    rx_.set_sixteen_point(fsm_.sixteen_point());
    rx_.set_data_mode(fsm_.rx_data());
    if (fsm_.rx_data() && sink_ && !carrier_lost_)
        for (std::size_t i = 0; i < sym.n_bits; ++i) sink_(sym.bits[i]);
    if (was_data && !carrier_lost_) {
        if (!st.carrier) {
            carrier_lost_ = true;
            emit(cfg_.trace, Event::make(sym.at, EventKind::Failed, source_name_, "carrier lost", "far end's carrier dropped"));
        } else if (sym.at >= next_quality_) {
            next_quality_ += kQualityInterval;
            emit(cfg_.trace, Event::make(sym.at, EventKind::Info, source_name_, "quality")
                                 .with("snr_db", st.snr_db)
                                 .with("freq_offset_hz", st.freq_offset_hz)
                                 .with("clock_ppm", st.clock_ppm));
        }
    }
}

void Modem::process(std::span<const float> rx_in, std::span<float> tx_out) {
    if (rx_in.size() != tx_out.size()) throw std::invalid_argument("v22bis modem: rx and tx blocks differ in size");
    for (std::size_t i = 0; i < rx_in.size(); ++i) {
        tx_.process(tx_out.subspan(i, 1));
        if (rx_.push(rx_in[i])) on_symbol(rx_.symbol());
        ++now_;
    }
}

}  // namespace modem::v22bis
