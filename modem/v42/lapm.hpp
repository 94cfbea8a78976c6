// SPDX-License-Identifier: MIT
/// \file
/// LAPM, the V.42 error-correcting link (V.42 section 8): XID negotiation, SABME/UA
/// establishment, I frames with modulo-128 numbering, RR/RNR flow control, REJ and SREJ
/// recovery, T401/N400 time-outs with RR polling, DISC/DM release and break in UI frames.
///
/// A pure state machine driven by the sample clock: bits in and out through its own HDLC layer
/// (or whole frames, for tests), bytes in and out on the serial side. Everything it needs is
/// allocated in the constructor; the line and serial calls do not allocate.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "dsp/types.hpp"
#include "modem/events.hpp"
#include "modem/v42/frames.hpp"
#include "modem/v42/hdlc.hpp"

namespace modem::v42 {

using dsp::SampleTime;

/// V.42 default maximum information field, octets (V.42 8.4: N401 = 128).
inline constexpr std::uint16_t kDefaultN401 = 128;
/// V.42 default window, frames (V.42 8.4: k = 15).
inline constexpr std::uint8_t kDefaultK = 15;

enum class LapmState : std::uint8_t {
    Idle,          ///< not started (detection phase, or constructed)
    XidSent,       ///< originator: XID command sent, waiting for the XID response
    SabmeSent,     ///< originator: SABME sent, waiting for UA
    WaitSabme,     ///< answerer: waiting for XID or SABME
    Connected,     ///< information transfer
    DiscSent,      ///< local release: DISC sent, waiting for UA or DM
    Disconnected,  ///< released (either end)
    Failed,        ///< no answer after N400 tries, or the far end refused (DM)
};
std::string_view to_string(LapmState s) noexcept;

/// What XID negotiation settled (V.42 8.4), from our side's point of view.
struct LapmAgreed {
    std::uint16_t n401_tx = kDefaultN401;  ///< longest information field we send
    std::uint16_t n401_rx = kDefaultN401;  ///< longest we accept
    std::uint8_t k_tx = kDefaultK;         ///< frames we may have outstanding
    std::uint8_t k_rx = kDefaultK;         ///< frames the far end may have outstanding
    bool srej = false;
    FcsSize fcs = FcsSize::Fcs16;
};

struct LapmStats {
    std::uint64_t frames_sent = 0, frames_received = 0;
    std::uint64_t i_sent = 0, i_received = 0;     ///< I frames (new and resent) / accepted in sequence
    std::uint64_t retransmissions = 0;            ///< I frames sent again
    std::uint64_t rej_sent = 0, srej_sent = 0, rej_received = 0, srej_received = 0;
    std::uint64_t rnr_sent = 0, polls = 0, timeouts = 0;  ///< polls: RR/RNR commands with P = 1 (T401)
    std::uint64_t fcs_errors = 0;                 ///< frames whose FCS failed
    std::uint64_t bytes_sent = 0;                 ///< user octets acknowledged by the far end
    std::uint64_t bytes_received = 0;             ///< user octets delivered in order
    std::uint64_t breaks_sent = 0, breaks_received = 0;
};

class Lapm {
public:
    struct Config {
        bool originator = true;          ///< the calling DCE (sends XID and SABME)
        std::uint16_t n401 = kDefaultN401;  ///< largest information field offered, 1..1024 octets
        std::uint8_t k = kDefaultK;      ///< window offered, 1..127
        bool srej = true;                ///< offer selective reject
        bool fcs32 = false;              ///< offer the 32-bit FCS
        /// Acknowledgement timer T401, its least value. V.42 leaves the value to the
        /// implementation with the rule that it exceed the time of a longest frame out and its
        /// acknowledgement back; 2 s is about four 128-octet frames at 2400 bit/s (project
        /// choice). A path with more delay than that (sound servers, satellite hops) would have
        /// the timer expire while acknowledgements are still under way, and every expiry stops
        /// new frames for a poll and its answer; so the timer in use follows the round trip
        /// measured on acknowledged frames: the smoothed time plus four times its mean
        /// deviation, never below this value nor above kMaxT401Factor times it.
        double t401_ms = 2000.0;
        /// N400: tries of a command before the link is given up (V.42 8.4; project choice 5).
        int n400 = 5;
        std::size_t tx_queue = 4096;     ///< user octets accepted ahead of the line
        std::size_t rx_queue = 65536;    ///< delivered octets held for read(); RNR when nearly full
        TraceSink* trace = nullptr;      ///< events: states, XID result, breaks, final counts
    };

