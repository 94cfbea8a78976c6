// SPDX-License-Identifier: MIT
/// \file
/// LAPM procedures (V.42 section 8): establishment with XID and SABME, modulo-128 I frames with
/// REJ/SREJ recovery and RR polling on T401, RNR flow control, release with DISC.
#include "modem/v42/lapm.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace modem::v42 {

namespace {

constexpr std::string_view kSource = "v42.lapm";
/// V.42 8.4: N401 is at most 4096 octets; we keep frames shorter (project choice: 1024).
constexpr std::uint16_t kMaxN401 = 1024;
/// Modulo-128 operation allows k up to 127 (V.42 8.4).
constexpr int kMaxK = 127;
/// Room for XID and other non-I frames in the frame buffers. Project choice.
constexpr std::size_t kMinFrameRoom = 64;
/// Address + two control octets of an I frame (V.42 8.1).
constexpr std::size_t kIHeader = 3;

bool fcs_ok(std::span<const std::uint8_t> raw, FcsSize fcs) noexcept {
    if (raw.size() < fcs_octets(fcs) + 2) return false;
    if (fcs == FcsSize::Fcs16) {
        std::uint16_t r = 0xFFFF;
        for (auto o : raw) r = fcs16_update(r, o);
        return r == kFcs16Good;
    }
    std::uint32_t r = 0xFFFFFFFFu;
    for (auto o : raw) r = fcs32_update(r, o);
    return r == kFcs32Good;
}

}  // namespace

std::string_view to_string(LapmState s) noexcept {
    switch (s) {
    case LapmState::Idle: return "idle";
    case LapmState::XidSent: return "xid_sent";
    case LapmState::SabmeSent: return "sabme_sent";
    case LapmState::WaitSabme: return "wait_sabme";
    case LapmState::Connected: return "connected";
    case LapmState::DiscSent: return "disc_sent";
    case LapmState::Disconnected: return "disconnected";
    case LapmState::Failed: return "failed";
    }
    return "?";
}

Lapm::Lapm(const Config& cfg)
    : cfg_(cfg),
      t401_floor_(dsp::ms_to_samples(cfg.t401_ms)),
      t401_(t401_floor_),
      hdlc_tx_({.fcs = FcsSize::Fcs16, .max_frame = std::max<std::size_t>(cfg.n401 + kIHeader, kMinFrameRoom)}),
      hdlc_rx_({.fcs = FcsSize::Fcs16,
                .max_frame = std::max<std::size_t>(cfg.n401 + kIHeader, kMinFrameRoom),
                .min_frame = 2}) {
    if (cfg.n401 < 1 || cfg.n401 > kMaxN401) throw std::invalid_argument("v42: N401 must be 1..1024 octets");
    if (cfg.k < 1 || cfg.k > kMaxK) throw std::invalid_argument("v42: k must be 1..127");
    if (cfg.t401_ms <= 0 || cfg.n400 < 1) throw std::invalid_argument("v42: T401 and N400 must be positive");
    if (cfg.tx_queue < 1) throw std::invalid_argument("v42: tx_queue must be at least 1");
    // Flow control is RNR once less than a window's worth of room is left: the ring holds two.
    cfg_.rx_queue = std::max<std::size_t>(cfg.rx_queue, 2u * (cfg.k + 1u) * cfg.n401);
    scratch_.resize(std::max<std::size_t>(cfg.n401 + kIHeader, kMinFrameRoom));
    tx_slots_.resize(static_cast<std::size_t>(kSeq) * cfg.n401);
    rx_slots_.resize(static_cast<std::size_t>(kSeq) * cfg.n401);
    tx_ring_.resize(cfg.tx_queue);
    rx_ring_.resize(cfg_.rx_queue);
    reset();
}

