// SPDX-License-Identifier: MIT
/// \file
/// A whole call on one line, for either end: call progress (dial tone, DTMF, ringback, busy),
/// V.8 or the legacy V.25 answer sequence, the V.22bis/V.22 handshake, then (optionally) V.42
/// error correction negotiated, and the user's bytes carried both ways (in LAPM frames, or as
/// V.14 start-stop characters) until one side hangs up or the carrier is lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dsp/types.hpp"
#include "modem/events.hpp"
#include "modem/tones/answer_tone.hpp"
#include "modem/tones/cadence.hpp"
#include "modem/tones/dtmf.hpp"
#include "modem/tones/tone_gen.hpp"
#include "modem/v14/v14.hpp"
#include "modem/v22bis/modem.hpp"
#include "modem/v42/detect.hpp"
#include "modem/v42/lapm.hpp"
#include "modem/v8/endpoint.hpp"

namespace modem::session {

using dsp::SampleTime;

enum class Role : std::uint8_t { Caller, Answerer };
constexpr std::string_view to_string(Role r) noexcept { return r == Role::Caller ? "caller" : "answerer"; }

/// Where a session is. The caller goes WaitDialTone (optional) -> Dialling -> WaitAnswer ->
/// Training -> Data; the answerer WaitCall (only when it waits for its number) -> Ringing ->
/// Answering -> Training -> Data. Both may then pass through HangingUp; every path ends in Ended.
enum class Phase : std::uint8_t {
    WaitDialTone,  ///< caller: listening for dial tone before dialling
    Dialling,      ///< caller: sending the number in DTMF
    WaitAnswer,    ///< caller: ringback or busy may come; the answer tone starts V.8 or the legacy path
    WaitCall,      ///< answerer: sending dial tone (as the exchange would) and collecting DTMF digits
    Ringing,       ///< answerer: its number was dialled; ringback goes back to the caller
    Answering,     ///< answerer: answer tone and V.8 (or ANS on the legacy path)
    Training,      ///< V.22bis / V.22 start-up handshake
    Data,          ///< connected: characters both ways
    HangingUp,     ///< local hang-up: everything accepted goes out, then marks, then silence
    Ended,
};
std::string_view to_string(Phase p) noexcept;

/// How a session ended.
enum class End : std::uint8_t {
    None,         ///< not ended
    LocalHangup,  ///< hangup() was asked for, and everything accepted before it was sent
    CarrierLost,  ///< the far end hung up, or the line went away, in data
    NoDialtone,   ///< caller: no dial tone within the wait
    Busy,         ///< caller: busy tone
    NoAnswer,     ///< caller: no answer tone within the wait
    NoCarrier,    ///< the handshake (V.8 or V.22bis) failed
};
std::string_view to_string(End e) noexcept;
/// The Hayes result text a modem prints for that ending ("NO CARRIER", "BUSY", ...; "OK" for a
/// local hang-up).
std::string_view result_text(End e) noexcept;

/// V.42 error correction wanted (AT\N0, AT\N3, AT\N4; `--ec off|on|require`).
enum class Ec : std::uint8_t {
    Off,      ///< plain V.14 characters; LAPM not offered in V.8, no detection phase
    On,       ///< LAPM when both ends can (V.8 LAPM bit, or the V.42 detection phase), else V.14
    Require,  ///< LAPM or hang up (NO CARRIER)
};
std::string_view to_string(Ec e) noexcept;

/// What the two ends agreed, handed to the serial data pump and reported with CONNECT.
struct ConnectInfo {
    std::string_view modulation;  ///< "V.22bis" or "V.22"
    int rate_bps = 0;             ///< 2400 or 1200
    std::string_view start_up;    ///< "V.8" or "V.25" (legacy answer tone, no V.8)
    std::string_view protocol;    ///< "LAPM" (V.42 error correction) or "none" (V.14 characters)
    v14::Format format{};         ///< configured, not negotiated (protocols.md 9)
    SampleTime at = 0;            ///< sample time of CONNECT
    v42::LapmAgreed lapm{};       ///< what XID settled (meaningful when protocol is "LAPM")
    /// The result text a Hayes modem gives: "CONNECT 2400" or "CONNECT 2400/LAPM".
    [[nodiscard]] std::string connect_text() const;
};

/// Counters of a session's data phase.
struct DataStats {
    std::uint64_t bytes_sent = 0;      ///< characters put on the line
    std::uint64_t bytes_received = 0;  ///< characters delivered to read()
    std::uint64_t bytes_discarded = 0; ///< decoded after the far carrier had gone (never delivered)
    std::uint64_t parity_errors = 0;
    std::uint64_t framing_errors = 0;
    std::uint64_t breaks = 0;
    // ---- V.42 (LAPM) only
    std::uint64_t frames_sent = 0;
    std::uint64_t frames_received = 0;
    std::uint64_t retransmissions = 0;  ///< I frames sent again (REJ, SREJ, after a poll)
    std::uint64_t fcs_errors = 0;       ///< damaged frames received
};

class Session {
public:
    struct Config {
        Role role = Role::Caller;
        // ---- caller
        std::string number;                 ///< DTMF digits to dial; "" = no dialling
        bool wait_dial_tone = false;        ///< NO DIALTONE unless dial tone is heard first
        double dial_tone_min_s = 1.0;       ///< dial tone heard this long, then dial; project choice
        double dial_tone_wait_s = 5.0;      ///< give up (NO DIALTONE) after this; project choice
        double blind_dial_delay_s = 0.5;    ///< without waiting for dial tone; project choice
        tones::DtmfConfig dtmf{.on_ms = 100.0, .off_ms = 100.0};  ///< Hayes S11-like; project choice
        double answer_wait_s = 50.0;        ///< from the end of dialling to an answer tone (Hayes S7)
        // ---- answerer
        std::string answer_number;          ///< "" = answer at once; else wait for these digits
        bool answer_any = false;            ///< wait for any dialled number (answer_number ignored)
        bool exchange_tones = true;         ///< while waiting: send dial tone, then ringback, as the exchange would
        double ring_s = 2.0;                ///< ringback before going off-hook; project choice
        /// false: after the number matched, keep ringing (an Info "ring" event per ring cycle)
        /// until answer() is called, as a Hayes modem waits for S0 rings or ATA.
        bool auto_answer = true;
        double ring_cycle_s = 6.0;          ///< one ring every this long (US 2 s on / 4 s off)
        double digit_timeout_s = 4.0;       ///< forget a partial number after this gap; project choice
        // ---- both
        bool v8 = true;                     ///< false: legacy start-up (ANS, no V.8 messages)
        bool ansam_reversals = true;        ///< answerer: ANSam/ (V.8) or ANS/ (legacy)
        v22bis::Rate max_rate = v22bis::Rate::Bps2400;
        v22bis::GuardTone guard = v22bis::GuardTone::None;  ///< answerer only
        double level_dbm0 = -13.0;          ///< data transmit level
        v14::Format format{};
        /// V.42: Off keeps the pre-V.42 behaviour. With On or Require, write() takes nothing
        /// until CONNECT (the link protocol is not known before).
        Ec ec = Ec::Off;
        std::size_t tx_queue = 4096;        ///< characters accepted ahead of the line (back-pressure)
        /// Received characters are held this long before read() sees them, so that what the
        /// receiver decodes from noise between the far carrier dropping and the loss being
        /// detected is never delivered. Project choice.
        double hold_ms = 500.0;
        /// Local hang-up: marks sent after the last character before the carrier is dropped
        /// (longer than the far end's hold, so our last characters are released there before
        /// it notices the carrier going). Characters still held when we end are dropped. Project choice.
        double trailer_ms = 700.0;
        TraceSink* trace = nullptr;
    };

