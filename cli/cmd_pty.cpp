// SPDX-License-Identifier: MIT
/// \file
/// `squeal pty`: a Hayes-style modem on a pseudo-terminal. Terminal programs (minicom, picocom,
/// screen) and pppd talk AT commands to the slave side; the AT engine (modem/at) decides, a
/// call Session (V.8, V.22bis, V.14) carries the call over the audio line.
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "cli/commands.hpp"
#include "cli/timeline.hpp"
#include "dsp/kernels/kernels.hpp"
#include "modem/at/at.hpp"
#include "modem/events.hpp"
#include "modem/session/session.hpp"

namespace squeal::cli {

namespace {

namespace at = modem::at;
namespace ses = modem::session;
using modem::Event;
using modem::EventKind;
using modem::dsp::SampleTime;

constexpr std::size_t kBlock = 160;  // project choice: 20 ms, as `squeal call`
/// Project choice: characters the session accepts ahead of the line, about 1 s at 2400 bit/s
/// 8N1. Beyond it the terminal is held back by not reading the pty; a small queue keeps a
/// graceful ATH (which sends everything accepted first) short.
constexpr std::size_t kTxQueueChars = 240;
/// Project choice: command-mode bytes read from the pty per block (a typed line fits easily).
constexpr std::size_t kCommandReadBytes = 256;
/// Project choice: bytes held for the terminal while nobody reads the pty; older ones are
/// dropped beyond this (a modem with no terminal attached).
constexpr std::size_t kMaxToDteBytes = std::size_t{1} << 20;
/// Project choice: a number-matched call that nobody answers rings this long, then the modem
/// listens again (the caller has given up by then: Hayes S7 defaults to 50 s).
constexpr double kMaxRingingS = 60.0;
/// Project choice: on SIGINT/SIGTERM or the end of the line, time allowed for a graceful hang-up.
constexpr double kStopHangupS = 5.0;

struct PtyArgs {
    LineArgs line;
    std::string number;  ///< the number this modem answers to ("" = incoming calls not detected)
    std::string events;
    std::string format = "8N1";
    std::string link;
    bool fast = false;
    bool quiet = false;
};

/// The pty pair: the master is ours (non-blocking), the slave is put in raw mode and kept open
/// so that its settings survive terminals coming and going and the master never reads EIO.
/// A pty has no DTR: hang up with ATH (or &D2-style hang-ups do not exist here).
class Pty {
public:
    explicit Pty(const std::string& link) {
        master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master_ < 0) throw std::runtime_error(std::string("pty: posix_openpt failed: ") + std::strerror(errno));
        std::array<char, 128> name{};
        if (::grantpt(master_) != 0 || ::unlockpt(master_) != 0 || ::ptsname_r(master_, name.data(), name.size()) != 0) {
            const int err = errno;
            ::close(master_);
            throw std::runtime_error(std::string("pty: cannot set up the slave: ") + std::strerror(err));
        }
        path_ = name.data();
        slave_ = ::open(path_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
        termios t{};
        if (slave_ < 0 || ::tcgetattr(slave_, &t) != 0) {
            const int err = errno;
            close_fds();
            throw std::runtime_error("pty: cannot open " + path_ + ": " + std::strerror(err));
        }
        // Raw: the terminal's bytes (parity bits, CR, ^C, ^S...) pass both ways untouched.
        ::cfmakeraw(&t);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        ::tcsetattr(slave_, TCSANOW, &t);
        ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
        // Linux pty masters have no modem-control lines: TIOCMSET/TIOCMBIS on them fail (the
        // pty driver has no tiocmset), so DCD and RI cannot be shown to the terminal; they go to
        // the --events stream instead.
        if (!link.empty()) make_link(link);
    }
    ~Pty() {
        if (!link_.empty()) {
            std::error_code ec;
            std::filesystem::remove(link_, ec);
        }
        close_fds();
    }
    Pty(const Pty&) = delete;
    Pty& operator=(const Pty&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }

