// SPDX-License-Identifier: MIT
/// \file
/// Two of our Sessions (caller on SimLine side A, answerer on side B) carrying seeded bytes both
/// ways over an impaired line, with optional reader pauses, and what happened: rates, retrains,
/// endings, bytes delivered and how they compare with what was sent.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audio/sim_line.hpp"
#include "dsp/kernels/kernels.hpp"
#include "dsp/types.hpp"
#include "modem/events.hpp"
#include "modem/session/session.hpp"

namespace test {

/// A seeded byte stream, regenerated on demand so an hour of data never has to be stored.
class ByteStream {
public:
    explicit ByteStream(std::uint64_t seed) : rng_(seed) {}
    std::uint8_t next() {
        if (left_ == 0) {
            word_ = rng_();
            left_ = 8;
        }
        --left_;
        const auto b = static_cast<std::uint8_t>(word_);
        word_ >>= 8;
        return b;
    }

private:
    std::mt19937_64 rng_;
    std::uint64_t word_ = 0;
    int left_ = 0;
};

/// Bytes received compared with the stream sent: the longest exact prefix, then how many bytes
/// differ from the sender's stream at the same position (after a loss every later byte would
/// differ, so `differing` counts both corruption and loss).
struct DirectionResult {
    std::uint64_t sent = 0;          ///< bytes the sending session took
    std::uint64_t received = 0;      ///< bytes the receiving session delivered
    std::uint64_t exact_prefix = 0;  ///< received bytes equal to the sent stream from the start
    /// Received bytes unlike the sent byte at the same position (corruption; after a loss or an
    /// insertion nearly every later byte counts).
    std::uint64_t differing = 0;
    bool exact() const { return received == sent && exact_prefix == sent; }
    /// Delivered bytes are all correct (none corrupted), possibly fewer than sent.
    bool prefix_only() const { return exact_prefix == received; }
};

struct CallResult {
    int rate_caller = 0, rate_answerer = 0;  ///< CONNECT rate, 0 if none
    double connect_s = -1.0;                 ///< line time when both had connected
    modem::session::End end_caller = modem::session::End::None, end_answerer = modem::session::End::None;
    int retrains = 0;                        ///< Info "retrain" events from either pump
    double first_retrain_s = -1.0;           ///< line time of the first of them
    /// Retrains before the caller was asked to hang up (a far end whose carrier goes away at
    /// hang-up may start one on the way to CarrierLost; those are not line faults).
    int retrains_in_call = 0;
    double hangup_s = -1.0;                  ///< line time the caller was asked to hang up (-1: never)
    double end_s = 0.0;                      ///< line time when the run stopped
    DirectionResult c_to_a, a_to_c;
    std::uint64_t xruns = 0;                 ///< reads the line had to pad with silence (either side)
    std::uint64_t xrun_samples = 0;          ///< samples of silence so inserted
    std::uint64_t framing_errors = 0, parity_errors = 0;
};

struct CallSpec {
    modem::audio::SimLine::Config line{};
    std::uint64_t bytes_each_way = 600;
    double max_s = 60.0;       ///< line time limit; both hang up then
    bool v8 = true;
    std::size_t tx_queue = 4096;
    std::uint64_t data_seed = 1;
    /// After the transfer, the caller hangs up this long after the last byte arrived either way.
    double idle_hangup_s = 1.0;
    /// Called every block with (line time in samples, caller?); may return false to stop
    /// reading on that block (flow control: the reader pauses). nullptr: always read.
    std::function<bool(modem::dsp::SampleTime, bool caller)> reading = {};
    /// The same for offering bytes (the writer pauses, the session's tx queue drains).
    std::function<bool(modem::dsp::SampleTime, bool caller)> writing = {};
    /// No byte is offered from this line time on (then the call ends as after bytes_each_way).
    double offer_until_s = 1e30;
    /// Called every block with both sessions (for monitors such as the soak's).
    std::function<void(const modem::session::Session&, const modem::session::Session&)> monitor = {};
};

namespace detail {
inline modem::session::Session::Config with_trace(modem::session::Session::Config c, modem::TraceSink* t) {
    c.trace = t;
    return c;
}
struct Side {
    modem::TraceBuffer trace{1 << 12};  // before session, which records into it
    modem::session::Session session;
    modem::audio::SimEndpoint& line;
    ByteStream tx_stream, rx_expect;
    std::optional<std::uint8_t> pending;  // taken from tx_stream, not yet by the session
    DirectionResult* out_dir;             // what this side sends
    DirectionResult* in_dir;              // what this side receives
    bool prefix_intact = true;
    modem::dsp::SampleTime last_rx = 0;

