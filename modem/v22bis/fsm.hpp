// SPDX-License-Identifier: MIT
/// \file
/// V.22bis start-up handshake and retrain state machine for the calling and the answering modem
/// (V.22bis 6.3.1.1, the V.22 fallback of 6.3.1.2, retrain of 6.4), driven by receiver observations.
#pragma once

#include <functional>
#include <string_view>

#include "modem/v22bis/rx.hpp"
#include "modem/v22bis/tx.hpp"
#include "modem/v22bis/v22bis.hpp"

namespace modem::v22bis {

/// What the receiver reports to a state machine, once per decided symbol. Times are line times
/// (RxSymbol::at), the same clock as the `now` passed to step().
struct Observations {
    bool carrier = false;
    SampleTime usb1_since = kNever;  ///< start of the unscrambled ones being received
    SampleTime s1_since = kNever;    ///< start of the S1 being received
    SampleTime s1_last = kNever;     ///< last S1 symbol seen
    std::int64_t ones_run = 0;       ///< consecutive descrambled ones
    SampleTime ones_since = kNever;  ///< start of that run
    /// Start of the current run of poor data reception (loss of equalisation, judged by the pump's
    /// quality monitor), kNever while reception is good or not in data.
    SampleTime poor_since = kNever;
    /// The receiver's decision error (Rx::decision_mse()); 0 when not known (taken as clean).
    float decision_mse = 0.0f;
    static Observations from(const RxStatus& st) noexcept {
        return {st.carrier, st.usb1_since, st.s1_since, st.s1_last, st.ones_run, st.ones_since, kNever};
    }
};

enum class HandshakeState {
    InitialSilence,   ///< answerer: silence after the answer sequence
    SendUsb1,         ///< answerer: USB1 (+ guard tone), waiting for the caller
    WaitUsb1,         ///< caller: silent, waiting for 155 ms of USB1
    Silence456,       ///< caller: 456 ms of silence
    SendS1,           ///< S1 for 100 ms
    WaitReply,        ///< caller: SB1 at 1200, waiting for the answerer's S1 or SB1
    S1Heard,          ///< the far end's S1 is being received; waiting for its end
    SendS1Reply,      ///< answerer: its own S1, 100 ms from the end of the caller's S1
    Train1200,        ///< SB1 at 1200 until 450 ms after the end of the received S1
    Train1200Sixteen, ///< same, 16-way decisions on, until +600 ms
    SendSb2400,       ///< SB1 at 2400 for 200 ms
    WaitRxData2400,   ///< transmitter ready; waiting for 32 ones at 2400
    FallbackSb1200,   ///< V.22 peer: SB1 at 1200 until 765 ms have passed
    Data,             ///< data both ways; left only for a retrain or on loss of carrier
    RetrainSendS1,    ///< retrain we started: S1 for 100 ms (V.22bis 6.4)
    RetrainWaitS1,    ///< retrain we started: SB1 at 1200, waiting for the far end's S1
    Failed,           ///< terminal
};
std::string_view to_string(HandshakeState s) noexcept;

/// Who started a retrain.
enum class RetrainBy { None, Local, Remote };
constexpr std::string_view to_string(RetrainBy r) noexcept {
    switch (r) {
    case RetrainBy::None: return "none";
    case RetrainBy::Local: return "local";
    case RetrainBy::Remote: return "remote";
    }
    return "?";
}

/// One transition, for traces and tests.
struct Transition {
    SampleTime at = 0;
    HandshakeState from{};
    HandshakeState to{};
    std::string_view why;
};

/// Both roles in one machine: the role picks the entry state and the branch after S1.
///
/// Retrain (V.22bis 6.4, protocols.md 6.7), at 2400 bit/s only:
///  - local: from Data on request_retrain() or after kPoorMs of poor reception (Observations::
///    poor_since): S1 for 100 ms, then SB1 at 1200 until the far end's S1 is heard; S1 again if none
///    is heard within 1.2 s of the start of ours (SRS [1]); Failed "retrain failed" after
///    kRetrainAttempts S1s or kRetrainLimitMs in all;
///  - remote: S1 heard in Data for kS1InDataMs (longer than in the handshake, so that 16-point data
///    never passes for S1): SB1 at 1200 until the S1 ends, then our S1 and SB1 at 1200;
///  - then the timers of the handshake from the end of the received S1 (6.3.1.1 c-f), and Data again
///    after 32 ones at 2400. Circuit 109 (rx_data()) stays on throughout; delivering() is off from
///    the start of the retrain until the 32 ones.
/// Loss of carrier in Data or during a retrain ends in Failed "carrier lost".
class HandshakeFsm {
public:
    struct Config {
        Role role = Role::Caller;
        Rate max_rate = Rate::Bps2400;  ///< Bps1200: behave as a V.22 modem (no S1, no 2400)
        /// Answerer: silence before USB1 (V.25: 75 +/- 20 ms after the answer tone); 0 is allowed
        /// (V.8 already provided the silence).
        SampleTime initial_silence = dsp::ms_to_samples(75);
        /// Samples from an observation's line time to the line time of our reaction (receiver
        /// plus transmitter delay): waits that start at an observation are shortened by it.
        SampleTime latency = 0;
        SampleTime wait_timeout = dsp::ms_to_samples(10000);  ///< project choice: each waiting state
    };
    using TransitionSink = std::function<void(const Transition&)>;
    /// Project choices for the retrain (protocols.md 6.7 gives no figures except the 1.2 s).
    static constexpr double kPoorMs = 300.0;          ///< sustained poor reception before a retrain
    static constexpr double kS1InDataMs = 50.0;       ///< S1 heard this long in data: remote retrain
    static constexpr double kS1ResendMs = 1200.0;     ///< SRS [1]: S1 again if no S1 within 1.2 s
    static constexpr int kRetrainAttempts = 3;        ///< S1s sent before giving up
    static constexpr double kRetrainLimitMs = 6000.0; ///< whole retrain, S1 to data
    /// Least decision SNR (kConstellationPower over Observations::decision_mse) on the far end's
    /// SB1 at 1200 bit/s when 16-way decisions are due (450 ms after its S1), or the handshake
    /// (or retrain) fails. Project choice, from the estimate measured with noise over 0-4 kHz
    /// (`squeal loopback --snr S`, 6 seeds, both roles): 9.3-10.4 dB at S = 2 dB, 11.1-12.2 at
    /// 4, 12.7-13.9 at 6, 14.6-15.6 at 8, 20.2-20.8 at 16. Below about 5 dB of line SNR, 2400 bit/s
    /// carries nothing (bit errors near 5 %, even V.42 frames rarely pass), and without the gate
    /// one end could still pick a chance run of 32 ones out of the noise, connect alone and
    /// deliver noise until the other end gave up.
    static constexpr double kMinTrainSnrDb = 12.0;