    /// Reads what the terminal has written, up to out.size() bytes, without waiting.
    std::size_t read(std::span<std::uint8_t> out) {
        if (out.empty()) return 0;
        const ssize_t n = ::read(master_, out.data(), out.size());
        return n > 0 ? static_cast<std::size_t>(n) : 0;  // EAGAIN: nothing typed; EIO: no terminal
    }
    /// Writes as much of `bytes` as the pty takes now and removes it from the front.
    void write_some(std::string& bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::write(master_, bytes.data(), bytes.size());
            if (n <= 0) {
                if (n < 0 && errno == EINTR) continue;
                return;  // full (nobody reading): kept for later
            }
            bytes.erase(0, static_cast<std::size_t>(n));
        }
    }

private:
    void make_link(const std::string& link) {
        namespace fs = std::filesystem;
        std::error_code ec;
        const auto st = fs::symlink_status(link, ec);
        if (fs::exists(st) && !fs::is_symlink(st)) {
            close_fds();
            throw std::runtime_error("--link: " + link + " exists and is not a symlink");
        }
        if (fs::is_symlink(st)) fs::remove(link, ec);
        fs::create_symlink(path_, link, ec);
        if (ec) {
            close_fds();
            throw std::runtime_error("--link: cannot create " + link + ": " + ec.message());
        }
        link_ = link;
    }
    void close_fds() {
        if (slave_ >= 0) ::close(slave_);
        if (master_ >= 0) ::close(master_);
        slave_ = master_ = -1;
    }

    int master_ = -1;
    int slave_ = -1;
    std::string path_;
    std::string link_;
};

/// Forwards a session's events shifted from its own clock (0 at its start) to the line clock.
class ShiftSink final : public modem::TraceSink {
public:
    modem::TraceSink* next = nullptr;
    SampleTime offset = 0;
    void record(const Event& e) noexcept override {
        Event shifted = e;
        shifted.at += offset;
        next->record(shifted);
    }
};

bool valid_number(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D') || (c >= 'a' && c <= 'd');
    });
}

/// AT\N: 0 no error control, 3 auto, 4 LAPM required.
ses::Ec ec_of(const at::CallParams& p) {
    return p.ec_mode == 0 ? ses::Ec::Off : p.ec_mode == 4 ? ses::Ec::Require : ses::Ec::On;
}

modem::v22bis::Rate max_rate(const at::CallParams& p) {
    // AT+MS: V.22bis at 2400 only when both directions allow it; otherwise behave as V.22.
    return p.ms.allows(at::Carrier::V22B, 2400) ? modem::v22bis::Rate::Bps2400 : modem::v22bis::Rate::Bps1200;
}

/// The modem: AT engine + the current session + the pty and the line, one 20 ms block at a time.
class PtyModem {
public:
    PtyModem(const PtyArgs& a, const modem::v14::Format& format, Pty& pty, std::ofstream* events)
        : args_(a), engine_(at::Engine::Config{.format = format}), pty_(pty), events_(events) {
        shift_.next = &trace_;
        start_ = std::chrono::steady_clock::now();
    }

    int run(modem::audio::AudioLine& line) {
        const bool paced = !args_.fast && (args_.line.audio.empty() || args_.line.audio == "pipe");
        listen();
        std::array<std::int16_t, kBlock> s{};
        std::array<float, kBlock> in{}, out{};
        bool line_ended = false;
        for (;;) {
            if ((g_stop.load() || line_ended) && stop_at_ < 0) {
                stop_at_ = now_;
                hang_up();
            }
            if (stop_at_ >= 0 && (call_ == Call::None || call_ == Call::Listening ||
                                  modem::dsp::samples_to_seconds(now_ - stop_at_) >= kStopHangupS))
                break;
            // Audio: one block in, one block out.
            std::size_t n = 0;
            if (!line_ended) {
                n = line.read(s);
                line_ended = n < kBlock;
            }
            modem::dsp::kernels::s16_to_f32(std::span<const std::int16_t>(s.data(), n), std::span(in.data(), n));
            std::fill(in.begin() + static_cast<std::ptrdiff_t>(n), in.end(), 0.0f);
            if (session_) session_->process(in, out);
            else out.fill(0.0f);
            if (!line_ended) {
                modem::dsp::kernels::f32_to_s16(out, s);
                line.write(s);
            }
            now_ += static_cast<SampleTime>(kBlock);

            terminal_in();
            push_data();
            deliver_received();
            follow_session();
            drain_events();
            if (to_dte_.size() > kMaxToDteBytes) to_dte_.erase(0, to_dte_.size() - kMaxToDteBytes);
            pty_.write_some(to_dte_);
            if (paced) std::this_thread::sleep_until(start_ + std::chrono::microseconds(now_ * 1000000 / modem::dsp::kFsHz));
        }
        pty_.write_some(to_dte_);
        drain_events();
        return 0;
    }

private:
    enum class Call : std::uint8_t {
        None,       ///< on hook, not listening (no --number)
        Listening,  ///< on hook, an answerer session waits for our number
        Active,     ///< off hook: dialling, answering, connected
        HangingUp,  ///< the session sends what it accepted, then ends
    };

