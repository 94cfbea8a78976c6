// SPDX-License-Identifier: MIT
/// \file
/// Tests of AT command execution: line editing, echo, each command, S-registers, +MS, dialling,
/// answering, rings and session results.
#include <doctest/doctest.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <variant>

#include "harness.hpp"

using namespace modem::at;
using test::at::Harness;
using test::at::v1;
using Mode = Engine::Mode;

TEST_CASE("AT engine: echo, OK, case-insensitive, several commands per line") {
    Harness h;
    CHECK(h.type("AT\r") == "AT\r" + v1("OK"));
    CHECK(h.type("noise ATE0V1X4\r") == "noise ATE0V1X4\r" + v1("OK"));  // echo is E1 while typing
    CHECK(h.type("AT\r") == v1("OK"));
    CHECK(h.type("ate1v0x3\r") == "0\r");  // typed with E0: no echo of this line
    CHECK(h.e.settings().echo);
    CHECK_FALSE(h.e.settings().verbose);
    CHECK(h.e.settings().x_level == 3);
    CHECK(h.type("aT E 0 v 1\r") == "aT E 0 v 1\r" + v1("OK"));  // spaces are ignored
    CHECK(h.type("At\r") == v1("OK"));
    CHECK(h.type("AT\r\n") == v1("OK"));  // LF after CR is ignored
}

TEST_CASE("AT engine: backspace edits the line, A/ repeats it") {
    Harness h;
    h.quiet_echo();
    CHECK(h.type("ATX3\b2\r") == v1("OK"));
    CHECK(h.e.settings().x_level == 2);
    CHECK(h.type("ATS7=4\b\b\b\b\b\bATS7=45\r") == v1("OK"));  // rubbed out past "AT": typed again
    CHECK(h.e.sreg(7) == 45);
    CHECK(h.type("ATS7?\r") == v1("045") + v1("OK"));
    CHECK(h.type("A/") == v1("045") + v1("OK"));
    CHECK(h.type("ATS5=127\r") == v1("OK"));  // DEL as backspace
    CHECK(h.type("ATX1\x7f" "4\r") == v1("OK"));
    CHECK(h.e.settings().x_level == 4);
    CHECK(h.type("xyz\r") == "");  // no AT: nothing happens
}

TEST_CASE("AT engine: bad commands give ERROR and stop the line") {
    Harness h;
    h.quiet_echo();
    for (const char* bad : {"ATJ\r", "ATE2\r", "ATV9\r", "ATQ2\r", "ATX5\r", "ATI5\r", "AT&Q\r", "AT&\r", "AT&C2\r",
                            "AT&D4\r", "AT&F1\r", "ATH1\r", "ATZ2\r", "ATO\r", "AT+XYZ\r", "AT+MS\r", "ATS9?\r",
                            "ATS13=1\r", "ATS99999999999=1\r", "ATD12@3\r", "ATDL\r", "ATD1;2\r", "AT\x01\x02!\r"}) {
        CAPTURE(bad);
        CHECK(h.type(bad) == v1("ERROR"));
        CHECK(h.e.take_actions().empty());
        CHECK(h.e.mode() == Mode::Command);
    }
    CHECK(h.type("ATV0J\r") == "4\r");  // V0 ran before J failed
    CHECK(h.type("ATV1\r") == v1("OK"));
    std::string long_line = "AT";
    long_line += std::string(300, 'E');
    CHECK(h.type(long_line + "\r") == v1("ERROR"));
}

