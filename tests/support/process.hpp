// SPDX-License-Identifier: MIT
/// \file
/// Runs a program (normally the built `squeal`) as a child process and captures its exit status,
/// stdout and stderr, for end-to-end tests of the command line.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace test {

struct ProcessResult {
    int exit_code = -1;   ///< exit status, or -1 if killed by a signal
    int signal = 0;       ///< the signal that ended it, 0 if it exited
    std::string out, err;
};

inline std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

using Clock = std::chrono::steady_clock;
/// Seconds elapsed since t (for tests that wait on a child with a deadline).
inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
inline void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

/// In a forked child before exec: the child is killed when the test process dies, so a test
/// killed by ctest's time-out never leaves a modem running on the sound cables for the next test.
inline void die_with_parent() { prctl(PR_SET_PDEATHSIG, SIGKILL); }

/// A child started by spawn(); finish() waits for it and collects its output.
class Child {
public:
    Child(const std::vector<std::string>& argv, const std::string& stdin_path) {
        char out_tmpl[] = "/tmp/squeal-test-out-XXXXXX";
        char err_tmpl[] = "/tmp/squeal-test-err-XXXXXX";
        out_fd_ = mkstemp(out_tmpl);
        err_fd_ = mkstemp(err_tmpl);
        out_path_ = out_tmpl;
        err_path_ = err_tmpl;
        pid_ = fork();
        if (pid_ == 0) {
            die_with_parent();
            const int in_fd = open(stdin_path.c_str(), O_RDONLY);
            dup2(in_fd, 0);
            dup2(out_fd_, 1);
            dup2(err_fd_, 2);
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            finish();
        }
    }
    /// Waits for the child to end and returns what it did.
    ProcessResult finish() {
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        close(out_fd_);
        close(err_fd_);
        ProcessResult r;
        if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
        r.out = read_all(out_path_);
        r.err = read_all(err_path_);
        std::remove(out_path_.c_str());
        std::remove(err_path_.c_str());
        return r;
    }

private:
    pid_t pid_ = -1;
    int out_fd_ = -1, err_fd_ = -1;
    std::string out_path_, err_path_;
};

/// Runs argv[0] with argv (no shell), stdin from /dev/null unless `stdin_path` is given, and waits.
inline ProcessResult run(const std::vector<std::string>& argv, const std::string& stdin_path = "/dev/null") {
    return Child(argv, stdin_path).finish();
}

/// Number of lines in s (a final line without '\n' counts).
inline std::size_t count_lines(const std::string& s) {
    std::size_t n = 0;
    for (char c : s) n += (c == '\n');
    if (!s.empty() && s.back() != '\n') ++n;
    return n;
}

}  // namespace test
