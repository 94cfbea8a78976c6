// SPDX-License-Identifier: MIT
/// \file
/// V.22bis handshake and retrain state machine (V.22bis 6.3.1.1 / 6.3.1.2 / 6.4) with the timers of
/// protocols.md 6.3, 6.5 and 6.7.
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
/// HandshakeFsm::kMinTrainSnrDb as the largest decision error it allows (grid units).
const double kMaxTrainMse = kConstellationPower / dsp::db_to_power(HandshakeFsm::kMinTrainSnrDb);
constexpr double kSb1200DetectMs = 270.0;    ///< V.22bis 6.3.1.2: SB1 at 1200 for 270 +/- 40 ms
constexpr double kFallbackWaitMs = 765.0;    ///< V.22bis 6.3.1.2: 765 +/- 10 ms before data
/// Project choice: a received S1 shorter than this (from the detector's window start to its last
/// alternation) is noise, not S1 (S1 lasts 100 ms; the detector's window is 16 symbols, 27 ms).
constexpr double kS1MinMs = 45.0;
/// Project choice: the detector's window starts up to a few symbols before the true S1; bits from
/// this much before it are not delivered either.
constexpr SampleTime kCutMargin = 67;  // 5 symbols
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
    case HandshakeState::RetrainSendS1: return "RetrainSendS1";
    case HandshakeState::RetrainWaitS1: return "RetrainWaitS1";
    case HandshakeState::Failed: return "Failed";
    }
    return "?";
}

HandshakeFsm::HandshakeFsm(const Config& cfg, TransitionSink sink) : cfg_(cfg), sink_(std::move(sink)) { reset(0); }

void HandshakeFsm::reset(SampleTime now) {
    state_ = cfg_.role == Role::Caller ? HandshakeState::WaitUsb1 : HandshakeState::InitialSilence;
    s1_return_ = state_;
    entered_ = now;
    s1_start_ = kNever;
    s1_end_ = kNever;
    sixteen_at_ = kNever;
    rate_ = Rate::Bps1200;
    rx_data_ = false;
    far_trained_ = false;
    retrain_requested_ = false;
    retrain_ = RetrainBy::None;
    retrain_started_ = retrain_cut_ = retrain_s1_at_ = kNever;
    retrain_attempts_ = 0;
    failure_ = {};
}

void HandshakeFsm::enter(HandshakeState next, SampleTime at, std::string_view why) {
    const Transition t{at, state_, next, why};
    state_ = next;
    entered_ = at;
    if (next == HandshakeState::Train1200Sixteen) sixteen_at_ = at;
    if (next == HandshakeState::Data) {
        retrain_ = RetrainBy::None;
        retrain_requested_ = false;
    }
    if (sink_) sink_(t);
}

void HandshakeFsm::fail(SampleTime at, std::string_view name, std::string_view why) {
    failure_ = name;
    enter(HandshakeState::Failed, at, why);
}

void HandshakeFsm::start_retrain(RetrainBy by, SampleTime now, SampleTime cut, std::string_view why) {
    retrain_ = by;
    retrain_started_ = now;
    retrain_cut_ = cut;
    retrain_attempts_ = 0;
    retrain_requested_ = false;
    far_trained_ = false;
    sixteen_at_ = kNever;
    s1_end_ = kNever;
    if (by == RetrainBy::Local) {
        retrain_attempts_ = 1;
        retrain_s1_at_ = now;
        enter(HandshakeState::RetrainSendS1, now, why);
    } else {
        s1_return_ = HandshakeState::Data;
        enter(HandshakeState::S1Heard, now, why);
    }
}

bool HandshakeFsm::request_retrain() noexcept {
    if (state_ != HandshakeState::Data || rate_ != Rate::Bps2400) return false;
    retrain_requested_ = true;
    return true;
}

bool HandshakeFsm::waited(SampleTime now, SampleTime from, double ms) const noexcept {
    return now - from >= ms_to_samples(ms) - cfg_.latency;
}

bool HandshakeFsm::replies_s1() const noexcept {
    // The answerer replies to the caller's S1 in the handshake; in a retrain, whoever did not start it.
    return retrain_ == RetrainBy::None ? cfg_.role == Role::Answerer : retrain_ == RetrainBy::Remote;
}