TEST_CASE("AT engine: S-registers read, write and reject out-of-range values") {
    Harness h;
    h.quiet_echo();
    const struct {
        int n, factory, min, max;
    } regs[] = {{0, 0, 0, 255},  {1, 0, 0, 255},  {2, 43, 0, 255}, {3, 13, 0, 127},  {4, 10, 0, 127},
                {5, 8, 0, 127},  {6, 2, 2, 255},  {7, 50, 1, 255}, {8, 2, 0, 255},   {10, 14, 1, 255},
                {11, 95, 50, 255}, {12, 50, 0, 255}};
    for (const auto& r : regs) {
        CAPTURE(r.n);
        const std::string s = "S" + std::to_string(r.n);
        CHECK(h.e.sreg(r.n) == r.factory);
        char want[8];
        std::snprintf(want, sizeof want, "%03d", r.factory);
        CHECK(h.type("AT" + s + "?\r") == v1(want) + v1("OK"));
        if (r.n == 3 || r.n == 4 || r.n == 5) continue;  // changing CR/LF/BS changes the framing
        CHECK(h.type("AT" + s + "=" + std::to_string(r.max) + "\r") == v1("OK"));
        CHECK(h.e.sreg(r.n) == r.max);
        CHECK(h.type("AT" + s + "=" + std::to_string(r.max + 1) + "\r") == v1("ERROR"));
        CHECK(h.e.sreg(r.n) == r.max);
        CHECK(h.type("AT" + s + "=" + std::to_string(r.min) + "\r") == v1("OK"));
        CHECK(h.e.sreg(r.n) == r.min);
        if (r.min > 0) CHECK(h.type("AT" + s + "=" + std::to_string(r.min - 1) + "\r") == v1("ERROR"));
    }
    CHECK(h.type("ATS3=200\r") == v1("ERROR"));
    CHECK(h.type("ATS7\r") == v1("OK"));  // select...
    CHECK(h.type("AT?\r") == v1("001") + v1("OK"));  // ...and read (S7 was left at its minimum)
    CHECK(h.type("ATS4=33\r") == "\r!OK\r!");  // S4 is the line feed in results
    CHECK(h.type("ATS4=10S3=64\r") == "@\nOK@\n");  // S3 terminates the line now and frames results
    CHECK(h.type("ATS3=13@") == v1("OK"));  // the result already uses the new S3
    CHECK(h.type("AT\r") == v1("OK"));
}

TEST_CASE("AT engine: ATI0..ATI4 give product information") {
    Harness h(Engine::Config{.product = {.name = "squeal", .version = "9.8.7", .capabilities = "caps"}});
    h.quiet_echo();
    CHECK(h.type("ATI\r") == v1("squeal") + v1("OK"));
    CHECK(h.type("ATI0\r") == v1("squeal") + v1("OK"));
    const std::string i1 = h.type("ATI1\r");
    CHECK(i1.size() == v1("000").size() + v1("OK").size());
    CHECK(h.type("ATI2\r") == v1("OK") + v1("OK"));
    CHECK(h.type("ATI3\r") == v1("squeal 9.8.7") + v1("OK"));
    CHECK(h.type("ATI4\r") == v1("caps") + v1("OK"));
    CHECK(h.type("ATV0I3\r") == "squeal 9.8.7\r\n0\r");
}

TEST_CASE("AT engine: &C, &D, &F, &V and Z") {
    Harness h;
    h.quiet_echo();
    CHECK(h.type("AT&C0&D0X2S7=33\r") == v1("OK"));
    CHECK(h.e.settings().dcd_mode == 0);
    CHECK(h.e.settings().dtr_mode == 0);
    const std::string v = h.type("AT&V\r");
    CHECK(v.find("E0 Q0 V1 X2 &C0 &D0") != std::string::npos);
    CHECK(v.find("S07:033") != std::string::npos);
    CHECK(v.find("S12:050") != std::string::npos);
    CHECK(v.find("S09") == std::string::npos);
    CHECK(v.find("+MS: V22B,1,300,2400,300,2400") != std::string::npos);
    CHECK(v.find("FORMAT: 8N1") != std::string::npos);
    CHECK(v.substr(v.size() - v1("OK").size()) == v1("OK"));
    CHECK(h.type("AT&F\r") == v1("OK"));  // typed with echo off; E1 from now on
    CHECK(h.e.settings() == Settings::factory());
    CHECK(h.e.take_actions().empty());
    h.quiet_echo();
    CHECK(h.type("ATV0S0=3Z\r") == v1("OK"));  // Z answers with the reset settings
    CHECK(h.e.settings() == Settings::factory());
    const auto acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    CHECK(std::holds_alternative<Reset>(acts[0]));
}

