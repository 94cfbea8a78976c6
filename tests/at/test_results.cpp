// SPDX-License-Identifier: MIT
/// \file
/// Tests of result codes (Hayes table, X levels), DTE parity and format detection from "AT".
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <utility>

#include "harness.hpp"

using namespace modem::at;
using modem::v14::Format;
using modem::v14::Parity;
using test::at::Harness;
using test::at::v1;

namespace {
/// The Hayes table written out independently: code -> verbose text (Hayes technical reference,
/// "(Basic) Result Codes" and "Extended Result Codes").
const std::map<int, std::string> kHayes{{0, "OK"},          {1, "CONNECT"},      {2, "RING"},
                                        {3, "NO CARRIER"},  {4, "ERROR"},        {5, "CONNECT 1200"},
                                        {6, "NO DIALTONE"}, {7, "BUSY"},         {8, "NO ANSWER"},
                                        {10, "CONNECT 2400"}, {11, "CONNECT 4800"}, {12, "CONNECT 9600"}};

/// Bit 7 for a 7-bit character in `f`, counted bit by bit.
std::uint8_t with_parity(char ch, Parity p) {
    int ones = 0;
    for (int i = 0; i < 7; ++i) ones += (ch >> i) & 1;
    int bit = 0;
    switch (p) {
    case Parity::Even: bit = ones % 2; break;
    case Parity::Odd: bit = 1 - ones % 2; break;
    case Parity::Mark: bit = 1; break;
    case Parity::Space:
    case Parity::None: bit = 0; break;
    }
    return static_cast<std::uint8_t>(ch | (bit << 7));
}

std::string encode(std::string_view text, Parity p) {
    std::string s;
    for (char ch : text) s += static_cast<char>(with_parity(ch, p));
    return s;
}
}  // namespace

TEST_CASE("Results: numeric codes and texts follow the Hayes table") {
    for (int x = 0; x <= 4; ++x) {
        CAPTURE(x);
        for (Result r : {Result::Ok, Result::Ring, Result::NoCarrier, Result::Error}) {
            const auto t = result_text(r, 0, x);
            CHECK(kHayes.at(t.code) == t.text);
        }
        const auto c2400 = result_text(Result::Connect, 2400, x);
        const auto c1200 = result_text(Result::Connect, 1200, x);
        const auto c300 = result_text(Result::Connect, 300, x);
        CHECK(c300.code == 1);
        CHECK(c2400.code == (x == 0 ? 1 : 10));
        CHECK(c1200.code == (x == 0 ? 1 : 5));
        for (const auto& t : {c2400, c1200, c300}) CHECK(kHayes.at(t.code) == t.text);
        const auto busy = result_text(Result::Busy, 0, x);
        const auto nodt = result_text(Result::NoDialtone, 0, x);
        const auto noans = result_text(Result::NoAnswer, 0, x);
        CHECK(busy.code == (x >= 3 ? 7 : 3));          // BUSY at X3, X4
        CHECK(nodt.code == (x == 2 || x == 4 ? 6 : 3));  // NO DIALTONE at X2, X4
        CHECK(noans.code == (x >= 1 ? 8 : 3));
        for (const auto& t : {busy, nodt, noans}) CHECK(kHayes.at(t.code) == t.text);
    }
    CHECK(result_text(Result::Connect, 4800, 4).code == 11);
    CHECK(result_text(Result::Connect, 9600, 4).code == 12);
    CHECK(result_text(Result::Connect, 7200, 4).text == "CONNECT 7200");
}

TEST_CASE("Results: the engine formats them for V1, V0 and Q1") {
    Harness h;
    h.quiet_echo();
    CHECK(h.type("AT\r") == v1("OK"));
    CHECK(h.type("ATV0\r") == "0\r");
    CHECK(h.type("ATJ\r") == "4\r");
    CHECK(h.connect(2400) == "10\r");
    h.e.on_no_carrier();
    CHECK(h.e.take_output() == "3\r");
    CHECK(h.connect(1200) == "5\r");
    h.e.on_no_carrier();
    (void)h.e.take_output();
    h.e.on_ring();
    CHECK(h.e.take_output() == "2\r");
    CHECK(h.type("ATV1X0\r") == v1("OK"));
    CHECK(h.connect(2400) == v1("CONNECT"));
    h.e.on_no_carrier();
    CHECK(h.e.take_output() == v1("NO CARRIER"));
    CHECK(h.type("ATQ1\r").empty());
    CHECK(h.type("ATJ\r").empty());
    CHECK(h.connect(2400).empty());
    h.e.on_no_carrier();
    CHECK(h.e.take_output().empty());
    CHECK(h.type("ATI3\r") == v1("squeal 0.1.0"));  // Q1 silences results, not information text
    CHECK(h.type("ATQ0\r") == v1("OK"));
}