void Lapm::reset() noexcept {
    hdlc_tx_.reset();
    hdlc_rx_.reset();
    state_ = LapmState::Idle;
    agreed_ = LapmAgreed{.n401_tx = cfg_.n401, .n401_rx = cfg_.n401, .k_tx = cfg_.k, .k_rx = cfg_.k};
    stats_ = {};
    t401_at_ = -1;
    t401_ = t401_floor_;
    srtt_ = -1.0;
    rttvar_ = 0.0;
    command_at_ = -1;
    tries_ = 0;
    xid_cmd_ = xid_resp_ = sabme_ = ua_ = dm_ = disc_ = resp_pf_ = brk_ = brkack_ = false;
    fcs_switch_ = false;
    released_by_peer_ = false;
    peer_active_at_ = -1;
    link_reset();
    tx_head_ = tx_count_ = rx_head_ = rx_count_ = 0;
    own_busy_ = false;
    now_ = 0;
}

void Lapm::link_reset() noexcept {
    respond_f_ = poll_ = recovery_ = rej_ = srej_ = ack_ = busy_changed_ = false;
    va_ = vs_ = vtop_ = vr_ = 0;
    peer_busy_ = false;
    resend_.fill(false);
    sent_at_.fill(-1);
    resend_count_ = 0;
    rej_condition_ = false;
    srej_for_ = -1;
    have_.fill(false);
    stored_ = 0;
}

void Lapm::enter(LapmState s, SampleTime now, std::string_view why) noexcept {
    state_ = s;
    emit(cfg_.trace, Event::make(now, EventKind::StateEntered, kSource, to_string(s), why));
    if (s == LapmState::Disconnected || s == LapmState::Failed) {
        stop_t401();
        auto ev = Event::make(now, EventKind::Info, kSource, "counts", "frames sent/received, I frames resent, FCS errors");
        ev.with("frames_sent", static_cast<std::int64_t>(stats_.frames_sent))
            .with("frames_received", static_cast<std::int64_t>(stats_.frames_received))
            .with("retransmissions", static_cast<std::int64_t>(stats_.retransmissions))
            .with("fcs_errors", static_cast<std::int64_t>(stats_.fcs_errors));
        emit(cfg_.trace, ev);
        auto flow = Event::make(now, EventKind::Info, kSource, "flow", "T401 in use, its expiries, polls, RNR sent");
        flow.with("t401_ms", std::round(1000.0 * dsp::samples_to_seconds(t401_)))
            .with("timeouts", static_cast<std::int64_t>(stats_.timeouts))
            .with("polls", static_cast<std::int64_t>(stats_.polls))
            .with("rnr_sent", static_cast<std::int64_t>(stats_.rnr_sent));
        emit(cfg_.trace, flow);
    }
}

void Lapm::emit_agreed(SampleTime now) noexcept {
    auto ev = Event::make(now, EventKind::Info, kSource, "xid", "parameters agreed");
    ev.with("n401", static_cast<std::int64_t>(agreed_.n401_tx))
        .with("k", static_cast<std::int64_t>(agreed_.k_tx))
        .with("srej", agreed_.srej)
        .with("fcs", static_cast<std::int64_t>(agreed_.fcs == FcsSize::Fcs32 ? 32 : 16));
    emit(cfg_.trace, ev);
}

void Lapm::start(SampleTime now) noexcept {
    if (state_ != LapmState::Idle) return;
    now_ = now;
    tries_ = 0;
    if (cfg_.originator) {
        xid_cmd_ = true;
        enter(LapmState::XidSent, now, "start: XID command");
    } else {
        enter(LapmState::WaitSabme, now, "start: waiting for XID or SABME");
    }
    start_t401(now);
}

void Lapm::disconnect(SampleTime now) noexcept {
    now_ = now;
    if (state_ == LapmState::Connected) {
        disc_ = true;
        tries_ = 0;
        start_t401(now);
        enter(LapmState::DiscSent, now, "local release");
    } else if (state_ != LapmState::Disconnected && state_ != LapmState::Failed && state_ != LapmState::DiscSent) {
        enter(LapmState::Disconnected, now, "released before the link was up");
    }
}

