// SPDX-License-Identifier: MIT
/// \file
/// `squeal demo --via-cables`: the two ends of the call as two squeal processes on the virtual
/// sound cables, tapped and followed by this process for the live view and the recording.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <cstring>
#include <stdexcept>
#include <tuple>

#include "cli/demo.hpp"
#include "dsp/fft.hpp"

extern char** environ;

namespace squeal::cli {

namespace {

namespace fs = std::filesystem;
using modem::dsp::samples_to_seconds;

constexpr std::size_t kBlock = 160;  // project choice: 20 ms
constexpr int kRenderEvery = 3;      // project choice: 60 ms
/// Project choice: the answerer gets this head start to open its device and send dial tone.
constexpr double kAnswererHeadStartS = 1.0;
/// Project choice: after both ends have exited, the taps record this much more line.
constexpr double kLingerS = 0.3;
/// Project choice: each end hangs up this long after the far end went quiet (the two ends connect
/// up to about a second apart over the cables, and the far text is held 0.5 s before delivery).
constexpr const char* kIdleHangupS = "3";
constexpr int kExitExpected = 0;
constexpr int kExitNoConnection = 4;
constexpr int kExitTextDiffers = 5;

/// A child squeal process; killed (SIGTERM: it hangs up and exits) if still running at the end.
class Child {
public:
    Child(const std::vector<std::string>& argv, const std::string& log) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const int err = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        if (err != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(err));
    }
    ~Child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    /// True once the child has exited (its exit code in code()).
    bool exited() {
        if (pid_ <= 0) return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        pid_ = -1;
        return true;
    }
    void stop() {
        if (pid_ > 0) ::kill(pid_, SIGTERM);
    }
    [[nodiscard]] int code() const { return code_; }

private:
    pid_t pid_ = -1;
    int code_ = -1;
};

/// Follows a file another process is writing: complete lines, or new bytes.
class Tail {
public:
    explicit Tail(std::string path) : path_(std::move(path)) {}
    /// Bytes appended since the last call.
    std::string bytes() {
        if (!f_.is_open()) {
            f_.open(path_, std::ios::binary);
            if (!f_.is_open()) return {};
        }
        f_.clear();
        std::string out;
        std::array<char, 4096> buf{};
        while (f_.read(buf.data(), buf.size()) || f_.gcount() > 0) {
            out.append(buf.data(), static_cast<std::size_t>(f_.gcount()));
            if (f_.eof()) break;
        }
        f_.clear();
        return out;
    }
    /// Complete lines appended since the last call.
    std::vector<std::string> lines() {
        partial_ += bytes();
        std::vector<std::string> out;
        for (std::size_t nl; (nl = partial_.find('\n')) != std::string::npos;) {
            out.push_back(partial_.substr(0, nl));
            partial_.erase(0, nl + 1);
        }
        return out;
    }

private:
    std::string path_;
    std::ifstream f_;
    std::string partial_;
};

/// modem::Event from one progress line of `squeal call|answer` on stderr (timeline.hpp:
/// "   4.352 s  answerer  v22bis.answer   state SendUsb1 [text] key=value ... (detail)"), which,
/// unlike the buffered --events file, arrives as it happens. Strings live in `arena` (events hold
/// views, as they do on the modem side with static strings); times shifted by `offset`. Other
/// lines (the final summary) give nothing.
std::optional<modem::Event> parse_progress(const std::string& line, SampleTime offset, std::deque<std::string>& arena) {
    static const std::regex kHead(R"(^\s*([0-9]+\.[0-9]+) s  (\S+)\s+(\S+)\s+(\S+)(.*)$)");
    static const std::regex kField(R"( ([a-z_]+)=)");
    std::smatch m;
    if (!std::regex_match(line, m, kHead)) return std::nullopt;
    modem::Event e;
    bool known = false;
    for (int k = 0; k <= static_cast<int>(modem::EventKind::Info); ++k) {
        if (modem::to_string(static_cast<modem::EventKind>(k)) == m[4].str()) {
            e.kind = static_cast<modem::EventKind>(k);
            known = true;
        }
    }
    if (!known) return std::nullopt;
    auto keep = [&](std::string v) -> std::string_view { return arena.emplace_back(std::move(v)); };
    e.at = static_cast<SampleTime>(std::llround(std::stod(m[1].str()) * modem::dsp::kFsHz)) + offset;
    e.source = keep(m[3].str());
    std::string rest = m[5].str();
    // " (detail)" at the end, then " [text]", then " key=value" fields; what is left is the name.
    if (!rest.empty() && rest.back() == ')') {
        if (const auto open = rest.rfind(" ("); open != std::string::npos) {
            e.detail = keep(rest.substr(open + 2, rest.size() - open - 3));
            rest.erase(open);
        }
    }
    if (const auto open = rest.find(" ["); open != std::string::npos) {
        const auto close = rest.find(']', open);
        if (close != std::string::npos) {
            e.text = modem::ShortText(std::string_view(rest).substr(open + 2, close - open - 2));
            rest.erase(open, close - open + 1);
        }
    }
    std::vector<std::pair<std::size_t, std::smatch>> fields;
    for (auto it = std::sregex_iterator(rest.begin(), rest.end(), kField); it != std::sregex_iterator(); ++it)
        fields.emplace_back(static_cast<std::size_t>(it->position(0)), *it);
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::size_t value_at = fields[i].first + static_cast<std::size_t>(fields[i].second.length(0));
        const std::size_t value_end = i + 1 < fields.size() ? fields[i + 1].first : rest.size();
        e.with(keep(fields[i].second[1].str()), keep(rest.substr(value_at, value_end - value_at)));
    }
    const std::size_t name_end = fields.empty() ? rest.size() : fields.front().first;
    e.name = keep(rest.substr(0, name_end).erase(0, rest.starts_with(" ") ? 1 : 0));
    return e;
}