    Side(const modem::session::Session::Config& cfg, modem::audio::SimEndpoint& l, std::uint64_t tx_seed,
         std::uint64_t rx_seed, DirectionResult* o, DirectionResult* i)
        : session(with_trace(cfg, &trace)), line(l), tx_stream(tx_seed), rx_expect(rx_seed), out_dir(o), in_dir(i) {}
};
}  // namespace detail

/// Runs the call; see CallSpec. Block size 160 (20 ms), as the command line uses.
inline CallResult run_call(const CallSpec& spec) {
    using modem::session::Role;
    using modem::session::Session;
    constexpr std::size_t kBlock = 160;
    CallResult r;
    modem::audio::SimLine sim(spec.line);
    auto make_cfg = [&](Role role) {
        Session::Config c;
        c.role = role;
        c.v8 = spec.v8;
        c.tx_queue = spec.tx_queue;
        return c;
    };
    const std::uint64_t seed_c = spec.data_seed * 2 + 11, seed_a = spec.data_seed * 2 + 12;
    detail::Side caller(make_cfg(Role::Caller), sim.a(), seed_c, seed_a, &r.c_to_a, &r.a_to_c);
    detail::Side answerer(make_cfg(Role::Answerer), sim.b(), seed_a, seed_c, &r.a_to_c, &r.c_to_a);

    std::array<std::int16_t, kBlock> s{};
    std::array<float, kBlock> in{}, out{};
    std::array<std::uint8_t, 1024> buf{};
    const auto limit = static_cast<modem::dsp::SampleTime>(spec.max_s * modem::dsp::kFsHz);
    auto step = [&](detail::Side& side) {
        side.line.read(s);
        modem::dsp::kernels::s16_to_f32(s, in);
        side.session.process(in, out);
        modem::dsp::kernels::f32_to_s16(out, s);
        side.line.write(s);
    };
    auto take = [&](detail::Side& side, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            const bool ok = buf[i] == side.rx_expect.next();
            side.prefix_intact = side.prefix_intact && ok;
            if (side.prefix_intact) ++side.in_dir->exact_prefix;
            if (!ok) ++side.in_dir->differing;
        }
        side.in_dir->received += n;
    };
    auto feed = [&](detail::Side& side, bool caller_side, modem::dsp::SampleTime now) {
        auto& ses = side.session;
        // Offer bytes while the session takes them (its tx queue is the back-pressure).
        const bool offering = modem::dsp::samples_to_seconds(now) < spec.offer_until_s && (!spec.writing || spec.writing(now, caller_side));
        while (offering && side.out_dir->sent < spec.bytes_each_way && ses.writable() > 0) {
            if (!side.pending) side.pending = side.tx_stream.next();
            const std::uint8_t b = *side.pending;
            if (ses.write(std::span<const std::uint8_t>(&b, 1)) == 0) break;
            side.pending.reset();
            ++side.out_dir->sent;
        }
        if (spec.reading && !spec.reading(now, caller_side)) return;
        for (std::size_t n; (n = ses.read(buf)) > 0;) {
            take(side, n);
            side.last_rx = ses.now();
        }
    };
    auto drain_events = [&](detail::Side& side) {
        for (const auto& e : side.trace.events())
            if (e.kind == modem::EventKind::Info && e.name == "retrain") {
                if (r.retrains++ == 0) r.first_retrain_s = modem::dsp::samples_to_seconds(e.at);
                if (r.hangup_s < 0) ++r.retrains_in_call;
            }
        side.trace.clear();
    };
    modem::dsp::SampleTime t = 0;
    for (; t < limit + 2 * modem::dsp::kFsHz; t += static_cast<modem::dsp::SampleTime>(kBlock)) {
        if (t >= limit) {
            caller.session.hangup();
            answerer.session.hangup();
        }
        step(caller);
        step(answerer);
        feed(caller, true, t);
        feed(answerer, false, t);
        drain_events(caller);
        drain_events(answerer);
        if (spec.monitor) spec.monitor(caller.session, answerer.session);
        const auto& cc = caller.session.connection();
        const auto& ac = answerer.session.connection();
        if (cc && ac && r.connect_s < 0) r.connect_s = modem::dsp::samples_to_seconds(t);
        // Done: everything offered both ways is on the line and the far end has been quiet a while.
        const bool offered_all = modem::dsp::samples_to_seconds(t) >= spec.offer_until_s ||
                                 (r.c_to_a.sent == spec.bytes_each_way && r.a_to_c.sent == spec.bytes_each_way);
        if (caller.session.phase() == modem::session::Phase::Data && offered_all && caller.session.tx_drained() && answerer.session.tx_drained() &&
            modem::dsp::samples_to_seconds(t - std::max({caller.last_rx, answerer.last_rx, cc->at})) >= spec.idle_hangup_s) {
            if (r.hangup_s < 0) r.hangup_s = modem::dsp::samples_to_seconds(t);
            caller.session.hangup();
        }
        if (caller.session.ended() && answerer.session.ended()) break;
    }
    // What is still held for reading is delivered (a pausing reader resumes at the end).
    auto last_read = [&](detail::Side& side) {
        for (std::size_t n; (n = side.session.read(buf)) > 0;) take(side, n);
    };
    last_read(caller);
    last_read(answerer);
    r.end_s = modem::dsp::samples_to_seconds(t);
    if (const auto& c = caller.session.connection()) r.rate_caller = c->rate_bps;
    if (const auto& c = answerer.session.connection()) r.rate_answerer = c->rate_bps;
    r.end_caller = caller.session.end();
    r.end_answerer = answerer.session.end();
    r.xruns = sim.a().stats().xruns + sim.b().stats().xruns;
    r.xrun_samples = sim.a().stats().dropped_samples + sim.b().stats().dropped_samples;
    r.framing_errors = caller.session.stats().framing_errors + answerer.session.stats().framing_errors;
    r.parity_errors = caller.session.stats().parity_errors + answerer.session.stats().parity_errors;
    return r;
}

}  // namespace test