    /// Throws std::invalid_argument on a bad configuration (bad digits, guard tone on a caller...).
    explicit Session(const Config& cfg);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    /// Line audio: `in` heard, `out` to send; same length. Any block size.
    void process(std::span<const float> in, std::span<float> out);

    /// Offers bytes for the far end; returns how many were taken (0 when the queue is full or
    /// the session is hanging up or over). Bytes taken are sent before any hang-up.
    std::size_t write(std::span<const std::uint8_t> bytes);
    [[nodiscard]] std::size_t writable() const noexcept;
    /// True when every byte taken by write() has been put on the line.
    [[nodiscard]] bool tx_drained() const noexcept;
    /// Received bytes, oldest first; returns how many were copied.
    std::size_t read(std::span<std::uint8_t> out);
    [[nodiscard]] std::size_t readable() const noexcept { return rx_out_.size(); }
    /// Queues a V.14 break (in data).
    void send_break();
    /// Hangs up: in data, after everything already taken by write() is on the line; before
    /// data, at once.
    void hangup();
    /// Answerer that is Ringing (auto_answer false): goes off hook now. Ignored otherwise.
    void answer();
    /// Rings signalled so far (Ringing): one when the number matched, then one per ring cycle.
    [[nodiscard]] int rings() const noexcept { return rings_; }