// ---------------------------------------------------------------- timers

void Lapm::tick(SampleTime now) noexcept {
    now_ = now;
    if (t401_at_ < 0 || now < t401_at_) return;
    ++stats_.timeouts;
    ++tries_;
    const bool exhausted = tries_ > cfg_.n400;
    switch (state_) {
    case LapmState::XidSent:
        if (exhausted) {
            enter(LapmState::Failed, now, "no XID response after N400 tries");
            return;
        }
        xid_cmd_ = true;
        break;
    case LapmState::SabmeSent:
        if (exhausted) {
            enter(LapmState::Failed, now, "no UA after N400 tries");
            return;
        }
        sabme_ = true;
        break;
    case LapmState::WaitSabme:
        if (exhausted) {
            enter(LapmState::Failed, now, "no SABME from the originator");
            return;
        }
        break;
    case LapmState::Connected:
        if (exhausted) {
            enter(LapmState::Failed, now, "N400 polls unanswered");
            return;
        }
        poll_ = true;  // enquiry: RR/RNR command with P = 1 (V.42 8.3 timer recovery)
        break;
    case LapmState::DiscSent:
        if (exhausted) {
            enter(LapmState::Disconnected, now, "no answer to DISC");
            return;
        }
        disc_ = true;
        break;
    case LapmState::Idle:
    case LapmState::Disconnected:
    case LapmState::Failed:
        stop_t401();
        return;
    }
    start_t401(now);
}

// ---------------------------------------------------------------- sending

std::size_t Lapm::put(std::span<std::uint8_t> out, FrameType t, bool command, bool pf, int nr, int ns,
                      std::span<const std::uint8_t> info) noexcept {
    Frame f;
    f.address = make_address(command ? command_cr(cfg_.originator) : response_cr(cfg_.originator));
    f.type = t;
    f.pf = pf;
    f.nr = static_cast<std::uint8_t>(nr);
    f.ns = static_cast<std::uint8_t>(ns);
    f.info = info;
    const std::size_t n = encode(f, out);
    if (n > 0) ++stats_.frames_sent;
    return n;
}

