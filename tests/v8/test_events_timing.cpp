// SPDX-License-Identifier: MIT
/// \file
/// Tests of modem/timing.hpp (Deadline, SymbolClock) and modem/events.hpp (Event, TraceBuffer, JSON).
#include <doctest/doctest.h>

#include <vector>

#include "modem/events.hpp"
#include "modem/timing.hpp"

using modem::Deadline;
using modem::Event;
using modem::EventKind;
using modem::SymbolClock;

TEST_CASE("Deadline: unarmed never expires; armed expires at its sample") {
    Deadline d;
    CHECK_FALSE(d.armed());
    CHECK_FALSE(d.expired(1'000'000'000));
    d = Deadline::after(100, 75);
    CHECK(d.armed());
    CHECK(d.when() == 175);
    CHECK_FALSE(d.expired(174));
    CHECK(d.expired(175));
    CHECK(d.remaining(170) == 5);
    CHECK(d.remaining(200) == 0);
    d.cancel();
    CHECK_FALSE(d.expired(200));
    CHECK(Deadline::at(5) == Deadline::after(2, 3));
}

TEST_CASE("SymbolClock: V.21 bits last 27, 27, 26 samples and 3 bits take exactly 80") {
    SymbolClock c(300);
    CHECK(c.step() == 3);
    CHECK(c.modulus() == 80);
    std::vector<int> starts;
    for (int n = 0; n < 8000 * 60; ++n) {
        if (c.tick()) starts.push_back(n);
    }
    REQUIRE(starts.size() == 300 * 60);  // one minute, no drift
    for (std::size_t k = 0; k < starts.size(); ++k) {
        // Bit k starts at ceil(80 k / 3).
        REQUIRE(starts[k] == static_cast<int>((80 * k + 2) / 3));
    }
    CHECK(starts[1] - starts[0] == 27);
    CHECK(starts[2] - starts[1] == 27);
    CHECK(starts[3] - starts[2] == 26);
}

TEST_CASE("SymbolClock: V.22 600 baud is 40 samples per 3 symbols; bad rates throw") {
    SymbolClock c(600);
    int count = 0;
    for (int n = 0; n < 40; ++n) count += c.tick() ? 1 : 0;
    CHECK(count == 3);
    CHECK_THROWS_AS(SymbolClock(0), std::invalid_argument);
    CHECK_THROWS_AS(SymbolClock(9000), std::invalid_argument);
}

TEST_CASE("Event: JSON line with strings, text and typed fields") {
    Event e{.at = 26240, .kind = EventKind::StateEntered, .source = "v8.answer", .name = "SendJm", .detail = "two identical \"CM\"s"};
    e.with("from", "SendAnsam").with("count", 2).with("lapm", false).with("level_dbm0", -13.5);
    e.text = modem::hex_text(std::vector<std::uint8_t>{0xC1, 0x05, 0x12, 0x90});
    CHECK(modem::to_json(e) ==
          R"({"t_ms":3280.000,"sample":26240,"event":"state","source":"v8.answer","name":"SendJm",)"
          R"("detail":"two identical \"CM\"s","text":"c1 05 12 90","from":"SendAnsam","count":2,"lapm":false,"level_dbm0":-13.5})");
    CHECK(std::get<std::int64_t>(e.field("count")) == 2);
    CHECK(std::holds_alternative<std::monostate>(e.field("nope")));
}

TEST_CASE("TraceBuffer: keeps what fits, counts what it drops") {
    modem::TraceBuffer t(2);
    for (int i = 0; i < 5; ++i) t.record(Event{.at = i});
    CHECK(t.events().size() == 2);
    CHECK(t.events()[1].at == 1);
    CHECK(t.dropped() == 3);
    t.clear();
    modem::emit(&t, Event{.at = 9});
    modem::emit(nullptr, Event{.at = 10});
    REQUIRE(t.events().size() == 1);
    CHECK(t.events()[0].at == 9);
}

TEST_CASE("ShortText: truncates at its capacity instead of overflowing") {
    std::vector<std::uint8_t> many(64, 0xAB);
    const auto t = modem::hex_text(many);
    CHECK(t.view().size() == modem::ShortText::kCapacity);
    CHECK(t.view().substr(0, 5) == "ab ab");
}