TEST_CASE("AT engine: AT+MS sets, reports and checks modulation limits") {
    Harness h;
    h.quiet_echo();
    CHECK(h.type("AT+MS?\r") == v1("+MS: V22B,1,300,2400,300,2400") + v1("OK"));
    CHECK(h.type("AT+MS=?\r") ==
          v1("+MS: (V21,V22,V22B),(0,1),(0,300,1200,2400),(0,300,1200,2400),(0,300,1200,2400),(0,300,1200,2400)") + v1("OK"));
    CHECK(h.type("AT+MS=V22B,1,1200,2400\r") == v1("OK"));
    CHECK(h.type("at+ms?\r") == v1("+MS: V22B,1,1200,2400,300,2400") + v1("OK"));
    CHECK(h.type("AT+MS=V22B,0,2400,2400,2400,2400\r") == v1("OK"));
    const ModulationLimits& m = h.e.settings().ms;
    CHECK(m.allows(Carrier::V22B, 2400));
    CHECK_FALSE(m.allows(Carrier::V22B, 1200));
    CHECK_FALSE(m.allows(Carrier::V22, 1200));
    CHECK_FALSE(m.allows(Carrier::V21, 300));
    CHECK(h.type("AT+MS=V21\r") == v1("OK"));  // rates no longer reachable fall back to V.21's
    CHECK(h.type("AT+MS?\r") == v1("+MS: V21,0,300,300,300,300") + v1("OK"));
    CHECK(h.type("AT+MS=V22,1,0,0,0,0\r") == v1("OK"));
    CHECK(h.type("AT+MS?\r") == v1("+MS: V22,1,300,1200,300,1200") + v1("OK"));
    CHECK(h.e.settings().ms.allows(Carrier::V21, 300));
    CHECK_FALSE(h.e.settings().ms.allows(Carrier::V22B, 2400));
    CHECK(h.type("AT+MS=,0\r") == v1("OK"));
    CHECK(h.type("AT+MS?\r") == v1("+MS: V22,0,1200,1200,1200,1200") + v1("OK"));
    for (const char* bad : {"AT+MS=V99\r", "AT+MS=V22B,2\r", "AT+MS=V22B,1,2400,1200\r", "AT+MS=V22,0,300\r",
                            "AT+MS=V22B,1,1200,4800\r", "AT+MS=V22B,1,12x0\r", "AT+MS=V22B,1,300,2400,300,2400,0\r",
                            "AT+MS=V22B,1,-1\r", "AT+MS=V21,1,1200\r"}) {
        CAPTURE(bad);
        CHECK(h.type(bad) == v1("ERROR"));
    }
    CHECK(h.type("AT+MS?\r") == v1("+MS: V22,0,1200,1200,1200,1200") + v1("OK"));  // unchanged by errors
    CHECK(h.type("AT+MS=V22B,1;E1\r") == v1("OK"));  // ';' ends an extended command
    CHECK(h.e.settings().echo);
    CHECK(h.e.settings().ms.carrier == Carrier::V22B);
    h.quiet_echo();
    h.type("ATD1\r");
    const auto acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    CHECK(std::get<Dial>(acts[0]).params.ms == h.e.settings().ms);
}

TEST_CASE("AT engine: ATD parses the dial string into steps") {
    Harness h;
    h.quiet_echo();
    CHECK(h.type("ATS6=5S7=40S8=3S10=20S11=80X4\r") == v1("OK"));
    CHECK(h.type("ATDP12 3W456,(78)-9!*#;\r").empty());
    auto acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    const Dial& d = std::get<Dial>(acts[0]);
    CHECK(d.number == "P123W456,789!*#");
    CHECK(d.return_to_command);
    using K = DialStep::Kind;
    const std::vector<DialStep> want{{K::Digits, "123", false}, {K::WaitDialTone, "", false}, {K::Digits, "456", false},
                                     {K::Pause, "", false},     {K::Digits, "789", false},   {K::Flash, "", false},
                                     {K::Digits, "*#", false}};
    CHECK(d.steps == want);
    CHECK(d.params.dialtone_wait_s == 5);
    CHECK(d.params.carrier_wait_s == 40);
    CHECK(d.params.comma_pause_s == 3);
    CHECK(d.params.carrier_loss_ds == 20);
    CHECK(d.params.dtmf_ms == 80);
    CHECK(d.params.detect_dialtone);
    CHECK(d.params.detect_busy);
    CHECK(h.e.mode() == Mode::Connecting);
    h.e.on_connect(2400, h.e.detected_format());  // a ';' dial does not connect
    CHECK(h.e.take_output().empty());
    h.e.on_dial_complete();
    CHECK(h.e.take_output() == v1("OK"));
    CHECK(h.e.mode() == Mode::Command);
    CHECK(h.type("ATH\r") == v1("OK"));  // still off hook: ATH hangs up
    acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    CHECK(std::holds_alternative<Hangup>(acts[0]));
    CHECK(h.type("ATH0\r") == v1("OK"));  // on hook already: nothing to do
    CHECK(h.e.take_actions().empty());

    CHECK(h.type("atdt5551234\r").empty());
    acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    CHECK(std::get<Dial>(acts[0]).steps == std::vector<DialStep>{{K::Digits, "5551234", true}});
    CHECK(std::get<Dial>(acts[0]).number == "T5551234");
    CHECK_FALSE(std::get<Dial>(acts[0]).return_to_command);
    h.e.on_no_answer();
    CHECK(h.e.take_output() == v1("NO ANSWER"));
    CHECK(h.e.last_number() == "T5551234");
    CHECK(h.type("ATDL\r").empty());  // redial
    acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    CHECK(std::get<Dial>(acts[0]).number == "T5551234");
    h.e.on_connect(1200, h.e.detected_format());
    CHECK(h.e.take_output() == v1("CONNECT 1200"));
    CHECK(h.e.mode() == Mode::Online);
    CHECK(h.e.connected_rate_bps() == 1200);
}