std::size_t Lapm::next_frame(SampleTime now, std::span<std::uint8_t> out) noexcept {
    tick(now);
    std::array<std::uint8_t, kMinFrameRoom> info{};
    if (ua_) {
        ua_ = false;
        return put(out, FrameType::UA, false, resp_pf_);
    }
    if (dm_) {
        dm_ = false;
        return put(out, FrameType::DM, false, resp_pf_);
    }
    if (xid_resp_) {
        xid_resp_ = false;
        const std::size_t n = encode_xid(xid_answer_, info);
        return put(out, FrameType::XID, false, resp_pf_, 0, 0, std::span(info.data(), n));
    }
    if (xid_cmd_) {
        xid_cmd_ = false;
        const XidParams offer{.n401_tx = cfg_.n401, .n401_rx = cfg_.n401, .k_tx = cfg_.k, .k_rx = cfg_.k,
                              .has_optional = true, .srej = cfg_.srej, .fcs32 = cfg_.fcs32};
        const std::size_t n = encode_xid(offer, info);
        command_at_ = tries_ == 0 ? now : -1;  // a repeat's answer cannot be timed
        return put(out, FrameType::XID, true, true, 0, 0, std::span(info.data(), n));
    }
    if (sabme_) {
        sabme_ = false;
        command_at_ = tries_ == 0 ? now : -1;
        return put(out, FrameType::SABME, true, true);
    }
    if (disc_) {
        disc_ = false;
        return put(out, FrameType::DISC, true, true);
    }
    if (brkack_) {
        brkack_ = false;
        info[0] = kBrkAck;
        return put(out, FrameType::UI, true, false, 0, 0, std::span(info.data(), 1));
    }
    if (state_ != LapmState::Connected) return 0;
    if (brk_) {
        brk_ = false;
        info[0] = kBrk;
        info[1] = 0;  // length not given
        return put(out, FrameType::UI, true, false, 0, 0, std::span(info.data(), 2));
    }
    const FrameType ready = own_busy_ ? FrameType::RNR : FrameType::RR;
    auto supervisory = [&](FrameType t, bool command, bool pf, int nr) {
        ack_ = false;
        busy_changed_ = false;
        if (t == FrameType::RNR) ++stats_.rnr_sent;
        return put(out, t, command, pf, nr);
    };
    if (respond_f_) {
        respond_f_ = false;
        return supervisory(ready, false, true, vr_);
    }
    if (poll_) {
        poll_ = false;
        recovery_ = true;
        ++stats_.polls;
        return supervisory(ready, true, true, vr_);
    }
    if (srej_) {
        srej_ = false;
        ++stats_.srej_sent;
        return supervisory(FrameType::SREJ, false, false, srej_for_);
    }
    if (rej_) {
        rej_ = false;
        ++stats_.rej_sent;
        return supervisory(FrameType::REJ, false, false, vr_);
    }
    if (!recovery_ && !peer_busy_) {
        int seq = -1;
        if (resend_count_ > 0) {
            for (int i = 0; i < dist(va_, vtop_) && seq < 0; ++i) {
                const int s = (va_ + i) % kSeq;
                if (resend_[static_cast<std::size_t>(s)]) {
                    resend_[static_cast<std::size_t>(s)] = false;
                    --resend_count_;
                    seq = s;
                }
            }
            if (seq < 0) resend_count_ = 0;
        }
        if (seq < 0 && dist(va_, vs_) < dist(va_, vtop_)) {
            seq = vs_;  // going back after REJ or a poll's answer
            vs_ = (vs_ + 1) % kSeq;
        }
        if (seq >= 0) {
            ++stats_.retransmissions;
            sent_at_[static_cast<std::size_t>(seq)] = -1;
        } else if (tx_count_ > 0 && dist(va_, vtop_) < agreed_.k_tx) {
            seq = vtop_;
            const std::size_t n = std::min<std::size_t>(agreed_.n401_tx, tx_count_);
            std::uint8_t* slot = tx_slots_.data() + static_cast<std::size_t>(seq) * cfg_.n401;
            for (std::size_t i = 0; i < n; ++i) slot[i] = tx_ring_[(tx_head_ + i) % tx_ring_.size()];
            tx_head_ = (tx_head_ + n) % tx_ring_.size();
            tx_count_ -= n;
            tx_len_[static_cast<std::size_t>(seq)] = static_cast<std::uint16_t>(n);
            sent_at_[static_cast<std::size_t>(seq)] = now;
            vtop_ = (vtop_ + 1) % kSeq;
            vs_ = vtop_;
        }
        if (seq >= 0) {
            ++stats_.i_sent;
            ack_ = false;
            if (t401_at_ < 0) start_t401(now);
            const std::uint8_t* slot = tx_slots_.data() + static_cast<std::size_t>(seq) * cfg_.n401;
            return put(out, FrameType::I, true, false, vr_, seq,
                       std::span(slot, tx_len_[static_cast<std::size_t>(seq)]));
        }
    }
    if (ack_ || busy_changed_) return supervisory(ready, false, false, vr_);
    return 0;
}

// ---------------------------------------------------------------- receiving