    [[nodiscard]] std::int64_t wall_ms() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
    }

    void note(EventKind kind, std::string_view name, std::string_view detail) {
        trace_.record(Event::make(now_, kind, "pty", name, detail));
    }

    void start(ses::Session::Config cfg, Call call) {
        cfg.trace = &shift_;
        cfg.tx_queue = kTxQueueChars;
        session_.reset();
        shift_.offset = now_;
        session_ = std::make_unique<ses::Session>(cfg);
        call_ = call;
        connected_ = false;
        dial_return_pending_ = false;
        rings_seen_ = 0;
        ringing_since_ = -1;
        pending_tx_.clear();
    }

    /// On hook: with --number, an answerer that waits for our number and rings; else nothing.
    void listen() {
        if (args_.number.empty() || stop_at_ >= 0) {
            session_.reset();
            call_ = Call::None;
            return;
        }
        ses::Session::Config c;
        c.role = ses::Role::Answerer;
        c.answer_number = args_.number;
        c.exchange_tones = true;
        c.auto_answer = false;
        const auto p = engine_.call_params();
        c.max_rate = max_rate(p);
        c.format = engine_.detected_format();
        c.ec = ec_of(p);
        start(c, Call::Listening);
    }

    void hang_up() {
        pending_tx_.clear();
        if (call_ != Call::Active) return;
        session_->hangup();
        call_ = Call::HangingUp;
        note(EventKind::Info, "hangup", "on hook");
    }

    void dial(const at::Dial& d) {
        ses::Session::Config c;
        c.role = ses::Role::Caller;
        bool wait_tone = false;
        for (const auto& step : d.steps) {
            // Pauses and flashes have no meaning on this line; pulse digits go out as DTMF.
            if (step.kind == at::DialStep::Kind::Digits) c.number += step.digits;
            if (step.kind == at::DialStep::Kind::WaitDialTone) wait_tone = true;
        }
        // A bare ATD originates on a line that is already up: no dial tone to wait for.
        c.wait_dial_tone = !c.number.empty() && (wait_tone || d.params.detect_dialtone);
        c.dial_tone_wait_s = std::max(static_cast<double>(d.params.dialtone_wait_s), c.dial_tone_min_s + 0.5);
        const auto dtmf_ms = static_cast<double>(d.params.dtmf_ms);
        c.dtmf = modem::tones::DtmfConfig{.on_ms = dtmf_ms, .off_ms = dtmf_ms};
        c.answer_wait_s = std::max(1.0, static_cast<double>(d.params.carrier_wait_s));
        c.max_rate = max_rate(d.params);
        c.format = d.params.format;
        c.ec = ec_of(d.params);
        start(c, Call::Active);
        dial_return_pending_ = d.return_to_command;
        note(EventKind::Info, "dial", "ATD");
    }

    void answer(const at::Answer& a) {
        if (call_ == Call::Listening && session_->phase() == ses::Phase::Ringing) {
            session_->answer();
            call_ = Call::Active;
        } else {
            ses::Session::Config c;
            c.role = ses::Role::Answerer;
            c.answer_number = "";
            c.max_rate = max_rate(a.params);
            c.format = a.params.format;
            c.ec = ec_of(a.params);
            start(c, Call::Active);
        }
        note(EventKind::Info, "answer", "off hook");
    }

    /// Moves the engine's output to the terminal queue and carries out its actions, in order.
    void engine_out() {
        to_dte_ += engine_.take_output();
        for (const auto& action : engine_.take_actions()) {
            std::visit(
                [this](const auto& act) {
                    using T = std::decay_t<decltype(act)>;
                    if constexpr (std::is_same_v<T, at::Dial>) dial(act);
                    else if constexpr (std::is_same_v<T, at::Answer>) answer(act);
                    else if constexpr (std::is_same_v<T, at::Hangup> || std::is_same_v<T, at::Reset>) hang_up();
                    // GoOnline / CommandMode: data is gated on engine_.mode() below.
                },
                action);
        }
    }

    /// Terminal bytes -> engine. Read only what can be taken: in data mode as much as the
    /// session accepts, and nothing while earlier data still waits (back-pressure: the terminal
    /// is held in the pty, never dropped). Note the guard times of "+++" are measured when the
    /// bytes are read here, which is late by whatever the pty buffer still held.
    void terminal_in() {
        std::size_t room = kCommandReadBytes;
        if (!pending_tx_.empty()) room = 0;
        else if (engine_.mode() == at::Engine::Mode::Online) room = session_ ? session_->writable() : 0;
        std::array<std::uint8_t, kCommandReadBytes> buf{};
        const std::size_t n = pty_.read(std::span(buf.data(), std::min(room, buf.size())));
        if (n > 0) engine_.feed(std::span<const std::uint8_t>(buf.data(), n), wall_ms());
        else engine_.tick(wall_ms());
        engine_out();
    }

    void push_data() {
        auto d = engine_.take_data();
        pending_tx_.insert(pending_tx_.end(), d.begin(), d.end());
        if (pending_tx_.empty()) return;
        if (call_ != Call::Active) {
            pending_tx_.clear();  // no connection to carry it
            return;
        }
        const std::size_t taken = session_->write(pending_tx_);
        pending_tx_.erase(pending_tx_.begin(), pending_tx_.begin() + static_cast<std::ptrdiff_t>(taken));
    }

    /// Received characters go to the terminal in data mode only; in online command mode they
    /// wait in the session until ATO.
    void deliver_received() {
        if (call_ != Call::Active || engine_.mode() != at::Engine::Mode::Online) return;
        const auto& format = session_->config().format;
        std::array<std::uint8_t, 512> rx{};
        for (std::size_t got; (got = session_->read(rx)) > 0;)
            for (std::size_t i = 0; i < got; ++i) to_dte_ += static_cast<char>(at::dte_byte(format, rx[i]));
    }

    /// Session progress -> engine results.
    void follow_session() {
        if (!session_) return;
        ses::Session& s = *session_;
        switch (call_) {
        case Call::None: return;
        case Call::Listening:
            // The format the listener will answer with follows the terminal's last "AT".
            if (s.phase() == ses::Phase::WaitCall && s.digits().empty() && s.config().format != engine_.detected_format()) {
                listen();
                return;
            }
            while (rings_seen_ < s.rings()) {
                ++rings_seen_;
                if (ringing_since_ < 0) ringing_since_ = now_;
                note(EventKind::Info, "RI", "ring");
                engine_.on_ring();
                engine_out();  // S0 reached: Answer
                if (call_ != Call::Listening) return;
            }
            if (ringing_since_ >= 0 && modem::dsp::samples_to_seconds(now_ - ringing_since_) >= kMaxRingingS) {
                note(EventKind::Info, "RI", "not answered; listening again");
                listen();
            }
            return;
        case Call::Active:
            if (dial_return_pending_ && s.phase() != ses::Phase::WaitDialTone && s.phase() != ses::Phase::Dialling) {
                dial_return_pending_ = false;
                engine_.on_dial_complete();
                engine_out();
            }
            if (s.connection() && !connected_) {
                connected_ = true;
                note(EventKind::CarrierOn, "DCD", "carrier up");
                engine_.on_connect(s.connection()->rate_bps, s.connection()->format, s.connection()->protocol == "LAPM");
                engine_out();
            }
            if (!s.ended()) return;
            deliver_received();  // every received byte reaches the terminal before NO CARRIER
            if (connected_) note(EventKind::CarrierOff, "DCD", "carrier down");
            switch (s.end()) {
            case ses::End::Busy: engine_.on_busy(); break;
            case ses::End::NoDialtone: engine_.on_no_dialtone(); break;
            case ses::End::NoAnswer: engine_.on_no_answer(); break;
            case ses::End::None:
            case ses::End::LocalHangup:
            case ses::End::CarrierLost:
            case ses::End::NoCarrier: engine_.on_no_carrier(); break;
            }
            engine_out();
            listen();
            return;
        case Call::HangingUp:
            if (!s.ended()) return;
            if (connected_) note(EventKind::CarrierOff, "DCD", "carrier down");
            listen();
            return;
        }
    }

    void drain_events() { drain(trace_, events_, args_.quiet ? nullptr : &std::cerr, "pty", false); }

    const PtyArgs& args_;
    at::Engine engine_;
    Pty& pty_;
    std::ofstream* events_;
    modem::TraceBuffer trace_;
    ShiftSink shift_;
    std::unique_ptr<ses::Session> session_;
    Call call_ = Call::None;
    bool connected_ = false;            // the current session reached CONNECT
    bool dial_return_pending_ = false;  // ATD...; : tell the engine once dialled
    int rings_seen_ = 0;
    SampleTime ringing_since_ = -1;
    SampleTime now_ = 0;                // line clock
    SampleTime stop_at_ = -1;           // stop asked (signal or end of line)
    std::vector<std::uint8_t> pending_tx_;  // data from the terminal the session has not taken yet
    std::string to_dte_;                    // bytes for the terminal the pty has not taken yet
    std::chrono::steady_clock::time_point start_;
};