    /// Throws std::invalid_argument for n401 or k out of range.
    explicit Lapm(const Config& cfg);
    void reset() noexcept;

    /// Begins establishment: the originator sends XID, the answerer waits for XID or SABME.
    void start(SampleTime now) noexcept;
    /// Local release once the caller sees tx_drained(): DISC, then Disconnected on UA/DM.
    void disconnect(SampleTime now) noexcept;

    // ---- line side (bits, one per octet, line order)
    std::uint8_t next_bit(SampleTime now) noexcept;
    void push_bit(SampleTime now, std::uint8_t bit) noexcept;
    void pull_bits(SampleTime now, std::span<std::uint8_t> bits) noexcept;
    void push_bits(SampleTime now, std::span<const std::uint8_t> bits) noexcept;
    /// True when no frame is loaded or on the line (flags only).
    [[nodiscard]] bool line_idle() const noexcept { return hdlc_tx_.idle(); }

    // ---- frame side (address + control + information, no FCS); the bit side uses these
    /// The next frame to send, written to `out` (capacity n401 + 8); 0 when nothing is due.
    std::size_t next_frame(SampleTime now, std::span<std::uint8_t> out) noexcept;
    /// A frame received with a good FCS.
    void on_frame(SampleTime now, std::span<const std::uint8_t> octets) noexcept;
    /// Runs the timers (called by the calls above as well).
    void tick(SampleTime now) noexcept;

    // ---- serial side
    std::size_t write(std::span<const std::uint8_t> bytes) noexcept;
    [[nodiscard]] std::size_t writable() const noexcept;
    std::size_t read(std::span<std::uint8_t> out) noexcept;
    [[nodiscard]] std::size_t readable() const noexcept { return rx_count_; }
    /// Sends a break (BRK in a UI frame, V.42 8.10; expedited, data already queued is kept).
    void send_break() noexcept;
    /// Every octet written has been acknowledged by the far end.
    [[nodiscard]] bool tx_drained() const noexcept { return tx_count_ == 0 && va_ == vtop_; }

    [[nodiscard]] LapmState state() const noexcept { return state_; }
    [[nodiscard]] bool connected() const noexcept { return state_ == LapmState::Connected; }
    [[nodiscard]] const LapmAgreed& agreed() const noexcept { return agreed_; }
    [[nodiscard]] const LapmStats& stats() const noexcept { return stats_; }
    /// True after the far end released the link (DISC or DM received).
    [[nodiscard]] bool released_by_peer() const noexcept { return released_by_peer_; }
    [[nodiscard]] bool peer_busy() const noexcept { return peer_busy_; }
    /// Sample time of the far end's last I frame (in sequence or not) or poll, -1 before any: a
    /// far end that still has data to deliver is never quiet for longer than T401 (it polls).
    [[nodiscard]] SampleTime peer_active_at() const noexcept { return peer_active_at_; }
    [[nodiscard]] bool own_busy() const noexcept { return own_busy_; }
    [[nodiscard]] const Config& config() const noexcept { return cfg_; }
    /// T401 in use, samples (Config::t401_ms, or more on a slow round trip).
    [[nodiscard]] SampleTime t401() const noexcept { return t401_; }
    /// Cap of the adapted T401, as a multiple of Config::t401_ms (project choice).
    static constexpr int kMaxT401Factor = 4;

private:
    static constexpr int kSeq = kModulus;
    static int dist(int from, int to) noexcept { return (to - from + kSeq) % kSeq; }

