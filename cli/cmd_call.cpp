// SPDX-License-Identifier: MIT
/// \file
/// `squeal call` / `squeal answer` (a whole call over a sound card, a pipe or files, carrying the
/// bytes of --send/--recv or stdin/stdout) and `squeal loopback` (both ends in one process over
/// the simulated line, with a timeline and a byte-exact check).
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>
#include <vector>

#include "audio/sim_line.hpp"
#include "cli/call_args.hpp"
#include "cli/timeline.hpp"
#include "dsp/kernels/kernels.hpp"
#include "modem/session/session.hpp"

namespace squeal::cli {

namespace {

namespace ses = modem::session;
using modem::dsp::samples_to_seconds;
using modem::dsp::SampleTime;

constexpr std::size_t kBlock = 160;  // project choice: 20 ms
constexpr int kExitConnected = 0;
constexpr int kExitNoConnection = 4;
constexpr int kExitDataDiffer = 5;  // loopback: the bytes that arrived are not the bytes sent
/// Project choice: after the session ends, the line stays open this long (silence), so the far
/// end hears our last signal and a recording holds the whole call.
constexpr double kLingerS = 0.3;
/// Project choice: when the line itself ends (pipe closed, file over) the session gets this much
/// silence to notice and end by itself.
constexpr double kAfterLineEndS = 5.0;

modem::v22bis::GuardTone parse_guard(const std::string& g) {
    if (g == "none" || g == "0") return modem::v22bis::GuardTone::None;
    if (g == "550") return modem::v22bis::GuardTone::Hz550;
    if (g == "1800") return modem::v22bis::GuardTone::Hz1800;
    throw std::runtime_error("--guard: '" + g + "' is not none, 550 or 1800");
}

bool reversals(const std::string& ansam) {
    if (ansam == "reversals") return true;
    if (ansam == "plain") return false;
    throw std::runtime_error("--ansam: '" + ansam + "' is not plain or reversals");
}

ses::Ec parse_ec(const std::string& e) {
    if (e == "off") return ses::Ec::Off;
    if (e == "on") return ses::Ec::On;
    if (e == "require") return ses::Ec::Require;
    throw std::runtime_error("--ec: '" + e + "' is not off, on or require");
}

ses::Session::Config session_config(const CallArgs& a, bool caller, modem::TraceSink* trace) {
    ses::Session::Config c;
    c.role = caller ? ses::Role::Caller : ses::Role::Answerer;
    if (caller) c.number = a.number;
    else if (a.number == "any") c.answer_any = true;
    else c.answer_number = a.number;
    c.wait_dial_tone = a.wait_dialtone;
    c.ring_s = a.ring_s;
    c.exchange_tones = !a.no_exchange_tones;
    c.v8 = !a.no_v8;
    c.ansam_reversals = reversals(a.ansam);
    c.max_rate = a.rate == 1200 ? modem::v22bis::Rate::Bps1200 : modem::v22bis::Rate::Bps2400;
    c.guard = caller ? modem::v22bis::GuardTone::None : parse_guard(a.guard);
    c.level_dbm0 = a.level_dbm0;
    try {
        c.format = modem::v14::Format::parse(a.format);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("--format: ") + e.what());
    }
    c.ec = parse_ec(caller || a.answer_ec.empty() ? a.ec : a.answer_ec);
    c.trace = trace;
    return c;
}


/// A byte source for --send: a file, or stdin read without blocking.
class Source {
public:
    explicit Source(const std::string& path) {
        if (path.empty()) {
            done_ = true;
            return;
        }
        if (path == "-") {
            fd_ = STDIN_FILENO;
            return;
        }
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw std::runtime_error("--send: cannot open " + path + ": " + std::strerror(errno));
        owned_ = true;
    }
    ~Source() {
        if (owned_) ::close(fd_);
    }
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;
    /// Reads up to `room` bytes that are ready now (never waits on a terminal or pipe).
    std::vector<std::uint8_t> take(std::size_t room) {
        std::vector<std::uint8_t> out;
        if (done_ || room == 0) return out;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) return out;
        out.resize(std::min<std::size_t>(room, 4096));
        const ssize_t n = ::read(fd_, out.data(), out.size());
        if (n <= 0) {
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) return {};
            done_ = true;
            out.clear();
            return out;
        }
        out.resize(static_cast<std::size_t>(n));
        return out;
    }
    [[nodiscard]] bool done() const { return done_; }