void Lapm::negotiate_as_responder(const XidParams& o) noexcept {
    auto or_default = [](auto v, auto d) { return v != 0 ? v : d; };
    agreed_.n401_tx = std::min<std::uint16_t>(cfg_.n401, or_default(o.n401_rx, kDefaultN401));
    agreed_.n401_rx = std::min<std::uint16_t>(cfg_.n401, or_default(o.n401_tx, kDefaultN401));
    agreed_.k_tx = std::min<std::uint8_t>(cfg_.k, or_default(o.k_rx, kDefaultK));
    agreed_.k_rx = std::min<std::uint8_t>(cfg_.k, or_default(o.k_tx, kDefaultK));
    agreed_.srej = cfg_.srej && o.has_optional && o.srej;
    agreed_.fcs = cfg_.fcs32 && o.fcs32 ? FcsSize::Fcs32 : FcsSize::Fcs16;
    xid_answer_ = XidParams{.n401_tx = agreed_.n401_tx, .n401_rx = agreed_.n401_rx, .k_tx = agreed_.k_tx,
                            .k_rx = agreed_.k_rx, .has_optional = true, .srej = agreed_.srej,
                            .fcs32 = agreed_.fcs == FcsSize::Fcs32};
}

void Lapm::adopt_response(SampleTime now, const XidParams& r) noexcept {
    auto or_default = [](auto v, auto d) { return v != 0 ? v : d; };
    agreed_.n401_tx = std::min<std::uint16_t>(cfg_.n401, or_default(r.n401_rx, kDefaultN401));
    agreed_.n401_rx = std::min<std::uint16_t>(cfg_.n401, or_default(r.n401_tx, kDefaultN401));
    agreed_.k_tx = std::min<std::uint8_t>(cfg_.k, or_default(r.k_rx, kDefaultK));
    agreed_.k_rx = std::min<std::uint8_t>(cfg_.k, or_default(r.k_tx, kDefaultK));
    agreed_.srej = cfg_.srej && r.has_optional && r.srej;
    agreed_.fcs = cfg_.fcs32 && r.fcs32 ? FcsSize::Fcs32 : FcsSize::Fcs16;
    hdlc_tx_.set_fcs(agreed_.fcs);
    hdlc_rx_.set_fcs(agreed_.fcs);
    emit_agreed(now);
}

void Lapm::update_busy() noexcept {
    const std::size_t room = rx_ring_.size() - rx_count_;
    const std::size_t window = (static_cast<std::size_t>(agreed_.k_rx) + 1u) * agreed_.n401_rx;
    const bool busy = room < window;
    if (busy != own_busy_) {
        own_busy_ = busy;
        busy_changed_ = true;
    }
}

void Lapm::deliver(std::span<const std::uint8_t> info) noexcept {
    const std::size_t room = rx_ring_.size() - rx_count_;
    const std::size_t n = std::min(room, info.size());  // room is kept by RNR; never short in practice
    for (std::size_t i = 0; i < n; ++i) rx_ring_[(rx_head_ + rx_count_ + i) % rx_ring_.size()] = info[i];
    rx_count_ += n;
    stats_.bytes_received += n;
    ++stats_.i_received;
}

void Lapm::apply_nr(SampleTime now, int nr) noexcept {
    const int outstanding = dist(va_, vtop_);
    const int acked = dist(va_, nr);
    if (acked > outstanding) return;  // not a valid N(R): ignored
    if (acked == 0) return;
    if (acked > dist(va_, vs_)) vs_ = nr;
    // The newest frame acknowledged times the round trip (the shortest wait among them).
    const SampleTime newest_at = sent_at_[static_cast<std::size_t>((nr + kSeq - 1) % kSeq)];
    if (newest_at >= 0 && now > newest_at) round_trip(now - newest_at);
    for (int i = 0; i < acked; ++i) {
        const auto s = static_cast<std::size_t>((va_ + i) % kSeq);
        sent_at_[s] = -1;
        stats_.bytes_sent += tx_len_[s];
        if (resend_[s]) {
            resend_[s] = false;
            --resend_count_;
        }
    }
    va_ = nr;
    if (!recovery_) {
        tries_ = 0;
        if (va_ == vtop_ && !peer_busy_) stop_t401();
        else start_t401(now);
    }
}

