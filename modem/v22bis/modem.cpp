// SPDX-License-Identifier: MIT
/// \file
/// V.22bis pump: per-sample glue of transmitter, receiver and handshake/retrain machine, with the
/// receive delay line, the loss-of-equalisation monitor and events (V.22bis 6.3, 6.4).
#include "modem/v22bis/modem.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace modem::v22bis {

namespace {
constexpr SampleTime kQualityInterval = dsp::ms_to_samples(1000);  // project choice
constexpr SampleTime kHoldSamples = dsp::ms_to_samples(Modem::kHoldMs);
constexpr double kQualityAlpha = 1.0 / 32.0;  // project choice: ~50 ms of symbols
// Modem::kPoorSnrDb and kPoorPowerDb as thresholds on the mean squared error and the mean power.
const double kPoorMse = kConstellationPower / std::pow(10.0, Modem::kPoorSnrDb / 10.0);
const double kPoorPowerHigh = kConstellationPower * std::pow(10.0, Modem::kPoorPowerDb / 10.0);
const double kPoorPowerLow = kConstellationPower / std::pow(10.0, Modem::kPoorPowerDb / 10.0);
constexpr double kFadedPower = kConstellationPower / 10.0;  // project choice: 10 dB below the grid power
/// Project choice: a rise of the in-band level by this much within kOnsetWindow symbols, while
/// noise already holds carrier detect on, is the far end's signal starting: the receiver starts
/// its acquisition again, as it would on carrier on.
constexpr double kOnsetRiseDb = 10.0;
constexpr std::int64_t kOnsetWindow = 30;                        // symbols, 50 ms
constexpr SampleTime kOnsetHoldoff = dsp::ms_to_samples(150.0);  // project choice
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
    if (cfg.initial_silence < 0) throw std::invalid_argument("v22bis modem: initial_silence must be >= 0");
    tx_.set_block_source([this](std::span<std::uint8_t> bits) { next_tx_bits(bits); });
    // Rx::status() returns its live detector state by reference (the carrier, USB1, S1 and ones
    // fields change as symbols are decided) and works out the level, SNR, frequency and clock
    // figures (logarithms) on each call: per symbol only the live fields are read.
    static_assert(std::is_same_v<decltype(std::declval<const Rx&>().status()), const RxStatus&>);
    detectors_ = &rx_.status();
}

void Modem::next_tx_bits(std::span<std::uint8_t> bits) {
    // Until the handshake is over the data bits are binary 1 (marks), as V.22bis requires.
    if (fsm_.state() != HandshakeState::Data || (!block_source_ && !source_)) std::fill(bits.begin(), bits.end(), 1);
    else if (block_source_) block_source_(bits);
    else for (std::uint8_t& b : bits) b = source_();
}

void Modem::on_transition(const Transition& t) {
    ++transitions_;
    emit(cfg_.trace, Event::make(t.at, EventKind::StateEntered, source_name_, to_string(t.to), t.why));
    if (t.from == HandshakeState::Data && fsm_.retrain_by() != RetrainBy::None) {
        // A retrain starts: bits from the disturbance on are not data; we train our receiver again
        // now when we started it (our reception may be the reason), and at the end of every S1.
        mark_from(fsm_.retrain_cut());
        if (fsm_.retrain_by() == RetrainBy::Local) rx_.restart();
        emit(cfg_.trace, Event::make(t.at, EventKind::Info, source_name_, "retrain")
                             .with("initiated_by", to_string(fsm_.retrain_by()))
                             .with("reason", t.why));
    } else if (t.from == HandshakeState::S1Heard &&
               (t.to == HandshakeState::SendS1Reply || t.to == HandshakeState::Train1200)) {
        // End of the far end's S1: SB1 at 1200 follows for 450 ms before 16-way decisions. A fresh
        // acquisition on it is the reliable start: before S1 the caller heard a long USB1, a single
        // tone that carries no timing information, so its timing loop has wandered in the noise.
        rx_.restart();
    }
    if (t.to == HandshakeState::Data) {
        const int bps = static_cast<int>(fsm_.rate());
        emit(cfg_.trace, Event::make(t.at, EventKind::Connected, source_name_, bps == 2400 ? "2400" : "1200")
                             .with("rate", bps));
        next_quality_ = t.at + kQualityInterval;
        q_mse_ = kConstellationPower / 300.0;  // start from a good 25 dB
        q_power_ = kConstellationPower;
        poor_since_ = faded_since_ = kNever;
    } else if (t.to == HandshakeState::Failed) {
        // Everything received before the signal faded is delivered first; what followed is noise.
        const SampleTime cut = faded_since_ != kNever ? faded_since_ : t.at;
        deliver_until(cut);
        held_size_ = 0;
        emit(cfg_.trace, Event::make(t.at, EventKind::Failed, source_name_, fsm_.failure(), t.why));
    }
}