    explicit HandshakeFsm(const Config& cfg, TransitionSink sink = {});
    /// Back to the entry state at time `now`.
    void reset(SampleTime now = 0);
    /// One step per decided symbol.
    void step(SampleTime now, const Observations& obs) {
        // In data with nothing to act on, the common case for the whole call: the Data state's
        // checks (carrier, and at 2400 the far end's S1, a requested retrain, poor reception)
        // inline, and nothing else can change there. Everything else in step_state().
        if (state_ == HandshakeState::Data && retrain_ == RetrainBy::None && obs.carrier &&
            (rate_ != Rate::Bps2400 ||
             (far_trained_ && obs.s1_since == kNever && !retrain_requested_ && obs.poor_since == kNever)))
            return;
        step_state(now, obs);
    }
    /// Asks for a local retrain at the next step; ignored (false) unless in Data at 2400 bit/s.
    bool request_retrain() noexcept;

    [[nodiscard]] HandshakeState state() const noexcept { return state_; }
    /// What the transmitter should send now.
    [[nodiscard]] TxSignal tx_signal() const noexcept;
    /// 16-way decisions allowed (V.22bis 6.3.1.1 d).
    [[nodiscard]] bool sixteen_point() const noexcept { return sixteen_at_ != kNever && rate_ == Rate::Bps2400; }
    /// Circuit 109: on once the handshake delivers data, stays on through a retrain.
    [[nodiscard]] bool rx_data() const noexcept { return rx_data_; }
    /// Received bits are data (circuit 109 on and no retrain in progress); otherwise hold marks.
    [[nodiscard]] bool delivering() const noexcept { return rx_data_ && retrain_ == RetrainBy::None; }
    /// Negotiated rate (meaningful once rx_data() or state() == Data).
    [[nodiscard]] Rate rate() const noexcept { return rate_; }
    [[nodiscard]] SampleTime s1_end() const noexcept { return s1_end_; }
    /// Retrain in progress and who started it (None otherwise).
    [[nodiscard]] RetrainBy retrain_by() const noexcept { return retrain_; }
    /// Line time from which received bits are no longer data, for the retrain in progress.
    [[nodiscard]] SampleTime retrain_cut() const noexcept { return retrain_cut_; }
    /// Short name of the failure once Failed: "handshake", "carrier lost" or "retrain failed".
    [[nodiscard]] std::string_view failure() const noexcept { return failure_; }

private:
    void enter(HandshakeState next, SampleTime at, std::string_view why);
    void step_state(SampleTime now, const Observations& obs);
    void fail(SampleTime at, std::string_view name, std::string_view why);
    void start_retrain(RetrainBy by, SampleTime now, SampleTime cut, std::string_view why);
    bool waited(SampleTime now, SampleTime from, double ms) const noexcept;
    bool replies_s1() const noexcept;
    Config cfg_;
    TransitionSink sink_;
    HandshakeState state_ = HandshakeState::WaitUsb1;
    HandshakeState s1_return_ = HandshakeState::WaitUsb1;  // where a too-short S1 sends us back
    SampleTime entered_ = 0;
    SampleTime s1_start_ = kNever;
    SampleTime s1_end_ = kNever;
    SampleTime sixteen_at_ = kNever;
    Rate rate_ = Rate::Bps1200;
    bool rx_data_ = false;      // circuit 109: latched, independent of the transmit sequence
    bool far_trained_ = false;  // 32 ones at 2400 received since the last (re)train
    bool retrain_requested_ = false;
    RetrainBy retrain_ = RetrainBy::None;
    SampleTime retrain_started_ = kNever;
    SampleTime retrain_cut_ = kNever;
    SampleTime retrain_s1_at_ = kNever;  // start of our latest retrain S1
    int retrain_attempts_ = 0;
    std::string_view failure_;
};

// Inline: the modem asks once per received symbol.
inline TxSignal HandshakeFsm::tx_signal() const noexcept {
    switch (state_) {
    case HandshakeState::InitialSilence:
    case HandshakeState::WaitUsb1:
    case HandshakeState::Silence456:
    case HandshakeState::Failed: return TxSignal::Silence;
    case HandshakeState::SendUsb1: return TxSignal::UnscrambledOnes;
    case HandshakeState::S1Heard:
        // Handshake: the answerer keeps sending USB1 until the caller's S1 ends, the caller keeps its
        // SB1. Retrain: data stops, SB1 at 1200 until the S1 ends.
        return retrain_ == RetrainBy::None && cfg_.role == Role::Answerer ? TxSignal::UnscrambledOnes
                                                                          : TxSignal::ScrambledOnes1200;
    case HandshakeState::SendS1:
    case HandshakeState::SendS1Reply:
    case HandshakeState::RetrainSendS1: return TxSignal::S1;
    case HandshakeState::WaitReply:
    case HandshakeState::Train1200:
    case HandshakeState::Train1200Sixteen:
    case HandshakeState::FallbackSb1200:
    case HandshakeState::RetrainWaitS1: return TxSignal::ScrambledOnes1200;
    case HandshakeState::SendSb2400: return TxSignal::ScrambledOnes2400;
    case HandshakeState::WaitRxData2400: return TxSignal::Data2400;
    case HandshakeState::Data: return rate_ == Rate::Bps2400 ? TxSignal::Data2400 : TxSignal::Data1200;
    }
    return TxSignal::Silence;
}

}  // namespace modem::v22bis