void Lapm::round_trip(SampleTime rtt) noexcept {
    // Smoothed round trip and mean deviation (gains 1/8 and 1/4, the first sample taken whole);
    // T401 = smoothed + 4 deviations covers the spread of waits behind the far end's frames.
    const double r = static_cast<double>(rtt);
    if (srtt_ < 0.0) {
        srtt_ = r;
        rttvar_ = r / 4.0;
    } else {
        rttvar_ += (std::abs(r - srtt_) - rttvar_) / 4.0;
        srtt_ += (r - srtt_) / 8.0;
    }
    const auto want = static_cast<SampleTime>(std::lround(srtt_ + 4.0 * rttvar_));
    const SampleTime before = t401_;
    t401_ = std::clamp(want, t401_floor_, kMaxT401Factor * t401_floor_);
    // A running timer moves with it: it was started on the estimate of its time.
    if (t401_at_ >= 0) t401_at_ += t401_ - before;
}

void Lapm::receive_i(const Frame& f) noexcept {
    const int d = dist(vr_, f.ns);
    if (d == 0) {
        deliver(f.info);
        vr_ = (vr_ + 1) % kSeq;
        rej_condition_ = false;
        while (have_[static_cast<std::size_t>(vr_)]) {
            const auto s = static_cast<std::size_t>(vr_);
            deliver(std::span(rx_slots_.data() + s * cfg_.n401, rx_len_[s]));
            have_[s] = false;
            --stored_;
            vr_ = (vr_ + 1) % kSeq;
        }
        ack_ = true;
        if (srej_for_ >= 0 && srej_for_ != vr_) srej_for_ = -1;
        // Frames kept beyond a further gap: ask for the next missing one.
        if (stored_ > 0 && agreed_.srej && srej_for_ != vr_) {
            srej_ = true;
            srej_for_ = vr_;
        }
        update_busy();
        return;
    }
    if (d < agreed_.k_rx) {  // ahead of V(R): frames before it were lost
        if (agreed_.srej) {
            const auto s = static_cast<std::size_t>(f.ns);
            if (!have_[s] && f.info.size() <= cfg_.n401) {
                std::copy(f.info.begin(), f.info.end(), rx_slots_.begin() + static_cast<std::ptrdiff_t>(s * cfg_.n401));
                rx_len_[s] = static_cast<std::uint16_t>(f.info.size());
                have_[s] = true;
                ++stored_;
            }
            if (srej_for_ != vr_) {
                srej_ = true;
                srej_for_ = vr_;
            }
        } else if (!rej_condition_) {
            rej_ = true;
            rej_condition_ = true;
        }
        return;
    }
    ack_ = true;  // a repeat of something delivered: our acknowledgement may have been lost
}

