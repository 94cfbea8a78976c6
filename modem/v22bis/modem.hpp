// SPDX-License-Identifier: MIT
/// \file
/// The V.22bis / V.22 data pump: transmitter, receiver and handshake state machine glued into one
/// sample-driven object with synchronous bits in and out, retrain and events (V.22bis 6.3, 6.4).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>

#include "modem/events.hpp"
#include "modem/v22bis/fsm.hpp"
#include "modem/v22bis/rx.hpp"
#include "modem/v22bis/tx.hpp"

namespace modem::v22bis {

/// Full-duplex pump for one role. process() takes the received samples and writes the same number
/// of transmit samples; everything inside acts in sample order (the receiver takes runs of samples
/// up to each decided symbol, the transmitter catches up to that sample before the symbol is acted
/// on), so any block size gives the same output and events. The pump's clock starts at 0 with its first process() call, whatever the
/// line time (e.g. straight after V.8).
///
/// Events (source "v22bis.call" / "v22bis.answer"): StateEntered for every handshake or retrain
/// transition, CarrierOn / CarrierOff from the receiver, Connected (name "2400" or "1200", field
/// "rate") when data flows both ways (again after each retrain), Info "quality" (fields snr_db,
/// freq_offset_hz, clock_ppm) every second in data, Info "retrain" (fields initiated_by "local" /
/// "remote", reason) when a retrain starts, Failed "carrier lost" when the far end's carrier drops
/// in data or during a retrain, Failed "retrain failed", Failed "handshake" on a handshake timeout.
///
/// Received bits reach the sink kHoldMs after their symbol (a delay line), so that when a retrain or
/// a loss of carrier is recognised the bits of the disturbed stretch before it can still be held back:
/// the sink only ever sees data or, while circuit 109 is on during a retrain, binary 1 (marks) at the
/// data rate. On a loss of carrier every bit received before the signal faded is delivered before the
/// Failed event.
///
/// Bits move one at a time (BitSource / BitSink) or one symbol at a time (BlockSource / BlockSink,
/// 2 or 4 bits per call: cheaper at 2400 bit/s); when both kinds are set the block one is used.
///
/// Loss of equalisation (project choice, for the local retrain): in data at 2400 bit/s, the error
/// of each equalised symbol against its 16-point decision and the symbol power are averaged over
/// about 50 ms; reception is poor while the SNR estimate is below kPoorSnrDb or the power is more
/// than kPoorPowerDb off the grid power. HandshakeFsm::kPoorMs of it in a row starts a retrain.
class Modem {
public:
    /// Called once per transmitted data bit once connected; returns 0 or 1.
    using BitSource = std::function<std::uint8_t()>;
    /// Called with each received data bit once circuit 109 is on.
    using BitSink = std::function<void(std::uint8_t)>;
    /// Called once per transmitted data symbol once connected: fills every element (2 or 4) with
    /// 0 or 1, first bit in time first.
    using BlockSource = std::function<void(std::span<std::uint8_t> bits)>;
    /// Called with the bits of each received data symbol (1 to 4 of them, in time order) once
    /// circuit 109 is on.
    using BlockSink = std::function<void(std::span<const std::uint8_t> bits)>;
    struct Config {
        Role role = Role::Caller;
        Rate max_rate = Rate::Bps2400;       ///< Bps1200 behaves as a V.22 modem
        GuardTone guard = GuardTone::None;   ///< answerer only
        double level_dbm0 = -13.0;           ///< transmit level (V.2 via SRS: at most -13 dBm0 [1])
        /// Answerer, before USB1; 0 is fine after V.8 (which already ends with 75 ms of silence).
        SampleTime initial_silence = dsp::ms_to_samples(75);
        TraceSink* trace = nullptr;          ///< events; may be null
    };
    static constexpr double kHoldMs = 100.0;        ///< project choice: receive delay line
    static constexpr double kPoorSnrDb = 12.0;      ///< project choice: see the class comment
    static constexpr double kPoorPowerDb = 3.0;     ///< project choice: see the class comment

    /// Throws std::invalid_argument on a bad configuration (guard tone on the caller, level > 0).
    explicit Modem(const Config& cfg);
    void set_bit_source(BitSource src) { source_ = std::move(src); }
    void set_bit_sink(BitSink sink) { sink_ = std::move(sink); }
    void set_block_source(BlockSource src) { block_source_ = std::move(src); }
    void set_block_sink(BlockSink sink) { block_sink_ = std::move(sink); }