private:
    int fd_ = -1;
    bool owned_ = false;
    bool done_ = false;
};

/// A byte sink for --recv: a file or stdout (or nowhere). A regular file that could not be
/// finished (a failed write, a full disk, or any error that ends the command) is removed, so
/// it is never taken for a complete transfer.
class Sink {
public:
    explicit Sink(const std::string& path) : unwinding_(std::uncaught_exceptions()) {
        if (path.empty()) return;
        if (path == "-") {
            fd_ = STDOUT_FILENO;
            return;
        }
        fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0) throw std::runtime_error("--recv: cannot write " + path + ": " + std::strerror(errno));
        owned_ = true;
        struct stat st{};
        if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) path_ = path;  // never unlink a device or FIFO
    }
    ~Sink() {
        if (owned_) ::close(fd_);
        if (!path_.empty() && std::uncaught_exceptions() > unwinding_) ::unlink(path_.c_str());
    }
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;
    void put(std::span<const std::uint8_t> bytes) {
        while (fd_ >= 0 && !bytes.empty()) {
            const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                throw std::runtime_error(std::string("--recv: write failed: ") + std::strerror(errno));
            }
            bytes = bytes.subspan(static_cast<std::size_t>(n));
        }
    }

private:
    int fd_ = -1;
    bool owned_ = false;
    int unwinding_;     // exceptions in flight when constructed
    std::string path_;  // a regular file of ours, removed if the command fails
};

/// End of input: hangs up once everything given to the session is on the line and the far end
/// has sent nothing for `idle_s` (counted from CONNECT at the earliest). `last_rx` is the time
/// of the last byte received. With V.42 the far end's last I frame or poll counts too (frames
/// may arrive long before a lost one lets them through), and a far end recovering a lost frame
/// may be quiet for a whole T401 (as long as ours, which follows the round trip), so the wait is
/// at least T401 + 1 s (project choice).
void hang_up_when_done(ses::Session& s, bool input_done, SampleTime& last_rx, double idle_s) {
    if (s.phase() != ses::Phase::Data) return;
    last_rx = std::max({last_rx, s.connection()->at, s.far_active_at()});
    const double t401_s = s.t401_now_s();
    const double wait_s = t401_s > 0 ? std::max(idle_s, t401_s + 1.0) : idle_s;
    if (input_done && s.tx_drained() && samples_to_seconds(s.now() - last_rx) >= wait_s) s.hangup();
}

void print_summary(std::ostream& os, const ses::Session& s, std::string_view prefix) {
    const auto& st = s.stats();
    os << prefix << "result   " << ses::result_text(s.end()) << " (" << ses::to_string(s.end()) << ")\n";
    if (const auto& c = s.connection()) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "CONNECT %d  %.*s via %.*s, %s, connected at %.3f s", c->rate_bps,
                      static_cast<int>(c->modulation.size()), c->modulation.data(),
                      static_cast<int>(c->start_up.size()), c->start_up.data(), c->format.name().c_str(),
                      samples_to_seconds(c->at));
        os << prefix << "connect  " << buf << '\n';
        if (c->protocol == "LAPM") {
            std::snprintf(buf, sizeof buf, "%s: V.42 LAPM, N401 %u, k %u, %s, FCS-%d", c->connect_text().c_str(),
                          static_cast<unsigned>(c->lapm.n401_tx), static_cast<unsigned>(c->lapm.k_tx),
                          c->lapm.srej ? "SREJ" : "REJ", c->lapm.fcs == modem::v42::FcsSize::Fcs32 ? 32 : 16);
            os << prefix << "protocol " << buf << '\n';
            std::snprintf(buf, sizeof buf, "%llu frames sent, %llu received, %llu resent, %llu FCS errors",
                          static_cast<unsigned long long>(st.frames_sent),
                          static_cast<unsigned long long>(st.frames_received),
                          static_cast<unsigned long long>(st.retransmissions),
                          static_cast<unsigned long long>(st.fcs_errors));
            os << prefix << "frames   " << buf << '\n';
        } else {
            os << prefix << "protocol " << c->connect_text() << ": none (V.14 characters)\n";
        }
        std::snprintf(buf, sizeof buf, "%llu sent, %llu received, %llu parity errors, %llu breaks",
                      static_cast<unsigned long long>(st.bytes_sent), static_cast<unsigned long long>(st.bytes_received),
                      static_cast<unsigned long long>(st.parity_errors), static_cast<unsigned long long>(st.breaks));
        os << prefix << "bytes    " << buf << '\n';
    }
    os << std::flush;
}

}  // namespace