TEST_CASE("AT engine: a bare ATD originates without digits, and ATD while connected is an error") {
    Harness h;
    h.quiet_echo();
    CHECK(h.type("ATD\r").empty());
    auto acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    CHECK(std::get<Dial>(acts[0]).steps.empty());
    h.e.on_connect(2400, h.e.detected_format());
    CHECK(h.e.take_output() == v1("CONNECT 2400"));
    h.type_at("+++", 5000);
    CHECK(h.tick(6000) == v1("OK"));
    (void)h.e.take_actions();
    CHECK(h.type("ATD5\r") == v1("ERROR"));
    CHECK(h.type("ATA\r") == v1("ERROR"));
    CHECK(h.e.mode() == Mode::OnlineCommand);
}

TEST_CASE("AT engine: a key pressed while connecting abandons the call") {
    Harness h;
    h.quiet_echo();
    h.type("ATD5551234\r");
    (void)h.e.take_actions();
    CHECK(h.type("x") == v1("NO CARRIER"));
    const auto acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    CHECK(std::holds_alternative<Hangup>(acts[0]));
    CHECK(h.e.mode() == Mode::Command);
    h.e.on_connect(2400, h.e.detected_format());  // too late: ignored
    CHECK(h.e.take_output().empty());
    CHECK(h.e.mode() == Mode::Command);
    CHECK(h.type("AT\r") == v1("OK"));
}

TEST_CASE("AT engine: ATA answers and carrier loss gives NO CARRIER") {
    Harness h;
    h.quiet_echo();
    CHECK(h.type("ATA\r").empty());
    const auto acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    CHECK(std::holds_alternative<Answer>(acts[0]));
    CHECK(h.e.mode() == Mode::Connecting);
    h.e.on_connect(2400, h.e.detected_format());
    CHECK(h.e.take_output() == v1("CONNECT 2400"));
    CHECK(h.type("hello").empty());  // data is not echoed
    CHECK(h.data() == "hello");
    h.e.on_no_carrier();
    CHECK(h.e.take_output() == v1("NO CARRIER"));
    CHECK(h.e.mode() == Mode::Command);
    CHECK(h.type("AT\r") == v1("OK"));
}

TEST_CASE("AT engine: rings count in S1 and S0 answers automatically") {
    Harness h;
    h.quiet_echo();
    h.e.on_ring();
    CHECK(h.e.take_output() == v1("RING"));
    CHECK(h.e.sreg(1) == 1);
    CHECK(h.e.next_deadline_ms() == 8000);
    h.tick(7999);
    CHECK(h.e.sreg(1) == 1);
    h.tick(8000);  // Hayes: S1 clears 8 s after the last ring
    CHECK(h.e.sreg(1) == 0);
    CHECK_FALSE(h.e.next_deadline_ms().has_value());
    CHECK(h.type("ATS0=2\r") == v1("OK"));
    h.tick(10000);
    h.e.on_ring();
    CHECK(h.e.take_actions().empty());
    h.tick(16000);
    h.e.on_ring();
    CHECK(h.e.take_output() == v1("RING"));
    const auto acts = h.e.take_actions();
    REQUIRE(acts.size() == 1);
    CHECK(std::holds_alternative<Answer>(acts[0]));
    CHECK(h.e.mode() == Mode::Connecting);
    h.e.on_ring();  // rings while answering are not reported
    CHECK(h.e.take_output().empty());
    h.e.on_connect(1200, h.e.detected_format());
    CHECK(h.e.take_output() == v1("CONNECT 1200"));
}

TEST_CASE("AT engine: session events out of place are ignored") {
    Harness h;
    h.quiet_echo();
    h.e.on_connect(2400, h.e.detected_format());
    h.e.on_no_carrier();
    h.e.on_busy();
    h.e.on_no_dialtone();
    h.e.on_no_answer();
    h.e.on_dial_complete();
    CHECK(h.e.take_output().empty());
    CHECK(h.e.mode() == Mode::Command);
    CHECK_THROWS_AS(Engine(Engine::Config{.max_line_chars = 0}), std::invalid_argument);
    CHECK_THROWS_AS(Engine(Engine::Config{.format = {.data_bits = 9}}), std::invalid_argument);
}