    /// Requires rx_in.size() == tx_out.size(). Throws std::invalid_argument otherwise.
    void process(std::span<const float> rx_in, std::span<float> tx_out);
    /// The same as process() on consecutive pieces of the block, the first `first` samples long
    /// and the others `piece` (the last may be shorter), but returns after the first piece in
    /// which the handshake state changed (any transition, Failed included): how many samples were
    /// processed. Output, events and bits are those of the separate process() calls, with one
    /// call's overhead: for a caller that must look at the pump on a grid (the session) but rarely
    /// has anything to do there. Throws std::invalid_argument as process(), or when a length is 0.
    std::size_t process_pieces(std::span<const float> rx_in, std::span<float> tx_out, std::size_t first,
                               std::size_t piece);
    /// Inside a sink or source called from process() or process_pieces(): samples of the current
    /// call the receiver has taken so far (a symbol handed to a sink was decided on the last of them).
    [[nodiscard]] SampleTime rx_taken() const noexcept { return rx_.now() - rx_start_; }
    /// Starts a retrain (V.22bis 6.4) at the next received symbol. Only in data at 2400 bit/s;
    /// returns false (and does nothing) otherwise.
    bool request_retrain() noexcept { return fsm_.request_retrain(); }

    [[nodiscard]] HandshakeState state() const noexcept { return fsm_.state(); }
    /// Data flowing both ways (not during a retrain).
    [[nodiscard]] bool connected() const noexcept { return fsm_.state() == HandshakeState::Data; }
    [[nodiscard]] bool retraining() const noexcept { return fsm_.retrain_by() != RetrainBy::None; }
    /// Who started the retrain in progress (None when there is none).
    [[nodiscard]] RetrainBy retrain_by() const noexcept { return fsm_.retrain_by(); }
    [[nodiscard]] bool failed() const noexcept { return fsm_.state() == HandshakeState::Failed; }
    [[nodiscard]] Rate rate() const noexcept { return fsm_.rate(); }
    [[nodiscard]] const RxStatus& rx_status() const noexcept { return rx_.status(); }
    [[nodiscard]] SampleTime now() const noexcept { return now_; }

private:
    /// One received symbol's bits waiting in the delay line.
    struct Held {
        SampleTime at = 0;
        std::uint8_t n_bits = 0;
        std::array<std::uint8_t, 4> bits{};
    };
    static constexpr std::size_t kHoldCapacity = 128;  // > kHoldMs of symbols (60)

    void on_symbol(const RxSymbol& sym);
    void on_transition(const Transition& t);
    void watch_quality(const RxSymbol& sym);
    void watch_onset(const RxSymbol& sym);
    /// Tx's block source: the user's bits in data, binary 1 (marks) before.
    void next_tx_bits(std::span<std::uint8_t> bits);
    void hold(const Held& h);
    /// Delivers held bits older than `before` (all of them if before == kNever is not given).
    void deliver_until(SampleTime before);
    /// Held bits from `from` on become marks.
    void mark_from(SampleTime from);
    Config cfg_;
    std::string_view source_name_;
    Tx tx_;
    Rx rx_;
    HandshakeFsm fsm_;
    BitSource source_;
    BitSink sink_;
    BlockSource block_source_;
    BlockSink block_sink_;
    const RxStatus* detectors_ = nullptr;  // rx_.status(), read without recomputing its figures
    bool carrier_ = false;
    SampleTime next_quality_ = 0;
    SampleTime now_ = 0;
    SampleTime rx_start_ = 0;          // rx_.now() at the start of the current process call
    std::uint64_t transitions_ = 0;    // handshake transitions so far
    // quality monitor (data at 2400)
    double q_mse_ = 0.0, q_power_ = 0.0;
    SampleTime poor_since_ = kNever;
    SampleTime faded_since_ = kNever;  // symbol power 10 dB or more below the grid power
    // signal onset while noise holds carrier on (handshake waits)
    std::array<double, 32> level_hist_{};
    std::size_t level_pos_ = 0;
    std::int64_t level_count_ = 0;
    SampleTime onset_holdoff_until_ = kNever;
    bool usb1_was_on_ = false;
    // receive delay line
    std::array<Held, kHoldCapacity> held_{};
    std::size_t held_head_ = 0, held_size_ = 0;
};

}  // namespace modem::v22bis