void Lapm::on_frame(SampleTime now, std::span<const std::uint8_t> octets) noexcept {
    tick(now);
    Frame f;
    if (!decode(octets, f) || address_dlci(f.address) != kDlciData) return;
    ++stats_.frames_received;
    const bool command = is_command(f.address, !cfg_.originator);
    switch (f.type) {
    case FrameType::XID: {
        XidParams p;
        if (!parse_xid(f.info, p)) return;
        if (command) {
            if (cfg_.originator || state_ == LapmState::Idle) return;
            negotiate_as_responder(p);
            xid_resp_ = true;
            resp_pf_ = f.pf;
            fcs_switch_ = true;
            emit_agreed(now);
        } else if (state_ == LapmState::XidSent) {
            if (command_at_ >= 0 && now > command_at_) round_trip(now - command_at_);
            command_at_ = -1;
            adopt_response(now, p);
            sabme_ = true;
            tries_ = 0;
            start_t401(now);
            enter(LapmState::SabmeSent, now, "XID response");
        }
        return;
    }
    case FrameType::SABME:
        if (!command || cfg_.originator || state_ == LapmState::Idle) return;
        ua_ = true;
        resp_pf_ = f.pf;
        if (state_ == LapmState::Connected) {
            // The originator did not hear our UA: number again from 0, keeping unacknowledged
            // frames (they go out again renumbered).
            const int keep = dist(va_, vtop_);
            const auto shift = static_cast<std::ptrdiff_t>(static_cast<std::size_t>(va_) * cfg_.n401);
            std::rotate(tx_slots_.begin(), tx_slots_.begin() + shift, tx_slots_.end());
            std::rotate(tx_len_.begin(), tx_len_.begin() + va_, tx_len_.end());
            link_reset();
            vtop_ = keep;
            return;
        }
        link_reset();
        stop_t401();
        tries_ = 0;
        enter(LapmState::Connected, now, "SABME");
        return;
    case FrameType::UA:
        if (command) return;
        if (state_ == LapmState::SabmeSent) {
            if (command_at_ >= 0 && now > command_at_) round_trip(now - command_at_);
            command_at_ = -1;
            link_reset();
            stop_t401();
            tries_ = 0;
            enter(LapmState::Connected, now, "UA");
        } else if (state_ == LapmState::DiscSent) {
            enter(LapmState::Disconnected, now, "UA to DISC");
        }
        return;
    case FrameType::DM:
        if (command) return;
        if (state_ == LapmState::XidSent || state_ == LapmState::SabmeSent) {
            released_by_peer_ = true;
            enter(LapmState::Failed, now, "DM: the far end refused the link");
        } else if (state_ == LapmState::Connected || state_ == LapmState::DiscSent) {
            released_by_peer_ = state_ == LapmState::Connected;
            enter(LapmState::Disconnected, now, "DM");
        }
        return;
    case FrameType::DISC:
        if (!command) return;
        ua_ = true;
        resp_pf_ = f.pf;
        if (state_ != LapmState::Disconnected && state_ != LapmState::Failed) {
            released_by_peer_ = true;
            enter(LapmState::Disconnected, now, "DISC from the far end");
        }
        return;
    case FrameType::UI:
        if (f.info.empty()) return;
        if (f.info[0] == kBrk) {
            ++stats_.breaks_received;
            brkack_ = true;
            emit(cfg_.trace, Event::make(now, EventKind::Info, kSource, "break", "BRK received"));
        }
        return;
    case FrameType::FRMR:
    case FrameType::TEST:
        return;
    case FrameType::I:
    case FrameType::RR:
    case FrameType::RNR:
    case FrameType::REJ:
    case FrameType::SREJ:
        break;
    }
    if (state_ != LapmState::Connected && state_ != LapmState::DiscSent) return;
    if (f.type == FrameType::I || (command && f.pf)) peer_active_at_ = now;
    if (command && f.pf) respond_f_ = true;
    if (!command && f.pf && recovery_) {
        // The answer to our poll: everything from its N(R) on goes again (V.42 8.3).
        recovery_ = false;
        tries_ = 0;
        apply_nr(now, f.nr);
        vs_ = va_;
        if (f.type == FrameType::RNR) peer_busy_ = true;
        else if (f.type == FrameType::RR || f.type == FrameType::REJ) peer_busy_ = false;
        if (va_ != vtop_ || peer_busy_) start_t401(now);
        else stop_t401();
        return;
    }
    switch (f.type) {
    case FrameType::I:
        apply_nr(now, f.nr);
        receive_i(f);
        return;
    case FrameType::RR:
        peer_busy_ = false;
        apply_nr(now, f.nr);
        return;
    case FrameType::RNR:
        peer_busy_ = true;
        apply_nr(now, f.nr);
        if (t401_at_ < 0) start_t401(now);
        return;
    case FrameType::REJ:
        ++stats_.rej_received;
        peer_busy_ = false;
        apply_nr(now, f.nr);
        if (!recovery_ && dist(va_, f.nr) <= dist(va_, vtop_)) {
            vs_ = f.nr;
            if (va_ != vtop_) start_t401(now);
        }
        return;
    case FrameType::SREJ:
        ++stats_.srej_received;
        apply_nr(now, f.nr);
        if (dist(va_, f.nr) < dist(va_, vtop_) && dist(va_, f.nr) < dist(va_, vs_)) {
            const auto s = static_cast<std::size_t>(f.nr);
            if (!resend_[s]) {
                resend_[s] = true;
                ++resend_count_;
            }
        }
        return;
    default:
        return;
    }
}

