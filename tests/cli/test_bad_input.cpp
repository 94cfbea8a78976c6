// SPDX-License-Identifier: MIT
/// \file
/// End-to-end: bad input to `squeal` gives one clear line on stderr and a non-zero exit, never a
/// crash (issue #2 acceptance).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "support/process.hpp"

namespace fs = std::filesystem;

namespace {
const std::string kSqueal = SQUEAL_BINARY;

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / "squeal-bad-input";
    fs::create_directories(dir);
    return dir / name;
}

void check_one_line_error(const test::ProcessResult& r) {
    CAPTURE(r.err);
    CHECK(r.signal == 0);         // no crash, no abort
    CHECK(r.exit_code > 0);
    CHECK(r.exit_code != 127);    // the binary ran
    CHECK(test::count_lines(r.err) == 1);
    CHECK(r.err.rfind("squeal: ", 0) == 0);
    CHECK(r.out.empty());         // nothing half-printed before the error
}
}  // namespace

TEST_CASE("cli: a missing input file is one line and a non-zero exit") {
    check_one_line_error(test::run({kSqueal, "listen", scratch("does-not-exist.wav").string()}));
}

TEST_CASE("cli: a text file given as audio is one line and a non-zero exit") {
    const auto p = scratch("notes.wav");
    std::ofstream(p) << "this is not audio, just some text\nsecond line\n";
    check_one_line_error(test::run({kSqueal, "listen", p.string()}));
}

TEST_CASE("cli: a 0-byte WAV is one line and a non-zero exit") {
    const auto p = scratch("empty.wav");
    std::ofstream(p).close();
    check_one_line_error(test::run({kSqueal, "listen", p.string()}));
}

TEST_CASE("cli: an unwritable output path is one line and a non-zero exit") {
    check_one_line_error(test::run({kSqueal, "tone", "ans", "--seconds", "1", "--out", "/nonexistent-dir/x/a.wav"}));
}

TEST_CASE("cli: an unknown device name is one line and a non-zero exit") {
    check_one_line_error(test::run({kSqueal, "tone", "ans", "--seconds", "1", "--audio", "no_such_device_xyz"}));
}

TEST_CASE("cli: an unknown option is one line and a non-zero exit") {
    check_one_line_error(test::run({kSqueal, "tone", "ans", "--frobnicate"}));
    check_one_line_error(test::run({kSqueal, "--frobnicate"}));
    check_one_line_error(test::run({kSqueal, "no-such-command"}));
}

TEST_CASE("cli: an unknown tone name and bad DTMF digits are rejected") {
    check_one_line_error(test::run({kSqueal, "tone", "bogus", "--out", scratch("x.wav").string()}));
    check_one_line_error(test::run({kSqueal, "tone", "dtmf", "12X4", "--out", scratch("y.wav").string()}));
}