    void enter(LapmState s, SampleTime now, std::string_view why) noexcept;
    void start_t401(SampleTime now) noexcept { t401_at_ = now + t401_; }
    /// A round trip measured from a frame's start to the frame that acknowledged it.
    void round_trip(SampleTime rtt) noexcept;
    void stop_t401() noexcept { t401_at_ = -1; }
    void link_reset() noexcept;
    void apply_nr(SampleTime now, int nr) noexcept;
    void receive_i(const Frame& f) noexcept;
    void deliver(std::span<const std::uint8_t> info) noexcept;
    void update_busy() noexcept;
    void negotiate_as_responder(const XidParams& offer) noexcept;
    void adopt_response(SampleTime now, const XidParams& resp) noexcept;
    void emit_agreed(SampleTime now) noexcept;
    std::size_t put(std::span<std::uint8_t> out, FrameType t, bool command, bool pf, int nr = 0, int ns = 0,
                    std::span<const std::uint8_t> info = {}) noexcept;

    Config cfg_;
    SampleTime t401_floor_;       // Config::t401_ms
    SampleTime t401_;             // in use
    double srtt_ = -1.0;          // smoothed round trip, samples (< 0: none measured yet)
    double rttvar_ = 0.0;         // its mean deviation
    HdlcTx hdlc_tx_;
    HdlcRx hdlc_rx_;
    std::vector<std::uint8_t> scratch_;
    LapmState state_ = LapmState::Idle;
    LapmAgreed agreed_;
    LapmStats stats_;
    // timers
    SampleTime t401_at_ = -1;
    int tries_ = 0;
    // pending frames
    bool xid_cmd_ = false, xid_resp_ = false, sabme_ = false, ua_ = false, dm_ = false, disc_ = false;
    bool resp_pf_ = false;        // F bit of the pending UA/DM/XID response
    bool brk_ = false, brkack_ = false;
    bool respond_f_ = false;      // supervisory response with F = 1 owed
    bool poll_ = false;           // supervisory command with P = 1 to send (T401 expiry)
    bool recovery_ = false;       // waiting for that F = 1
    bool rej_ = false, srej_ = false, ack_ = false;
    bool busy_changed_ = false;
    bool fcs_switch_ = false;     // responder: agreed FCS from the frame after the XID response
    XidParams xid_offer_{}, xid_answer_{};
    // send state: va_ oldest unacknowledged, vs_ next to send, vtop_ next new sequence number
    int va_ = 0, vs_ = 0, vtop_ = 0;
    bool peer_busy_ = false;
    std::vector<std::uint8_t> tx_slots_;       // kSeq frames of n401 octets
    std::array<std::uint16_t, kSeq> tx_len_{};
    std::array<bool, kSeq> resend_{};          // SREJ asks
    // When each outstanding frame was first sent (its start), -1 once sent again: a resent
    // frame's acknowledgement cannot tell which copy it answers, so it is not timed.
    std::array<SampleTime, kSeq> sent_at_{};
    SampleTime command_at_ = -1;               // XID or SABME command sent (originator), for a first round trip
    int resend_count_ = 0;
    // receive state
    int vr_ = 0;
    bool rej_condition_ = false;
    int srej_for_ = -1;
    std::vector<std::uint8_t> rx_slots_;
    std::array<std::uint16_t, kSeq> rx_len_{};
    std::array<bool, kSeq> have_{};
    int stored_ = 0;                           // frames kept beyond V(R) (SREJ)
    bool own_busy_ = false;
    bool released_by_peer_ = false;
    SampleTime peer_active_at_ = -1;
    // serial rings
    std::vector<std::uint8_t> tx_ring_, rx_ring_;
    std::size_t tx_head_ = 0, tx_count_ = 0, rx_head_ = 0, rx_count_ = 0;
    SampleTime now_ = 0;
};

}  // namespace modem::v42
