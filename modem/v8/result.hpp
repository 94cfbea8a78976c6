// SPDX-License-Identifier: MIT
/// \file
/// What a V.8 negotiation ends with (V8Result) and the transition record both V.8 state
/// machines keep: the hand-over to the data pump (protocols.md section 9).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "dsp/types.hpp"
#include "modem/v8/messages.hpp"

namespace modem::v8 {

enum class Role : std::uint8_t { Caller, Answerer };
constexpr std::string_view to_string(Role r) noexcept {
    switch (r) {
    case Role::Caller: return "caller";
    case Role::Answerer: return "answerer";
    }
    return "?";
}

/// One state change of a V.8 machine (style guide section 4).
struct Transition {
    SampleTime at = 0;
    std::string_view from;
    std::string_view to;
    std::string_view why;  ///< static text
    bool operator==(const Transition&) const = default;
};

/// Fixed-capacity list of transitions (allocation-free); later ones are dropped when full.
struct TransitionLog {
    static constexpr std::size_t kCapacity = 48;
    std::array<Transition, kCapacity> data{};
    std::uint8_t size = 0;
    void push(const Transition& t) noexcept {
        if (size < kCapacity) data[size++] = t;
    }
    [[nodiscard]] std::span<const Transition> view() const noexcept { return {data.data(), size}; }
    /// Time of the first entry into state `to`, if it happened.
    [[nodiscard]] std::optional<SampleTime> entered(std::string_view to) const noexcept {
        for (const auto& t : view()) {
            if (t.to == to) return t.at;
        }
        return std::nullopt;
    }
};

/// The outcome of V.8, the record handed to the data pump.
struct V8Result {
    enum class Status : std::uint8_t {
        Pending,  ///< still negotiating
        Ok,       ///< V.8 completed: start `chosen` after the 75 ms silence
        Legacy,   ///< no V.8 peer (plain ANS heard, or no CM while ANSam lasted): legacy start-up
        Failed,   ///< V.8 ended without a usable outcome (see reason)
    };
    Status status = Status::Pending;
    std::string_view reason;           ///< static text: why it ended
    Role role = Role::Caller;
    CallFunction call_function = CallFunction::VSeries;
    ModulationSet agreed;              ///< modes both sides have (from JM)
    std::optional<Modulation> chosen;  ///< lowest V.8 priority item of `agreed`
    bool lapm = false;                 ///< both sides offered LAPM (V.42)
    Menu remote_menu;                  ///< the peer's CM (answerer) or JM (caller) as received
    SampleTime ended_at = 0;           ///< when the machine reached its terminal state
    /// Every state change with its time and reason.
    TransitionLog steps;
};

constexpr std::string_view to_string(V8Result::Status s) noexcept {
    switch (s) {
    case V8Result::Status::Pending: return "pending";
    case V8Result::Status::Ok: return "ok";
    case V8Result::Status::Legacy: return "legacy";
    case V8Result::Status::Failed: return "failed";
    }
    return "?";
}

}  // namespace modem::v8