TEST_CASE("Results: BUSY, NO DIALTONE and NO ANSWER depend on the X level") {
    struct Case {
        int x;
        void (Engine::*event)();
        const char* text;
    };
    const Case cases[] = {
        {4, &Engine::on_busy, "BUSY"},           {3, &Engine::on_busy, "BUSY"},
        {2, &Engine::on_busy, "NO CARRIER"},     {0, &Engine::on_busy, "NO CARRIER"},
        {4, &Engine::on_no_dialtone, "NO DIALTONE"}, {2, &Engine::on_no_dialtone, "NO DIALTONE"},
        {3, &Engine::on_no_dialtone, "NO CARRIER"},  {1, &Engine::on_no_dialtone, "NO CARRIER"},
        {1, &Engine::on_no_answer, "NO ANSWER"},  {0, &Engine::on_no_answer, "NO CARRIER"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.x);
        CAPTURE(c.text);
        Harness h;
        h.quiet_echo();
        h.type("ATX" + std::to_string(c.x) + "D5\r");
        const auto acts = h.e.take_actions();
        REQUIRE(acts.size() == 1);
        const auto& dial = std::get<Dial>(acts[0]);
        CHECK(dial.params.detect_busy == (c.x >= 3));
        CHECK(dial.params.detect_dialtone == (c.x == 2 || c.x == 4));
        (h.e.*c.event)();
        CHECK(h.e.take_output() == v1(c.text));
        CHECK(h.e.mode() == Engine::Mode::Command);
    }
}

TEST_CASE("Format detection: 7E1, 7O1, 7M1, 8N1 from AT and at, 7S1 reads as 8N1") {
    const std::pair<Parity, const char*> cases[] = {
        {Parity::None, "8N1"}, {Parity::Even, "7E1"}, {Parity::Odd, "7O1"}, {Parity::Mark, "7M1"}, {Parity::Space, "8N1"}};
    for (const auto& [parity, expect] : cases) {
        for (const char* prefix : {"AT", "at"}) {
            CAPTURE(expect);
            CAPTURE(prefix);
            Harness h;
            const std::string out = h.type(encode(std::string(prefix) + "E0\r", parity));
            CHECK(h.e.detected_format().name() == expect);
            CHECK(h.e.call_params().format.name() == expect);
            // The engine's text goes back with the DTE's parity in bit 7.
            const Parity reply_parity = std::string(expect) == "8N1" ? Parity::None : parity;
            const std::string echo = encode(std::string(prefix) + "E0\r", parity);
            CHECK(out == echo + encode("\r\nOK\r\n", reply_parity));
            CHECK_FALSE(h.e.settings().echo);  // the command ran with bit 7 stripped
        }
    }
    // Direct: 'T' = 0x54 arrives as 0xD4 in 7E1.
    CHECK(detect_format(0x41, 0xD4)->name() == "7E1");
    CHECK(detect_format(0xC1, 0x54)->name() == "7O1");
    CHECK(detect_format(0xC1, 0xD4)->name() == "7M1");
    CHECK(detect_format(0x41, 0x54)->name() == "8N1");
    CHECK(detect_format(0xE1, 0x74)->name() == "7E1");  // "at": 'a' has three ones, 't' four
    CHECK(detect_format(0x61, 0xF4)->name() == "7O1");
    CHECK_FALSE(detect_format(0xC1, 0x74).has_value());  // "At" with bit 7 on 'A' only: no format
}

TEST_CASE("Format detection: follows the terminal when it changes, off when configured") {
    Harness h;
    h.type(encode("AT\r", Parity::Even));
    CHECK(h.e.detected_format().name() == "7E1");
    h.type("AT\r");
    CHECK(h.e.detected_format().name() == "8N1");
    Harness fixed(Engine::Config{.detect_format = false, .format = Format::parse("7O1")});
    fixed.type(encode("AT\r", Parity::Even));
    CHECK(fixed.e.detected_format().name() == "7O1");
}

TEST_CASE("dte_byte: parity in bit 7 for 7-bit parity formats only") {
    for (unsigned v = 0; v < 128; ++v) {
        const auto ch = static_cast<char>(v);
        CHECK(dte_byte(Format::parse("7E1"), static_cast<std::uint8_t>(v)) == with_parity(ch, Parity::Even));
        CHECK(dte_byte(Format::parse("7O1"), static_cast<std::uint8_t>(v)) == with_parity(ch, Parity::Odd));
        CHECK(dte_byte(Format::parse("7M1"), static_cast<std::uint8_t>(v)) == with_parity(ch, Parity::Mark));
        CHECK(dte_byte(Format::parse("7S1"), static_cast<std::uint8_t>(v)) == v);
    }
    CHECK(dte_byte(Format::parse("8N1"), 0xC3) == 0xC3);
    CHECK(dte_byte(Format::parse("8E1"), 0xC3) == 0xC3);
}