modem::audio::SimLine::Config sim_config(const CallArgs& a, double delay_ms) {
    modem::audio::SimLine::Direction dir;
    dir.snr_db = a.snr_db;
    dir.freq_offset_hz = a.freq_offset_hz;
    dir.clock_ppm = a.ppm;
    dir.bandpass = a.bandpass || a.line_kind == "bandpass";
    dir.delay_distortion = dir.bandpass;
    dir.delay_ms = delay_ms;
    if (a.echo_db) dir.echo = modem::audio::SimLine::Echo{.gain_db = *a.echo_db, .delay_ms = 10.0};
    modem::audio::SimLine::Config lc{.a_to_b = dir, .b_to_a = dir, .seed = a.seed};
    // The far direction gets the opposite offsets, so both signs are exercised.
    lc.b_to_a.freq_offset_hz = -a.freq_offset_hz;
    lc.b_to_a.clock_ppm = -a.ppm;
    return lc;
}

int run_call(const CallArgs& a, bool caller) {
    const bool pipe = a.line.audio == "pipe";
    const std::string send = a.send.empty() ? (pipe ? "" : "-") : a.send;
    const std::string recv = a.recv.empty() ? (pipe ? "" : "-") : a.recv;
    if (pipe && (send == "-" || recv == "-"))
        throw std::runtime_error("--audio pipe uses stdin/stdout for audio: give --send/--recv files");
    auto events = open_events(a.events);
    modem::TraceBuffer trace;
    ses::Session session(session_config(a, caller, &trace));
    Source source(send);
    Sink sink(recv);
    auto line = open_line(a.line);
    std::ostream* progress = a.quiet ? nullptr : &std::cerr;
    const std::string_view side = caller ? "caller" : "answerer";

    std::array<std::int16_t, kBlock> s{};
    std::array<float, kBlock> in{}, out{};
    std::vector<std::uint8_t> pending;  // read from --send, not yet taken by the session
    std::array<std::uint8_t, 4096> rx{};
    const auto limit = a.timeout_s > 0 ? static_cast<SampleTime>(a.timeout_s * modem::dsp::kFsHz) : -1;
    SampleTime line_end_at = -1, ended_at = -1, last_rx_at = 0;
    bool stop_seen = false;
    for (;;) {
        const SampleTime now = session.now();
        if ((g_stop.load() && !stop_seen) || (limit >= 0 && now >= limit && !stop_seen)) {
            stop_seen = true;
            session.hangup();
        }
        std::size_t n = 0;
        if (line_end_at < 0) {
            n = line->read(s);
            if (n < kBlock) line_end_at = now;
        }
        modem::dsp::kernels::s16_to_f32(std::span<const std::int16_t>(s.data(), n), std::span(in.data(), n));
        std::fill(in.begin() + static_cast<std::ptrdiff_t>(n), in.end(), 0.0f);
        session.process(in, out);
        if (n > 0) {
            modem::dsp::kernels::f32_to_s16(std::span<const float>(out.data(), n), std::span(s.data(), n));
            line->write(std::span<const std::int16_t>(s.data(), n));
        }
        // Bytes in: only as many as the session takes (back-pressure: the rest waits in the source).
        if (pending.empty()) pending = source.take(session.writable());
        if (!pending.empty()) pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(session.write(pending)));
        // Bytes out.
        for (std::size_t got; (got = session.read(rx)) > 0;) {
            sink.put(std::span<const std::uint8_t>(rx.data(), got));
            last_rx_at = session.now();
        }
        drain(trace, events.get(), progress, side, false);
        hang_up_when_done(session, source.done() && pending.empty(), last_rx_at, a.idle_hangup_s);
        if (session.ended()) {
            if (ended_at < 0) ended_at = session.now();
            if (samples_to_seconds(session.now() - ended_at) >= kLingerS || line_end_at >= 0) break;
        }
        if (line_end_at >= 0 && samples_to_seconds(session.now() - line_end_at) >= kAfterLineEndS) {
            session.hangup();
            if (session.ended()) break;
        }
    }
    for (std::size_t got; (got = session.read(rx)) > 0;) sink.put(std::span<const std::uint8_t>(rx.data(), got));
    drain(trace, events.get(), progress, side, false);
    line->close();
    if (events) events->flush();
    print_summary(std::cerr, session, "");
    return session.connection() ? kExitConnected : kExitNoConnection;
}