void Modem::watch_onset(const RxSymbol& sym) {
    const HandshakeState s = fsm_.state();
    const bool waiting = s == HandshakeState::WaitUsb1 || s == HandshakeState::SendUsb1 || s == HandshakeState::InitialSilence;
    // A waiting state is entered again only from S1Heard (an S1 too short): outside these states the
    // history is never read again, so the level (two logarithms in status()) is not worked out.
    if (!waiting && s != HandshakeState::S1Heard) return;
    const RxStatus& st = rx_.status();
    const double old = level_hist_[level_pos_];  // kOnsetWindow + 2 symbols ago once the ring is full
    level_hist_[level_pos_] = st.level_dbm0;
    level_pos_ = (level_pos_ + 1) % level_hist_.size();
    ++level_count_;
    if (!waiting || !st.carrier || level_count_ <= kOnsetWindow) return;
    if (onset_holdoff_until_ != kNever && sym.at < onset_holdoff_until_) return;
    if (st.level_dbm0 - old >= kOnsetRiseDb) {
        rx_.restart();
        onset_holdoff_until_ = sym.at + kOnsetHoldoff;
    }
}

void Modem::watch_quality(const RxSymbol& sym) {
    if (!fsm_.delivering() || !fsm_.sixteen_point()) {
        poor_since_ = faded_since_ = kNever;
        return;
    }
    // Squared error against the 16-point decision (per axis the nearest of -3, -1, 1, 3): by
    // symmetry, the nearer of 1 and 3 to |y|; the same value as slice16() gives, without branches.
    auto axis_e2 = [](float v) {
        const float a = std::abs(v);
        return std::min((a - 1.0f) * (a - 1.0f), (a - 3.0f) * (a - 3.0f));
    };
    const double e2 = axis_e2(sym.point.real()) + axis_e2(sym.point.imag());
    q_mse_ += kQualityAlpha * (e2 - q_mse_);
    q_power_ += kQualityAlpha * (static_cast<double>(std::norm(sym.point)) - q_power_);
    // SNR = P / mse below kPoorSnrDb, or |10 log10(power / P)| above kPoorPowerDb, in linear terms.
    const bool poor = q_mse_ > kPoorMse || q_power_ > kPoorPowerHigh || q_power_ < kPoorPowerLow;
    if (!poor) poor_since_ = kNever;
    else if (poor_since_ == kNever) poor_since_ = sym.at;
    if (q_power_ >= kFadedPower) faded_since_ = kNever;
    else if (faded_since_ == kNever) faded_since_ = sym.at;
}

void Modem::hold(const Held& h) {
    if (held_size_ == kHoldCapacity) deliver_until(held_[held_head_].at + 1);  // never reached at 600 baud
    held_[(held_head_ + held_size_) % kHoldCapacity] = h;
    ++held_size_;
}

void Modem::deliver_until(SampleTime before) {
    while (held_size_ > 0 && held_[held_head_].at < before) {
        const Held& h = held_[held_head_];
        if (block_sink_) block_sink_(std::span<const std::uint8_t>(h.bits.data(), h.n_bits));
        else if (sink_)
            for (std::size_t i = 0; i < h.n_bits; ++i) sink_(h.bits[i]);
        held_head_ = (held_head_ + 1) % kHoldCapacity;
        --held_size_;
    }
}

void Modem::mark_from(SampleTime from) {
    for (std::size_t k = 0; k < held_size_; ++k) {
        Held& h = held_[(held_head_ + k) % kHoldCapacity];
        if (h.at >= from) h.bits = {1, 1, 1, 1};
    }
}

