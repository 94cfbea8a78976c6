// SPDX-License-Identifier: MIT
/// \file
/// Tests of the "+++" escape in online data mode: guard time before, between and after the
/// escape characters (Hayes S2, S12), data pass-through and return to data mode with ATO.
#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "harness.hpp"

using namespace modem::at;
using test::at::Harness;
using test::at::v1;
using Mode = Engine::Mode;

namespace {
/// Connected at t = 0 with factory guard time (S12 = 50: 1000 ms), echo off.
Harness online() {
    Harness h;
    h.quiet_echo();
    CHECK(h.connect(2400) == v1("CONNECT 2400"));
    return h;
}
}  // namespace

TEST_CASE("Escape: guard, +++, guard gives OK and command mode, and the + are not data") {
    Harness h = online();
    h.type_at("hello", 100);
    CHECK(h.type_at("+", 1100).empty());  // exactly one guard time after "hello"
    CHECK(h.type_at("+", 1300).empty());
    CHECK(h.type_at("+", 1500).empty());
    CHECK(h.e.next_deadline_ms() == 2500);
    CHECK(h.tick(2499).empty());
    CHECK(h.e.mode() == Mode::Online);
    CHECK(h.tick(2500) == v1("OK"));
    CHECK(h.e.mode() == Mode::OnlineCommand);
    CHECK(h.data() == "hello");
    const auto acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    CHECK(std::holds_alternative<CommandMode>(acts[0]));
    CHECK(h.type("ATS7?\r") == v1("050") + v1("OK"));  // commands work, the call is held
    CHECK(h.type("ATO\r") == v1("CONNECT 2400"));
    CHECK(std::holds_alternative<GoOnline>(h.e.take_actions().at(0)));
    CHECK(h.e.mode() == Mode::Online);
    CHECK(h.type("more").empty());
    CHECK(h.data() == "more");
    h.type_at("+++", 5000);  // again, typed fast: gaps of 0 ms are fine
    CHECK(h.tick(6000) == v1("OK"));
    CHECK(h.type("ATH\r") == v1("OK"));
    CHECK(std::holds_alternative<Hangup>(h.e.take_actions().at(1)));
    CHECK(h.e.mode() == Mode::Command);
}

TEST_CASE("Escape: too little silence before +++ makes it data") {
    Harness h = online();
    h.type_at("x", 1000);
    h.type_at("+++", 1999);  // 999 ms after data
    h.tick(10000);
    CHECK(h.e.mode() == Mode::Online);
    CHECK(h.data() == "x+++");
    CHECK(h.e.take_output().empty());
}

TEST_CASE("Escape: + characters too far apart are data") {
    Harness h = online();
    h.type_at("+", 2000);
    h.type_at("+", 2900);
    CHECK(h.data().empty());  // held while the escape may still happen
    h.type_at("+", 3900);     // 1000 ms after the second: too late, and starts a new attempt
    CHECK(h.data() == "++");
    CHECK(h.tick(4900).empty());  // the lone '+' was data after all
    CHECK(h.data() == "+");
    CHECK(h.e.mode() == Mode::Online);
    CHECK_FALSE(h.e.next_deadline_ms().has_value());
    // A late first '+' followed by a proper +++ : one '+' of data, then the escape.
    h.type_at("+", 6000);
    h.type_at("+", 7100);
    h.type_at("+", 7200);
    h.type_at("+", 7300);
    CHECK(h.tick(8300) == v1("OK"));
    CHECK(h.data() == "+");
}

TEST_CASE("Escape: data inside the trailing guard time cancels it") {
    Harness h = online();
    h.type_at("+++", 2000);
    h.type_at("y", 2999);
    CHECK(h.data() == "+++y");
    CHECK(h.tick(10000).empty());
    CHECK(h.e.mode() == Mode::Online);
}

TEST_CASE("Escape: mixed data and + in one burst is all data, in order") {
    Harness h = online();
    h.type_at("ab+++cd", 2000);
    h.type_at("++", 2001);
    h.type_at("e+", 2002);
    h.tick(10000);
    CHECK(h.data() == "ab+++cd++e+");
    CHECK(h.e.mode() == Mode::Online);
}

TEST_CASE("Escape: S2 and S12 change the character and the guard time, S2 > 127 disables it") {
    Harness h;
    h.quiet_echo();
    CHECK(h.type("ATS2=33S12=10\r") == v1("OK"));  // '!' and 200 ms
    h.connect();
    h.type_at("+++", 300);
    h.type_at("!!!", 600);
    CHECK(h.tick(799).empty());
    CHECK(h.tick(800) == v1("OK"));
    CHECK(h.data() == "+++");
    CHECK(h.type("ATS2=200O\r") == v1("CONNECT 2400"));
    h.type_at("!!!", 5000);
    h.type_at("\xC8\xC8\xC8", 6000);  // 200 itself is not an escape either
    h.tick(20000);
    CHECK(h.e.mode() == Mode::Online);
    CHECK(h.data() == "!!!\xC8\xC8\xC8");
}

TEST_CASE("Escape: S12 = 0 needs no guard time") {
    Harness h;
    h.quiet_echo();
    h.type("ATS12=0\r");
    h.connect();
    CHECK(h.type_at("ab+++", 10) == v1("OK"));
    CHECK(h.e.mode() == Mode::OnlineCommand);
    CHECK(h.data() == "ab");
}

TEST_CASE("Escape: the escape character is compared on the data bits of the line format") {
    Harness h;
    h.quiet_echo();
    h.type("ATD1\r");
    (void)h.e.take_actions();
    h.e.on_connect(2400, modem::v14::Format::parse("7O1"));
    (void)h.e.take_output();
    h.type_at("\xAB\xAB\xAB", 3000);  // '+' with odd parity in bit 7
    CHECK(h.tick(4000) == v1("OK"));
    CHECK(h.data().empty());
    Harness g = online();  // 8N1: 0xAB is not '+'
    g.type_at("\xAB\xAB\xAB", 3000);
    CHECK(g.tick(4000).empty());
    CHECK(g.data() == "\xAB\xAB\xAB");
}

TEST_CASE("Escape: carrier loss while + are held drops them and reports NO CARRIER") {
    Harness h = online();
    h.type_at("++", 3000);
    h.e.on_no_carrier();
    CHECK(h.e.take_output() == v1("NO CARRIER"));
    CHECK(h.data().empty());
    CHECK(h.e.mode() == Mode::Command);
    CHECK(h.type("AT\r") == v1("OK"));
}