int run_call_loopback(const CallArgs& a) {
    auto events = open_events(a.events);
    modem::TraceBuffer trace_c, trace_a;
    CallArgs ca = a;
    ses::Session caller(session_config(ca, true, &trace_c));
    ses::Session answerer(session_config(ca, false, &trace_a));

    auto load = [](const std::string& path, std::size_t bytes, std::uint64_t seed) {
        std::vector<std::uint8_t> data;
        if (!path.empty()) {
            std::ifstream f(path, std::ios::binary);
            if (!f) throw std::runtime_error("--send: cannot open " + path);
            data.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
            return data;
        }
        std::mt19937_64 rng(seed);
        data.resize(bytes);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng());
        return data;
    };
    const auto fmt = modem::v14::Format::parse(a.format);
    const std::uint8_t mask = static_cast<std::uint8_t>((1u << fmt.data_bits) - 1u);
    std::vector<std::uint8_t> data_c = load(a.send, a.bytes, a.seed * 2 + 11);
    std::vector<std::uint8_t> data_a = load(a.send_answerer, a.bytes, a.seed * 2 + 12);
    for (auto& b : data_c) b &= mask;  // 7-bit formats carry 7 bits
    for (auto& b : data_a) b &= mask;
    std::vector<std::uint8_t> got_c, got_a;  // received by the caller / by the answerer
    std::size_t sent_c = 0, sent_a = 0;

    std::unique_ptr<modem::audio::SoundFileWriter> rec;
    if (!a.record.empty()) rec = std::make_unique<modem::audio::SoundFileWriter>(a.record);

    // Default limit: the transfer at 1200 bit/s plus generous time for the call set-up.
    const double bits = static_cast<double>(std::max(data_c.size(), data_a.size())) * fmt.bits_per_char();
    const double limit_s = a.timeout_s > 0 ? a.timeout_s : 60.0 + 1.3 * bits / 1200.0;
    // The slow-clock direction needs silence queued ahead for the whole call (sim_line.hpp).
    auto lc = sim_config(a, kLoopbackDelayMs);
    const double drift_ms = std::abs(a.ppm) * 1e-6 * limit_s * 1000.0;
    lc.a_to_b.clock_cushion_ms = lc.b_to_a.clock_cushion_ms = std::max(250.0, 1.2 * drift_ms + 20.0);
    modem::audio::SimLine sim(lc);
    std::ostream& os = std::cout;
    std::array<std::int16_t, kBlock> s{}, tap_c{}, tap_a{};
    std::array<float, kBlock> in{}, out{};
    std::array<std::uint8_t, 4096> rx{};
    SampleTime last_rx_c = 0, last_rx_a = 0, cut_from = -1;
    auto step = [&](ses::Session& ses, modem::audio::SimEndpoint& side, std::array<std::int16_t, kBlock>& tap) {
        side.read(s);
        modem::dsp::kernels::s16_to_f32(s, in);
        ses.process(in, out);
        if (cut_from >= 0 && ses.now() > cut_from) std::fill(out.begin(), out.end(), 0.0f);  // carrier pulled
        modem::dsp::kernels::f32_to_s16(out, s);
        tap = s;
        side.write(s);
    };
    auto feed = [&](ses::Session& ses, const std::vector<std::uint8_t>& data, std::size_t& sent,
                    std::vector<std::uint8_t>& got, SampleTime& last_rx) {
        if (sent < data.size())
            sent += ses.write(std::span<const std::uint8_t>(data).subspan(sent));
        for (std::size_t n; (n = ses.read(rx)) > 0;) {
            got.insert(got.end(), rx.begin(), rx.begin() + static_cast<std::ptrdiff_t>(n));
            last_rx = ses.now();
        }
        hang_up_when_done(ses, sent == data.size(), last_rx, a.idle_hangup_s);
    };
    SampleTime both_ended = -1;
    while (!g_stop.load()) {
        const SampleTime now = caller.now();
        if (samples_to_seconds(now) >= limit_s) {
            caller.hangup();
            answerer.hangup();
        }
        if (a.cut_at_s && cut_from < 0 && caller.connection() && answerer.connection() &&
            samples_to_seconds(now - std::max(caller.connection()->at, answerer.connection()->at)) >= *a.cut_at_s) {
            cut_from = now;
            os << "  (carrier pulled at " << samples_to_seconds(now) << " s)\n";
        }
        step(caller, sim.a(), tap_c);
        step(answerer, sim.b(), tap_a);
        if (rec) {
            std::array<float, kBlock> mix{};
            for (std::size_t i = 0; i < kBlock; ++i)
                mix[i] = (static_cast<float>(tap_c[i]) + static_cast<float>(tap_a[i])) / 32768.0f;
            rec->write(std::span<const float>(mix));
        }
        feed(caller, data_c, sent_c, got_c, last_rx_c);
        feed(answerer, data_a, sent_a, got_a, last_rx_a);
        drain(trace_c, events.get(), &os, "caller", a.verbose);
        drain(trace_a, events.get(), &os, "answerer", a.verbose);
        if (caller.ended() && answerer.ended()) {
            if (both_ended < 0) both_ended = now;
            if (samples_to_seconds(now - both_ended) >= kLingerS) break;
        }
    }
    if (rec) rec->close();
    if (events) events->flush();
    os << '\n';
    print_summary(os, caller, "caller:   ");
    print_summary(os, answerer, "answerer: ");
    // Byte-exact: what arrived must be what was sent (a prefix of it after a pulled carrier).
    auto check = [&](const char* dir, const std::vector<std::uint8_t>& sent, const std::vector<std::uint8_t>& got) {
        const bool prefix = got.size() <= sent.size() && std::equal(got.begin(), got.end(), sent.begin());
        const bool whole = prefix && got.size() == sent.size();
        os << dir << got.size() << " of " << sent.size() << " bytes, "
           << (whole ? "byte-exact" : prefix ? "an exact prefix" : "DIFFERENT");
        if (!prefix) {
            const auto mm = std::mismatch(got.begin(), got.end(), sent.begin(), sent.end());
            os << " from byte " << (mm.first - got.begin());
        }
        os << '\n';
        return cut_from >= 0 ? prefix : whole;
    };
    const bool ok_ca = check("caller -> answerer: ", data_c, got_a);
    const bool ok_ac = check("answerer -> caller: ", data_a, got_c);
    if (!caller.connection() || !answerer.connection()) return kExitNoConnection;
    return ok_ca && ok_ac ? kExitConnected : kExitDataDiffer;
}

}  // namespace squeal::cli