void Modem::on_symbol(const RxSymbol& sym) {
    const RxStatus& st = *detectors_;  // the detector fields; derived figures only through status()
    if (st.carrier != carrier_) {
        carrier_ = st.carrier;
        emit(cfg_.trace, Event::make(sym.at, carrier_ ? EventKind::CarrierOn : EventKind::CarrierOff, source_name_,
                                     "carrier")
                             .with("level_dbm0", rx_.status().level_dbm0));
    }
    watch_onset(sym);
    watch_quality(sym);
    // Caller waiting for the reply to its S1: the answerer's USB1 is a single tone with no timing
    // information, so the timing loop wanders in noise while it lasts. When it ends (the answerer's
    // S1 or SB1 starts) the receiver acquires afresh on a signal that has timing transitions.
    const bool usb1 = st.usb1_since != kNever;
    if (usb1_was_on_ && !usb1 && fsm_.state() == HandshakeState::WaitReply) rx_.restart();
    usb1_was_on_ = usb1;
    Observations obs = Observations::from(st);
    obs.poor_since = poor_since_;
    obs.decision_mse = rx_.decision_mse();
    fsm_.step(sym.at, obs);
    tx_.set_signal(fsm_.tx_signal());
    rx_.set_sixteen_point(fsm_.sixteen_point());
    rx_.set_data_mode(fsm_.delivering());
    if (fsm_.rx_data() && fsm_.state() != HandshakeState::Failed) {
        Held h{.at = sym.at, .n_bits = sym.n_bits, .bits = sym.bits};
        if (!fsm_.delivering()) {  // circuit 109 on during a retrain: marks at the data rate
            h.n_bits = static_cast<std::uint8_t>(bits_per_symbol(fsm_.rate()));
            h.bits = {1, 1, 1, 1};
        }
        hold(h);
        deliver_until(sym.at - kHoldSamples);
    }
    if (fsm_.state() == HandshakeState::Data && sym.at >= next_quality_) {
        next_quality_ += kQualityInterval;
        const RxStatus& q = rx_.status();
        emit(cfg_.trace, Event::make(sym.at, EventKind::Info, source_name_, "quality")
                             .with("snr_db", q.snr_db)
                             .with("freq_offset_hz", q.freq_offset_hz)
                             .with("clock_ppm", q.clock_ppm));
    }
}

void Modem::process(std::span<const float> rx_in, std::span<float> tx_out) {
    if (rx_in.empty() && tx_out.empty()) return;
    (void)process_pieces(rx_in, tx_out, rx_in.size(), rx_in.size());
}

std::size_t Modem::process_pieces(std::span<const float> rx_in, std::span<float> tx_out, std::size_t first,
                                  std::size_t piece) {
    if (rx_in.size() != tx_out.size()) throw std::invalid_argument("v22bis modem: rx and tx blocks differ in size");
    if (first == 0 || piece == 0) throw std::invalid_argument("v22bis modem: pieces must not be empty");
    // Sample by sample, the transmitter writes sample n before the receiver takes sample n, and a
    // symbol decided on sample n acts from the transmitter's sample n + 1 on. The receiver runs on
    // whole runs of samples up to each decision; the transmitter catches up before each symbol
    // (the transmitter is block-size invariant, so it need not stop at the piece boundaries).
    rx_start_ = rx_.now();
    const std::uint64_t transitions = transitions_;
    std::size_t tx_done = 0;
    auto on_decision = [&](const RxSymbol& sym) {
        const auto upto = static_cast<std::size_t>(rx_.now() - rx_start_);
        tx_.process(tx_out.subspan(tx_done, upto - tx_done));
        tx_done = upto;
        on_symbol(sym);
    };
    std::size_t done = 0;
    std::size_t n = first;
    while (done < rx_in.size()) {
        n = std::min(n, rx_in.size() - done);
        rx_.process(rx_in.subspan(done, n), on_decision);
        done += n;
        if (transitions_ != transitions) break;
        n = piece;
    }
    tx_.process(tx_out.subspan(tx_done, done - tx_done));
    now_ += static_cast<SampleTime>(done);
    return done;
}

}  // namespace modem::v22bis