// ---------------------------------------------------------------- bits

std::uint8_t Lapm::next_bit(SampleTime now) noexcept {
    if (state_ != LapmState::Idle && hdlc_tx_.idle()) {
        const std::size_t n = next_frame(now, scratch_);
        if (n > 0) hdlc_tx_.load(std::span(scratch_.data(), n));
        if (fcs_switch_) {
            // The XID response has gone out with the old FCS; what follows uses the agreed one.
            fcs_switch_ = false;
            hdlc_tx_.set_fcs(agreed_.fcs);
            hdlc_rx_.set_fcs(agreed_.fcs);
        }
    }
    return hdlc_tx_.next_bit();
}

void Lapm::push_bit(SampleTime now, std::uint8_t bit) noexcept {
    const RxEvent e = hdlc_rx_.push_bit(bit);
    switch (e) {
    case RxEvent::None: return;
    case RxEvent::Frame: on_frame(now, hdlc_rx_.frame()); return;
    case RxEvent::BadFcs: {
        // Around the XID exchange the two ends may briefly disagree on the FCS size.
        const FcsSize other = hdlc_rx_.fcs() == FcsSize::Fcs16 ? FcsSize::Fcs32 : FcsSize::Fcs16;
        const auto raw = hdlc_rx_.raw();
        if (fcs_ok(raw, other)) {
            on_frame(now, raw.first(raw.size() - fcs_octets(other)));
            return;
        }
        if (state_ != LapmState::Idle) ++stats_.fcs_errors;
        return;
    }
    case RxEvent::Abort:
    case RxEvent::TooLong:
    case RxEvent::Invalid:
        if (state_ != LapmState::Idle) ++stats_.fcs_errors;
        return;
    }
}

void Lapm::pull_bits(SampleTime now, std::span<std::uint8_t> bits) noexcept {
    for (auto& b : bits) b = next_bit(now);
}

void Lapm::push_bits(SampleTime now, std::span<const std::uint8_t> bits) noexcept {
    for (const auto b : bits) push_bit(now, b);
}

// ---------------------------------------------------------------- serial side

std::size_t Lapm::write(std::span<const std::uint8_t> bytes) noexcept {
    if (state_ == LapmState::Disconnected || state_ == LapmState::Failed || state_ == LapmState::DiscSent) return 0;
    const std::size_t n = std::min(bytes.size(), tx_ring_.size() - tx_count_);
    for (std::size_t i = 0; i < n; ++i) tx_ring_[(tx_head_ + tx_count_ + i) % tx_ring_.size()] = bytes[i];
    tx_count_ += n;
    return n;
}

std::size_t Lapm::writable() const noexcept {
    if (state_ == LapmState::Disconnected || state_ == LapmState::Failed || state_ == LapmState::DiscSent) return 0;
    return tx_ring_.size() - tx_count_;
}

std::size_t Lapm::read(std::span<std::uint8_t> out) noexcept {
    const std::size_t n = std::min(out.size(), rx_count_);
    for (std::size_t i = 0; i < n; ++i) out[i] = rx_ring_[(rx_head_ + i) % rx_ring_.size()];
    rx_head_ = (rx_head_ + n) % rx_ring_.size();
    rx_count_ -= n;
    update_busy();
    return n;
}

void Lapm::send_break() noexcept {
    if (state_ != LapmState::Connected) return;
    brk_ = true;
    ++stats_.breaks_sent;
}

}  // namespace modem::v42