int run_pty(const PtyArgs& a) {
    if (!valid_number(a.number))
        throw std::runtime_error("--number: '" + a.number + "' holds a character that is not a DTMF digit (0-9 * # A-D)");
    modem::v14::Format format;
    try {
        format = modem::v14::Format::parse(a.format);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("--format: ") + e.what());
    }
    const bool device = !a.line.audio.empty() && a.line.audio != "pipe";
    if (a.fast && device) throw std::runtime_error("--fast applies to --audio pipe or files, not to a sound device");
    auto events = open_events(a.events);
    auto line = open_line(a.line);
    Pty pty(a.link);
    // With --audio pipe, stdout carries the audio: the slave's name goes to stderr.
    std::ostream& os = a.line.audio == "pipe" ? std::cerr : std::cout;
    os << "squeal pty: " << pty.path() << std::endl;
    PtyModem modem(a, format, pty, events.get());
    const int rc = modem.run(*line);
    line->close();
    if (events) events->flush();
    return rc;
}

}  // namespace

void add_pty(CLI::App& app, Action& action) {
    auto args = std::make_shared<PtyArgs>();
    auto* cmd = app.add_subcommand("pty",
                                   "a Hayes-style modem on a pseudo-terminal for terminal programs and pppd "
                                   "(AT commands; prints the slave path)");
    add_line_options(*cmd, args->line, true, true);
    cmd->add_option("--number", args->number,
                    "the number this modem answers to: incoming calls to it ring (RING, S0 auto-answer, ATA); "
                    "default: incoming calls are not detected and ATA answers at once");
    cmd->add_option("--format", args->format,
                    "character format before the terminal's first AT (then detected from it): 8N1, 7E1, 7O1, ...")
        ->capture_default_str();
    cmd->add_option("--link", args->link, "also make this symlink to the slave (removed at exit)");
    cmd->add_option("--events", args->events, "write every event (carrier up/down, rings too) as JSON lines to FILE");
    cmd->add_flag("--fast", args->fast, "pipe or file line: run as fast as the CPU allows, not in real time");
    cmd->add_flag("--quiet,-q", args->quiet, "print no progress lines on stderr");
    cmd->footer("Exit: SIGINT/SIGTERM hang up (gracefully, up to 5 s) and exit 0; so does the end of a pipe or file line.");
    cmd->callback([&action, args] { action = [args] { return run_pty(*args); }; });
}

}  // namespace squeal::cli