    [[nodiscard]] Phase phase() const noexcept { return phase_; }
    [[nodiscard]] End end() const noexcept { return end_; }
    [[nodiscard]] bool ended() const noexcept { return phase_ == Phase::Ended; }
    [[nodiscard]] const std::optional<ConnectInfo>& connection() const noexcept { return connect_; }
    [[nodiscard]] const DataStats& stats() const noexcept { return stats_; }
    [[nodiscard]] SampleTime now() const noexcept { return now_; }
    /// V.42: sample time the far end last sent an I frame or a poll (-1 without LAPM). A far end
    /// with data still to deliver is never quiet much longer than T401.
    [[nodiscard]] SampleTime far_active_at() const noexcept { return lapm_ ? lapm_->peer_active_at() : -1; }
    /// V.42: LAPM's T401 now, seconds (0 when the link is not LAPM): the longest a sender
    /// recovering a lost frame stays quiet, so "the far end sent nothing for a while" must wait
    /// longer than this. The configured value or more, as the timer follows the measured round
    /// trip; the far end's, on the same path, is alike.
    [[nodiscard]] double t401_now_s() const noexcept {
        return link_ == Link::Lapm ? dsp::samples_to_seconds(lapm_->t401()) : 0.0;
    }
    /// Digits collected by a waiting answerer.
    [[nodiscard]] const std::string& digits() const noexcept { return digits_; }
    /// The pump, while there is one (Training, Data, HangingUp): for its status and quality.
    [[nodiscard]] const v22bis::Modem* pump() const noexcept { return pump_.get(); }
    [[nodiscard]] const Config& config() const noexcept { return cfg_; }

private:
    /// Forwards events of a part started mid-call, shifted to the session's clock.
    class OffsetSink final : public TraceSink {
    public:
        TraceSink* next = nullptr;
        SampleTime offset = 0;
        void record(const Event& e) noexcept override;
    };
    struct HeldChar {
        SampleTime at;
        std::uint8_t value;
    };

    void run(std::span<const float> in, std::span<float> out);
    void enter(Phase p, std::string_view why);
    void finish(End e, std::string_view why);
    void start_tone(const tones::ToneSequence::Config& seq, std::string_view name);
    void start_v8();
    void start_legacy_answer();
    void start_pump(SampleTime initial_silence);
    void on_connected();
    void start_link();
    void run_link();
    void fall_back(std::string_view why);
    std::uint8_t line_bit() noexcept;
    void line_in(std::uint8_t bit) noexcept;
    void pull_lapm_rx();
    void update_lapm_stats();
    void release_held();
    void data_step();
    [[nodiscard]] bool quiet_data() const noexcept;
    std::size_t run_quiet_data(std::span<const float> in, std::span<float> out, std::size_t first);
    /// Session time a received character is stamped with: the start of the grid step it was
    /// decoded in.
    [[nodiscard]] SampleTime decoded_at() const noexcept;
    void listen_call_progress(std::span<const float> in);
    void collect_digits(std::span<const float> in);
    [[nodiscard]] double since_s() const noexcept;

    Config cfg_;
    Phase phase_;
    End end_ = End::None;
    SampleTime now_ = 0;
    SampleTime phase_at_ = 0;
    // signal generation
    std::unique_ptr<tones::ToneSequence> tone_;
    // call progress
    tones::CadenceDetector dial_det_;
    tones::CadenceDetector busy_det_;
    tones::CadenceDetector ring_det_;
    tones::DtmfDetector dtmf_det_;
    tones::AnswerToneDetector ans_det_;
    SampleTime dial_on_since_ = -1;
    SampleTime tone_wait_since_ = -1;  // legacy caller: waiting for the answer tone to end
    bool tone_seen_ = false;
    SampleTime busy_on_since_ = -1;
    int busy_bursts_ = 0;
    SampleTime ring_on_since_ = -1;
    bool ring_reported_ = false;
    std::string digits_;
    SampleTime last_digit_at_ = 0;
    // protocols
    OffsetSink v8_sink_, pump_sink_;
    std::unique_ptr<v8::V8Endpoint> v8_;
    std::unique_ptr<v22bis::Modem> pump_;
    std::string_view start_up_ = "V.8";
    // data
    v14::AsyncTx tx_;
    v14::AsyncRx rx_;
    std::deque<HeldChar> held_;
    SampleTime hold_samples_ = 0;  // cfg_.hold_ms in samples
    SampleTime batch_at_ = -1;     // start of run_quiet_data()'s pump call while it runs, else -1
    std::deque<std::uint8_t> rx_out_;
    std::optional<ConnectInfo> connect_;
    DataStats stats_;
    bool hangup_asked_ = false;
    SampleTime drained_at_ = -1;
    SampleTime unanswered_since_ = -1;
    SampleTime poor_since_ = -1;  // 1200 bit/s: decision SNR low since
    int rings_ = 0;
    bool answer_asked_ = false;  // our retrain S1 waiting for the far end's
    // V.42
    enum class Link : std::uint8_t { Async, Detect, Lapm };
    Link link_ = Link::Async;
    bool v8_lapm_ = false;        // V.8 said both ends offer LAPM
    bool link_started_ = false;   // the pump connected and the link protocol was started
    std::unique_ptr<v42::Detector> detect_;
    std::unique_ptr<v42::Lapm> lapm_;
    SampleTime released_at_ = -1; // LAPM released (or failed) in data
    std::uint64_t lapm_breaks_seen_ = 0;
};

}  // namespace modem::session
