// SPDX-License-Identifier: MIT
/// \file
/// V.22bis start-up handshake state machines for the calling and the answering modem
/// (V.22bis 6.3.1.1, and the V.22 fallback of 6.3.1.2), driven by receiver observations.
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
    static Observations from(const RxStatus& st) noexcept {
        return {st.carrier, st.usb1_since, st.s1_since, st.s1_last, st.ones_run, st.ones_since};
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
    Data,             ///< terminal: data both ways
    Failed,           ///< terminal
};
std::string_view to_string(HandshakeState s) noexcept;

/// One transition, for traces and tests.
struct Transition {
    SampleTime at = 0;
    HandshakeState from{};
    HandshakeState to{};
    std::string_view why;
};

/// Both roles in one machine: the role picks the entry state and the branch after S1.
class HandshakeFsm {
public:
    struct Config {
        Role role = Role::Caller;
        Rate max_rate = Rate::Bps2400;  ///< Bps1200: behave as a V.22 modem (no S1, no 2400)
        /// Answerer: silence before USB1 (V.25: 75 +/- 20 ms after the answer tone).
        SampleTime initial_silence = dsp::ms_to_samples(75);
        /// Samples from an observation's line time to the line time of our reaction (receiver
        /// plus transmitter delay): waits that start at an observation are shortened by it.
        SampleTime latency = 0;
        SampleTime wait_timeout = dsp::ms_to_samples(10000);  ///< project choice: each waiting state
    };
    using TransitionSink = std::function<void(const Transition&)>;
    explicit HandshakeFsm(const Config& cfg, TransitionSink sink = {});
    /// Back to the entry state at time `now`.
    void reset(SampleTime now = 0);
    /// One step per decided symbol.
    void step(SampleTime now, const Observations& obs);

    [[nodiscard]] HandshakeState state() const noexcept { return state_; }
    /// What the transmitter should send now.
    [[nodiscard]] TxSignal tx_signal() const noexcept;
    /// 16-way decisions allowed (V.22bis 6.3.1.1 d).
    [[nodiscard]] bool sixteen_point() const noexcept;
    /// Received data delivered (circuit 109).
    [[nodiscard]] bool rx_data() const noexcept { return rx_data_; }
    /// Negotiated rate (meaningful once rx_data() or state() == Data).
    [[nodiscard]] Rate rate() const noexcept { return rate_; }
    [[nodiscard]] SampleTime s1_end() const noexcept { return s1_end_; }

private:
    void enter(HandshakeState next, SampleTime at, std::string_view why);
    bool waited(SampleTime now, SampleTime from, double ms) const noexcept;
    Config cfg_;
    TransitionSink sink_;
    HandshakeState state_ = HandshakeState::WaitUsb1;
    SampleTime entered_ = 0;
    SampleTime s1_end_ = kNever;
    SampleTime sixteen_at_ = kNever;
    Rate rate_ = Rate::Bps1200;
    bool rx_data_ = false;  // circuit 109: latched, independent of the transmit sequence
};

}  // namespace modem::v22bis
