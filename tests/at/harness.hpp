// SPDX-License-Identifier: MIT
/// \file
/// Test driver for the AT engine: types command lines at a given time and collects output,
/// data and actions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modem/at/at.hpp"

namespace test::at {

struct Harness {
    modem::at::Engine e;
    std::int64_t now_ms = 0;

    Harness() = default;
    explicit Harness(const modem::at::Engine::Config& cfg) : e(cfg) {}

    /// Feeds `text` at now_ms and returns what the engine sent to the DTE.
    std::string type(std::string_view text) {
        const std::vector<std::uint8_t> bytes(text.begin(), text.end());
        e.feed(bytes, now_ms);
        return e.take_output();
    }
    std::string type_at(std::string_view text, std::int64_t t_ms) {
        now_ms = t_ms;
        return type(text);
    }
    /// Echo off and output flushed: later checks see results only.
    void quiet_echo() {
        type("ATE0\r");
        (void)e.take_actions();
    }
    std::string data() {
        const auto d = e.take_data();
        return std::string(d.begin(), d.end());
    }
    std::string tick(std::int64_t t_ms) {
        now_ms = t_ms;
        e.tick(t_ms);
        return e.take_output();
    }
    /// Dial and connect at `rate`, returning the CONNECT text.
    std::string connect(int rate = 2400) {
        type("ATD123\r");
        (void)e.take_actions();
        e.on_connect(rate, e.detected_format());
        return e.take_output();
    }
};

inline std::string v1(std::string_view text) { return "\r\n" + std::string(text) + "\r\n"; }

}  // namespace test::at
