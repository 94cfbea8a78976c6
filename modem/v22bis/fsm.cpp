// SPDX-License-Identifier: MIT
/// \file
/// V.22bis handshake state machine (V.22bis 6.3.1.1 / 6.3.1.2) with the timers of protocols.md 6.3 and 6.5.
#include "modem/v22bis/fsm.hpp"

namespace modem::v22bis {

namespace {
using dsp::ms_to_samples;
constexpr double kUsb1QualifyMs = 155.0;     ///< V.22bis 6.3.1.1 b: 155 +/- 10 ms of USB1
constexpr double kCallerSilenceMs = 456.0;   ///< V.22bis 6.3.1.1 b: then 456 +/- 10 ms silent
constexpr double kS1Ms = 100.0;              ///< V.22bis 6.3.1.1: S1 lasts 100 +/- 3 ms
constexpr double kSixteenWayMs = 450.0;      ///< V.22bis 6.3.1.1 d: 16-way decisions at +450 ms
constexpr double kSb2400StartMs = 600.0;     ///< V.22bis 6.3.1.1 d: SB1 at 2400 at +600 ms
constexpr double kSb2400Ms = 200.0;          ///< V.22bis 6.3.1.1 e: 200 +/- 10 ms of SB1 at 2400
constexpr std::int64_t kOnesForData = 32;    ///< V.22bis 6.3.1.1 f: 32 consecutive ones at 2400
constexpr double kSb1200DetectMs = 270.0;    ///< V.22bis 6.3.1.2: SB1 at 1200 for 270 +/- 40 ms
constexpr double kFallbackWaitMs = 765.0;    ///< V.22bis 6.3.1.2: 765 +/- 10 ms before data
}  // namespace

std::string_view to_string(HandshakeState s) noexcept {
    switch (s) {
    case HandshakeState::InitialSilence: return "InitialSilence";
    case HandshakeState::SendUsb1: return "SendUsb1";
    case HandshakeState::WaitUsb1: return "WaitUsb1";
    case HandshakeState::Silence456: return "Silence456";
    case HandshakeState::SendS1: return "SendS1";
    case HandshakeState::WaitReply: return "WaitReply";
    case HandshakeState::S1Heard: return "S1Heard";
    case HandshakeState::SendS1Reply: return "SendS1Reply";
    case HandshakeState::Train1200: return "Train1200";
    case HandshakeState::Train1200Sixteen: return "Train1200Sixteen";
    case HandshakeState::SendSb2400: return "SendSb2400";
    case HandshakeState::WaitRxData2400: return "WaitRxData2400";
    case HandshakeState::FallbackSb1200: return "FallbackSb1200";
    case HandshakeState::Data: return "Data";
    case HandshakeState::Failed: return "Failed";
    }
    return "?";
}

HandshakeFsm::HandshakeFsm(const Config& cfg, TransitionSink sink) : cfg_(cfg), sink_(std::move(sink)) { reset(0); }

void HandshakeFsm::reset(SampleTime now) {
    state_ = cfg_.role == Role::Caller ? HandshakeState::WaitUsb1 : HandshakeState::InitialSilence;
    entered_ = now;
    s1_end_ = kNever;
    sixteen_at_ = kNever;
    rate_ = Rate::Bps1200;
    rx_data_ = false;
}

void HandshakeFsm::enter(HandshakeState next, SampleTime at, std::string_view why) {
    const Transition t{at, state_, next, why};
    state_ = next;
    entered_ = at;
    if (next == HandshakeState::Train1200Sixteen) sixteen_at_ = at;
    if (sink_) sink_(t);
}

bool HandshakeFsm::waited(SampleTime now, SampleTime from, double ms) const noexcept {
    return now - from >= ms_to_samples(ms) - cfg_.latency;
}

TxSignal HandshakeFsm::tx_signal() const noexcept {
    switch (state_) {
    case HandshakeState::InitialSilence:
    case HandshakeState::WaitUsb1:
    case HandshakeState::Silence456:
    case HandshakeState::Failed: return TxSignal::Silence;
    case HandshakeState::SendUsb1: return TxSignal::UnscrambledOnes;
    case HandshakeState::S1Heard:
        // The answerer keeps sending USB1 until the caller's S1 ends; the caller keeps its SB1.
        return cfg_.role == Role::Answerer ? TxSignal::UnscrambledOnes : TxSignal::ScrambledOnes1200;
    case HandshakeState::SendS1:
    case HandshakeState::SendS1Reply: return TxSignal::S1;
    case HandshakeState::WaitReply:
    case HandshakeState::Train1200:
    case HandshakeState::Train1200Sixteen:
    case HandshakeState::FallbackSb1200: return TxSignal::ScrambledOnes1200;
    case HandshakeState::SendSb2400: return TxSignal::ScrambledOnes2400;
    case HandshakeState::WaitRxData2400: return TxSignal::Data2400;
    case HandshakeState::Data: return rate_ == Rate::Bps2400 ? TxSignal::Data2400 : TxSignal::Data1200;
    }
    return TxSignal::Silence;
}

bool HandshakeFsm::sixteen_point() const noexcept { return sixteen_at_ != kNever && rate_ == Rate::Bps2400; }

void HandshakeFsm::step(SampleTime now, const Observations& obs) {
    // Circuit 109 at 2400: 32 consecutive ones received with 16-way decisions (6.3.1.1 f).
    if (!rx_data_ && sixteen_at_ != kNever && rate_ == Rate::Bps2400 && obs.ones_run >= kOnesForData &&
        obs.ones_since > sixteen_at_)
        rx_data_ = true;
    const bool timed_out = now - entered_ >= cfg_.wait_timeout;
    const bool scrambled_ones_1200 = obs.ones_since != kNever && now - obs.ones_since >= ms_to_samples(kSb1200DetectMs);
    switch (state_) {
    case HandshakeState::InitialSilence:
        if (now - entered_ >= cfg_.initial_silence) enter(HandshakeState::SendUsb1, now, "silence done");
        return;
    case HandshakeState::SendUsb1:
        if (cfg_.max_rate == Rate::Bps2400 && obs.s1_since != kNever) enter(HandshakeState::S1Heard, now, "caller sent S1");
        else if (scrambled_ones_1200) {
            rx_data_ = true;  // V.22 answerer: data follows after 765 ms of SB1 at 1200
            enter(HandshakeState::FallbackSb1200, now, "scrambled ones at 1200: V.22 caller");
        } else if (timed_out) enter(HandshakeState::Failed, now, "no answer from the caller");
        return;
    case HandshakeState::WaitUsb1:
        if (obs.usb1_since != kNever && now - obs.usb1_since >= ms_to_samples(kUsb1QualifyMs))
            enter(HandshakeState::Silence456, now, "155 ms of unscrambled ones");
        else if (timed_out) enter(HandshakeState::Failed, now, "no unscrambled ones from the answerer");
        return;
    case HandshakeState::Silence456:
        if (waited(now, entered_, kCallerSilenceMs)) {
            if (cfg_.max_rate == Rate::Bps2400) enter(HandshakeState::SendS1, now, "456 ms silence done");
            else enter(HandshakeState::WaitReply, now, "456 ms silence done (V.22 mode: no S1)");
        }
        return;
    case HandshakeState::SendS1:
        if (now - entered_ >= ms_to_samples(kS1Ms)) enter(HandshakeState::WaitReply, now, "S1 sent");
        return;
    case HandshakeState::WaitReply:
        if (cfg_.max_rate == Rate::Bps2400 && obs.s1_since != kNever) enter(HandshakeState::S1Heard, now, "answerer sent S1");
        else if (scrambled_ones_1200) {
            rx_data_ = true;  // 6.3.1.2: caller delivers data at 1200 after 270 ms of SB1
            enter(HandshakeState::FallbackSb1200, now, "scrambled ones at 1200: V.22 answerer");
        } else if (timed_out) enter(HandshakeState::Failed, now, "no reply to S1 or SB1");
        return;
    case HandshakeState::S1Heard:
        if (obs.s1_since == kNever) {
            s1_end_ = obs.s1_last != kNever ? obs.s1_last : now;
            rate_ = Rate::Bps2400;  // circuit 112 ON at the end of the received S1
            if (cfg_.role == Role::Answerer) enter(HandshakeState::SendS1Reply, now, "end of the caller's S1");
            else enter(HandshakeState::Train1200, now, "end of the answerer's S1");
        } else if (timed_out) enter(HandshakeState::Failed, now, "S1 never ended");
        return;
    case HandshakeState::SendS1Reply:
        if (waited(now, s1_end_, kS1Ms)) enter(HandshakeState::Train1200, now, "S1 sent");
        return;
    case HandshakeState::Train1200:
        if (now - s1_end_ >= ms_to_samples(kSixteenWayMs))  // a receive-side instant: not shortened
            enter(HandshakeState::Train1200Sixteen, now, "450 ms after S1: 16-way decisions");
        return;
    case HandshakeState::Train1200Sixteen:
        if (waited(now, s1_end_, kSb2400StartMs)) enter(HandshakeState::SendSb2400, now, "600 ms after S1");
        return;
    case HandshakeState::SendSb2400:
        if (now - entered_ >= ms_to_samples(kSb2400Ms)) {  // measured from our own action
            if (rx_data_) enter(HandshakeState::Data, now, "200 ms of SB1 at 2400 sent, far end trained");
            else enter(HandshakeState::WaitRxData2400, now, "200 ms of SB1 at 2400 sent");
        }
        return;
    case HandshakeState::WaitRxData2400:
        if (rx_data_) enter(HandshakeState::Data, now, "32 ones received at 2400");
        else if (timed_out) enter(HandshakeState::Failed, now, "no scrambled ones at 2400");
        return;
    case HandshakeState::FallbackSb1200: {
        // Caller: 765 ms after 109 ON; answerer: after sending SB1 for 765 ms (6.3.1.2).
        if (now - entered_ >= ms_to_samples(kFallbackWaitMs)) enter(HandshakeState::Data, now, "765 ms: data at 1200");
        return;
    }
    case HandshakeState::Data:
        return;
    case HandshakeState::Failed:
        return;
    }
}

}  // namespace modem::v22bis