void HandshakeFsm::step_state(SampleTime now, const Observations& obs) {
    // Circuit 109 at 2400: 32 consecutive ones received with 16-way decisions (6.3.1.1 f).
    if (!far_trained_ && sixteen_at_ != kNever && rate_ == Rate::Bps2400 && obs.ones_run >= kOnesForData &&
        obs.ones_since > sixteen_at_) {
        far_trained_ = true;
        rx_data_ = true;
    }
    const bool timed_out = now - entered_ >= cfg_.wait_timeout;
    const bool scrambled_ones_1200 = obs.ones_since != kNever && now - obs.ones_since >= ms_to_samples(kSb1200DetectMs);
    if (retrain_ != RetrainBy::None && state_ != HandshakeState::Failed) {
        // Every retrain state: bounded in time, and ended by a loss of carrier.
        if (!obs.carrier) return fail(now, "carrier lost", "far end's carrier dropped during a retrain");
        if (now - retrain_started_ >= ms_to_samples(kRetrainLimitMs))
            return fail(now, "retrain failed", "retrain not finished in time");
    }
    switch (state_) {
    case HandshakeState::InitialSilence:
        if (now - entered_ >= cfg_.initial_silence) enter(HandshakeState::SendUsb1, now, "silence done");
        return;
    case HandshakeState::SendUsb1:
        if (cfg_.max_rate == Rate::Bps2400 && obs.s1_since != kNever) {
            s1_return_ = state_;
            s1_start_ = obs.s1_since;
            enter(HandshakeState::S1Heard, now, "caller sent S1");
        } else if (scrambled_ones_1200) {
            rx_data_ = true;  // V.22 answerer: data follows after 765 ms of SB1 at 1200
            enter(HandshakeState::FallbackSb1200, now, "scrambled ones at 1200: V.22 caller");
        } else if (timed_out) fail(now, "handshake", "no answer from the caller");
        return;
    case HandshakeState::WaitUsb1:
        if (obs.usb1_since != kNever && now - obs.usb1_since >= ms_to_samples(kUsb1QualifyMs))
            enter(HandshakeState::Silence456, now, "155 ms of unscrambled ones");
        else if (timed_out) fail(now, "handshake", "no unscrambled ones from the answerer");
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
        if (cfg_.max_rate == Rate::Bps2400 && obs.s1_since != kNever) {
            s1_return_ = state_;
            s1_start_ = obs.s1_since;
            enter(HandshakeState::S1Heard, now, "answerer sent S1");
        } else if (scrambled_ones_1200) {
            rx_data_ = true;  // 6.3.1.2: caller delivers data at 1200 after 270 ms of SB1
            enter(HandshakeState::FallbackSb1200, now, "scrambled ones at 1200: V.22 answerer");
        } else if (timed_out) fail(now, "handshake", "no reply to S1 or SB1");
        return;
    case HandshakeState::S1Heard:
        if (obs.s1_since == kNever) {
            const SampleTime end = obs.s1_last != kNever ? obs.s1_last : now;
            if (s1_return_ != HandshakeState::Data && end - s1_start_ < ms_to_samples(kS1MinMs)) {
                enter(s1_return_, now, "too short for S1");
                return;
            }
            s1_end_ = end;
            rate_ = Rate::Bps2400;  // circuit 112 ON at the end of the received S1
            if (replies_s1()) enter(HandshakeState::SendS1Reply, now, "end of the far end's S1");
            else enter(HandshakeState::Train1200, now, "end of the far end's S1");
        } else if (timed_out) fail(now, "handshake", "S1 never ended");
        return;
    case HandshakeState::SendS1Reply:
        if (waited(now, s1_end_, kS1Ms)) enter(HandshakeState::Train1200, now, "S1 sent");
        return;
    case HandshakeState::Train1200:
        if (now - s1_end_ >= ms_to_samples(kSixteenWayMs)) {  // a receive-side instant: not shortened
            if (static_cast<double>(obs.decision_mse) > kMaxTrainMse)
                return fail(now, retrain_ != RetrainBy::None ? "retrain failed" : "handshake",
                            "far end's signal too noisy for 2400 bit/s (decision SNR under 12 dB)");
            enter(HandshakeState::Train1200Sixteen, now, "450 ms after S1: 16-way decisions");
        }
        return;
    case HandshakeState::Train1200Sixteen:
        if (waited(now, s1_end_, kSb2400StartMs)) enter(HandshakeState::SendSb2400, now, "600 ms after S1");
        return;
    case HandshakeState::SendSb2400:
        if (now - entered_ >= ms_to_samples(kSb2400Ms)) {  // measured from our own action
            if (far_trained_) enter(HandshakeState::Data, now, "200 ms of SB1 at 2400 sent, far end trained");
            else enter(HandshakeState::WaitRxData2400, now, "200 ms of SB1 at 2400 sent");
        }
        return;
    case HandshakeState::WaitRxData2400:
        if (far_trained_) enter(HandshakeState::Data, now, "32 ones received at 2400");
        else if (timed_out) fail(now, "handshake", "no scrambled ones at 2400");
        return;
    case HandshakeState::FallbackSb1200: {
        // Caller: 765 ms after 109 ON; answerer: after sending SB1 for 765 ms (6.3.1.2).
        if (now - entered_ >= ms_to_samples(kFallbackWaitMs)) enter(HandshakeState::Data, now, "765 ms: data at 1200");
        return;
    }
    case HandshakeState::Data:
        if (!obs.carrier) {
            fail(now, "carrier lost", "far end's carrier dropped");
        } else if (rate_ == Rate::Bps2400) {
            if (obs.s1_since != kNever && now - obs.s1_since >= ms_to_samples(kS1InDataMs)) {
                s1_start_ = obs.s1_since;
                start_retrain(RetrainBy::Remote, now, obs.s1_since - kCutMargin, "S1 received in data");
            } else if (retrain_requested_) {
                start_retrain(RetrainBy::Local, now, now, "requested");
            } else if (obs.poor_since != kNever && now - obs.poor_since >= ms_to_samples(kPoorMs)) {
                start_retrain(RetrainBy::Local, now, obs.poor_since, "loss of equalisation");
            }
        }
        return;
    case HandshakeState::RetrainSendS1:
        if (now - entered_ >= ms_to_samples(kS1Ms)) enter(HandshakeState::RetrainWaitS1, now, "S1 sent");
        return;
    case HandshakeState::RetrainWaitS1:
        // Our own S1 has ended at the far end before its reply can start: any S1 now is the reply.
        if (obs.s1_since != kNever && obs.s1_since > retrain_s1_at_) {
            s1_return_ = state_;
            s1_start_ = obs.s1_since;
            enter(HandshakeState::S1Heard, now, "far end replied with S1");
        } else if (now - retrain_s1_at_ >= ms_to_samples(kS1ResendMs)) {
            if (retrain_attempts_ >= kRetrainAttempts) {
                fail(now, "retrain failed", "no S1 in reply");
            } else {
                ++retrain_attempts_;
                retrain_s1_at_ = now;
                enter(HandshakeState::RetrainSendS1, now, "no S1 in reply within 1.2 s: S1 again");
            }
        }
        return;
    case HandshakeState::Failed:
        return;
    }
}

}  // namespace modem::v22bis