/// One cable end opened as a tap: what is played into that cable, read back from its monitor.
std::unique_ptr<modem::audio::AudioLine> open_tap(const std::string& name) {
    modem::audio::LineOptions o;
    o.backend = name;
    o.latency_s = 0.1;
    // Project choice: a loaded machine can starve the sound server for seconds; the two ends
    // cope (their calls have their own timeouts), so the taps should not give up first.
    o.device_timeout_s = 10.0;
    return modem::audio::open_line(o);
}

}  // namespace

std::string self_path() {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw std::runtime_error("cannot find the squeal executable (/proc/self/exe)");
    return std::string(buf, static_cast<std::size_t>(n));
}

int run_over_cables(const CablesDemo& cfg, LiveView& view, LineOutput& output) {
    const std::string p = cfg.prefix;
    // The cables must be there (the taps are the loops of the same two cables).
    bool have[4] = {};
    const std::string need[4] = {p + "modem_a", p + "modem_b", p + "line_a", p + "line_b"};
    for (const auto& d : modem::audio::list_devices())
        for (int i = 0; i < 4; ++i) have[i] = have[i] || d.name == need[i];
    for (int i = 0; i < 4; ++i)
        if (!have[i])
            throw std::runtime_error("--via-cables: no sound device " + need[i] +
                                     " (start the virtual cables: scripts/virtual-audio.sh start)");

    char tmpl[] = "/tmp/squeal-demo-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("cannot make a temporary folder in /tmp");
    const fs::path dir = tmpl;
    struct Cleanup {
        fs::path d;
        ~Cleanup() {
            std::error_code ec;
            fs::remove_all(d, ec);
        }
    } cleanup{dir};
    const std::string text_c = "Hello from the calling modem, who dialled " + cfg.number + ".\n";
    const std::string text_a = "Hello from the answering modem: this text crossed a sound cable as a squeal.\n";
    std::ofstream(dir / "call.txt") << text_c;
    std::ofstream(dir / "answer.txt") << text_a;
    const std::string timeout = std::to_string(static_cast<int>(cfg.timeout_s));

    auto tap_c = open_tap(p + "line_a");  // modem_a (the caller) plays into line_a
    auto tap_a = open_tap(p + "line_b");
    std::deque<std::string> arena;
    // Their progress lines (stderr, unbuffered) go to the logs: the view follows those.
    Tail ev_c((dir / "call.log").string()), ev_a((dir / "answer.log").string());
    Tail got_c((dir / "call_got.txt").string()), got_a((dir / "answer_got.txt").string());
    std::string recv_c, recv_a;

    auto answerer = std::make_unique<Child>(
        std::vector<std::string>{cfg.squeal, "answer", "--number", cfg.number, "--audio", p + "modem_b", "--latency",
                                 "0.1", "--send", (dir / "answer.txt").string(), "--recv",
                                 (dir / "answer_got.txt").string(),
                                 "--timeout", timeout, "--idle-hangup", kIdleHangupS},
        (dir / "answer.log").string());
    std::unique_ptr<Child> caller;
    SampleTime caller_at = -1, ended_at = -1;

    modem::dsp::Spectrogram spec({.n = 256, .hop = 128});
    std::array<std::int16_t, kBlock> a{}, b{}, mix{};
    const std::array<std::int16_t, kBlock> silence{};
    std::array<float, kBlock> f{};
    SampleTime now = 0;
    for (int block = 0;; ++block) {
        if (g_stop.load()) {
            answerer->stop();
            if (caller) caller->stop();
        }
        if (caller == nullptr && samples_to_seconds(now) >= kAnswererHeadStartS) {
            caller_at = now;
            caller = std::make_unique<Child>(
                std::vector<std::string>{cfg.squeal, "call", cfg.number, "--wait-dialtone", "--audio", p + "modem_a",
                                         "--latency", "0.1", "--send", (dir / "call.txt").string(), "--recv",
                                         (dir / "call_got.txt").string(),
                                         "--timeout", timeout, "--idle-hangup", kIdleHangupS},
                (dir / "call.log").string());
        }
        // The line: both cables read back and summed.
        tap_c->read(a);
        tap_a->read(b);
        tap_c->write(silence);
        tap_a->write(silence);
        for (std::size_t i = 0; i < kBlock; ++i) {
            const int v = a[i] + b[i];
            mix[i] = static_cast<std::int16_t>(std::clamp(v, -32768, 32767));
            f[i] = static_cast<float>(mix[i]) / 32768.0f;
        }
        spec.process(f, [&](const modem::dsp::SpectrogramColumn& col) { view.spectrum(col.db); });
        output.write(mix);
        now += static_cast<SampleTime>(kBlock);
        // What the two processes report, on this process's clock.
        for (const auto& l : ev_a.lines())
            if (auto e = parse_progress(l, 0, arena)) view_session_event(view, Side::Answerer, *e);
        if (caller)
            for (const auto& l : ev_c.lines())
                if (auto e = parse_progress(l, caller_at, arena)) view_session_event(view, Side::Caller, *e);
        if (const auto t = got_a.bytes(); !t.empty()) {
            recv_a += t;
            view.text(Side::Caller, t);
        }
        if (const auto t = got_c.bytes(); !t.empty()) {
            recv_c += t;
            view.text(Side::Answerer, t);
        }
        const bool a_done = answerer->exited();
        const bool c_done = caller != nullptr && caller->exited();
        if (a_done && c_done) {
            if (ended_at < 0) ended_at = now;
            if (samples_to_seconds(now - ended_at) >= kLingerS) break;
        }
        if (block % kRenderEvery == 0) view.render(now);
    }
    tap_c->close();
    tap_a->close();
    output.close();

    // An end that failed says why in the last line of its log.
    auto last_line = [&](const char* log) {
        std::ifstream in(dir / log);
        std::string line, last;
        while (std::getline(in, line))
            if (!line.empty()) last = line;
        return last;
    };
    for (const auto& [child, log, who] : {std::tuple{caller.get(), "call.log", "caller"},
                                          std::tuple{answerer.get(), "answer.log", "answerer"}})
        if (child != nullptr && child->code() != 0 && child->code() != kExitNoConnection)
            view.note(now, std::string(who) + " exit " + std::to_string(child->code()) + ": " + last_line(log));
    int code = kExitExpected;
    std::string verdict;
    if (answerer->code() != 0 || caller == nullptr || caller->code() != 0) {
        code = kExitNoConnection;
        verdict = "no connection (caller exit " + std::to_string(caller ? caller->code() : -1) + ", answerer exit " +
                  std::to_string(answerer->code()) + ")";
    } else if (recv_a != text_c || recv_c != text_a) {
        code = kExitTextDiffers;
        verdict = "connected, texts DIFFERENT";
    } else {
        verdict = "connected, texts byte-exact both ways";
    }
    view.result("result    " + verdict + (code == kExitExpected ? " (as expected)" : ""));
    view.finish(now);
    return code;
}

}  // namespace squeal::cli
