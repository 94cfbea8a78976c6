// SPDX-License-Identifier: MIT
/// \file
/// One V.8 modem end (caller or answerer): the state machine glued to the V.21 transmitter and
/// receiver, the message deframer, the ANSam generator (answerer) and the answer-tone detector
/// (caller). Audio in, audio out, block-size invariant; for the CLI, the session and tests.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "dsp/types.hpp"
#include "modem/events.hpp"
#include "modem/tones/answer_tone.hpp"
#include "modem/tones/tone_gen.hpp"
#include "modem/v21/fsk_rx.hpp"
#include "modem/v21/fsk_tx.hpp"
#include "modem/v8/answer_fsm.hpp"
#include "modem/v8/call_fsm.hpp"
#include "modem/v8/messages.hpp"
#include "modem/v8/result.hpp"

namespace modem::v8 {

/// A V.8 endpoint. process() takes the line signal heard and gives the line signal to send,
/// sample for sample (a sync block; in-place allowed). The V.21 receiver takes the input in
/// blocks and its events are acted on at the sample that completed them (RxEvent::known_at); the
/// state machine is stepped on a fixed 1 ms grid of the absolute sample clock and at every
/// completed message; between those points nothing is decided, so FSK is generated a span at a
/// time and the answer tone and silence in runs that end when the state changes. Everything
/// equals the sample-by-sample order, so the output and the trace do not depend on the block size.
///
/// Caller: receives V.21 channel 2 and the answer tone, sends CI/CM/CJ on channel 1.
/// Answerer: receives V.21 channel 1, sends ANSam (or ANSam/) and JM on channel 2.
/// Once the machine is in a terminal state the output is silence: the data pump takes over at
/// result().ended_at (already after the 75 ms of silence that follows CJ).
class V8Endpoint {
public:
    using InSample = float;
    using OutSample = float;
    struct Config {
        Role role = Role::Caller;
        CallFsm::Config call{};                ///< used when role == Caller
        AnswerFsm::Config answer{};            ///< used when role == Answerer
        bool ansam_reversals = true;           ///< answerer: ANSam/ (false: plain ANSam)
        double ansam_level_dbm0 = -12.0;       ///< answerer: SD sends ANSam/ at -12 dBm0 [1]
        double fsk_level_dbm0 = -13.0;         ///< V.21 via V.2: at most -13 dBm0
        tones::AnswerToneDetector::Config tone{};  ///< caller: the answer-tone detector
    };
    /// Throws std::invalid_argument on a bad configuration (from the parts).
    explicit V8Endpoint(const Config& cfg, TraceSink* trace = nullptr);
    void reset() noexcept;

    /// Requires out.size() == in.size(); in-place allowed. Allocation-free.
    void process(std::span<const float> in, std::span<float> out) noexcept;

    [[nodiscard]] bool finished() const noexcept;
    [[nodiscard]] const V8Result& result() const noexcept;
    /// Current state name of the machine.
    [[nodiscard]] std::string_view state_name() const noexcept;
    [[nodiscard]] SampleTime now() const noexcept { return now_; }
    [[nodiscard]] const Config& config() const noexcept { return cfg_; }
    /// Caller only: the answer tone that decided the path.
    [[nodiscard]] AnswerTone tone_heard() const noexcept { return call_.tone_heard(); }
    /// Messages the deframer dropped (bad stop bit, cut) and V.92 packets seen; for diagnostics.
    [[nodiscard]] std::uint32_t framing_errors() const noexcept { return deframer_.framing_errors(); }
    [[nodiscard]] std::uint32_t v92_packets() const noexcept { return v92_packets_; }

private:
    enum class TxMode : std::uint8_t { Silent, Ansam, Fsk };
    void on_rx_event(const v21::RxEvent& e) noexcept;
    void on_message(const Received& m) noexcept;
    void step(const Received* message) noexcept;
    void apply_state() noexcept;
    /// Records an event of this endpoint (source v8.*), keeping the time of the latest.
    void emit_v8(const Event& e) noexcept;
    void start_repeating(Sync sync, const Octets& octets, std::string_view name) noexcept;
    void queue_units(const Units& u) noexcept;
    void finish_octet_then_cj() noexcept;
    [[nodiscard]] AnswerTone tone_now() const noexcept;
    /// Pushes the next unit of the repeated message when the transmitter's queue is empty.
    void feed_tx() noexcept;
    /// FSK for a span, as sample by sample (the queue fed before each sample).
    void fsk_output(std::span<float> out) noexcept;
    /// Writes the pending run of silence or ANSam (from run_pos_, which is sample run_at_, up to
    /// now_) in the current mode.
    void flush_run() noexcept;
    [[nodiscard]] int state_index() const noexcept;

    Config cfg_;
    TraceSink* trace_;
    CallFsm call_;
    AnswerFsm answer_;
    v21::FskTx tx_;
    v21::FskRx rx_;
    Deframer deframer_;
    tones::ToneSequence ansam_;
    tones::AnswerToneDetector tone_;
    /// Input samples per receiver call; its events fit rx_buf_ (FskRx::max_output(128) = 36).
    static constexpr std::size_t kRxBlock = 128;
    std::array<v21::RxEvent, 72> rx_buf_{};
    float* run_out_ = nullptr;  // the output block of the process() call in progress
    std::size_t run_pos_ = 0;   // first index of the pending run in it
    SampleTime run_at_ = 0;     // the sample time of that index
    TxMode mode_ = TxMode::Silent;
    Units units_;            // the message being repeated (CM or JM)
    std::size_t unit_pos_ = 0;
    bool repeating_ = false;
    int last_state_ = -1;
    std::uint32_t v92_packets_ = 0;
    SampleTime now_ = 0;
    SampleTime last_v8_at_ = 0;  // time of the latest v8.* event (a state entered, a message)
};

static_assert(dsp::SyncBlock<V8Endpoint>);

}  // namespace modem::v8
