// SPDX-License-Identifier: MIT
/// \file
/// Protocol events (tone heard, message sent or received, state entered, connected, failed) as
/// fixed-size records on the sample clock, the sinks that collect them inside process(), and
/// their JSON-lines form for the CLI and logs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "dsp/types.hpp"

namespace modem {

using dsp::SampleTime;

enum class EventKind : std::uint8_t {
    StateEntered,     ///< a state machine changed state (name = new state, detail = why)
    ToneHeard,        ///< a tone detector reported a tone (name = tone)
    ToneSent,         ///< we started sending a tone (name = tone)
    MessageSent,      ///< we started sending a message (name = message, text = octets)
    MessageReceived,  ///< a message was decoded (name = message, text = octets)
    CarrierOn,        ///< a receiver's carrier detect went on (name = channel)
    CarrierOff,       ///< a receiver's carrier detect went off
    Connected,        ///< a procedure finished successfully (name = what was agreed)
    Failed,           ///< a procedure ended without success (detail = reason)
    Info,             ///< anything else worth a line in the log
};

constexpr std::string_view to_string(EventKind k) noexcept {
    switch (k) {
    case EventKind::StateEntered: return "state";
    case EventKind::ToneHeard: return "tone_heard";
    case EventKind::ToneSent: return "tone_sent";
    case EventKind::MessageSent: return "message_sent";
    case EventKind::MessageReceived: return "message_received";
    case EventKind::CarrierOn: return "carrier_on";
    case EventKind::CarrierOff: return "carrier_off";
    case EventKind::Connected: return "connected";
    case EventKind::Failed: return "failed";
    case EventKind::Info: return "info";
    }
    return "?";
}

/// A named value attached to an event. Keys and string values must have static storage
/// duration (string literals, to_string() results), so events stay trivially copyable.
struct Field {
    using Value = std::variant<std::monostate, std::int64_t, double, bool, std::string_view>;
    std::string_view key;
    Value value;
    bool operator==(const Field&) const = default;
};

/// A short owned text (octets in hex, a modulation list): fixed capacity, truncates silently.
struct ShortText {
    static constexpr std::size_t kCapacity = 96;
    std::array<char, kCapacity> data{};
    std::uint8_t size = 0;
    ShortText() = default;
    ShortText(std::string_view s) noexcept { append(s); }  // NOLINT(google-explicit-constructor)
    void append(std::string_view s) noexcept {
        for (char c : s) {
            if (size == kCapacity) return;
            data[size++] = c;
        }
    }
    [[nodiscard]] std::string_view view() const noexcept { return {data.data(), size}; }
    bool operator==(const ShortText& o) const noexcept { return view() == o.view(); }
};

/// Octets as lower-case hex separated by spaces ("c1 05 12 90"), allocation-free.
inline ShortText hex_text(std::span<const std::uint8_t> octets) noexcept {
    constexpr char kHex[] = "0123456789abcdef";
    ShortText t;
    for (std::size_t i = 0; i < octets.size(); ++i) {
        const char pair[3] = {' ', kHex[octets[i] >> 4], kHex[octets[i] & 15]};
        t.append(i == 0 ? std::string_view(pair + 1, 2) : std::string_view(pair, 3));
    }
    return t;
}

/// One event. Trivially copyable, fixed size: emitted from process() without allocating.
struct Event {
    static constexpr std::size_t kMaxFields = 4;
    SampleTime at = 0;            ///< sample time the event refers to
    EventKind kind = EventKind::Info;
    std::string_view source;      ///< static: the emitting component, e.g. "v8.answer"
    std::string_view name;        ///< static: state, tone or message name
    std::string_view detail;      ///< static: reason or explanation
    ShortText text;               ///< owned: octets, lists
    std::array<Field, kMaxFields> fields{};
    std::uint8_t n_fields = 0;

    /// An event with its strings set (designated initialisers that skip `text` trip
    /// -Wmissing-field-initializers, so library code uses this).
    static Event make(SampleTime at, EventKind kind, std::string_view source, std::string_view name = {},
                      std::string_view detail = {}) noexcept {
        Event e;
        e.at = at;
        e.kind = kind;
        e.source = source;
        e.name = name;
        e.detail = detail;
        return e;
    }
    /// Adds a field (ignored beyond kMaxFields); returns *this for chaining.
    template <class T>
    Event& with(std::string_view key, T value) noexcept {
        if (n_fields < kMaxFields) {
            if constexpr (std::is_same_v<T, bool>) {
                fields[n_fields++] = Field{key, value};
            } else if constexpr (std::is_integral_v<T>) {
                fields[n_fields++] = Field{key, static_cast<std::int64_t>(value)};
            } else if constexpr (std::is_floating_point_v<T>) {
                fields[n_fields++] = Field{key, static_cast<double>(value)};
            } else {
                fields[n_fields++] = Field{key, std::string_view(value)};
            }
        }
        return *this;
    }
    [[nodiscard]] std::span<const Field> field_list() const noexcept { return {fields.data(), n_fields}; }
    /// The value of field `key`, or monostate.
    [[nodiscard]] Field::Value field(std::string_view key) const noexcept {
        for (const Field& f : field_list()) {
            if (f.key == key) return f.value;
        }
        return {};
    }
    bool operator==(const Event&) const = default;
};

/// Where events go. record() is called from process(): implementations must not allocate,
/// block or do I/O there.
class TraceSink {
public:
    virtual ~TraceSink() = default;
    virtual void record(const Event& e) noexcept = 0;
};

/// Collects events in a buffer reserved up front; drops (and counts) what does not fit. The
/// owner drains it between process() calls: events(), then clear().
class TraceBuffer final : public TraceSink {
public:
    explicit TraceBuffer(std::size_t capacity = 4096) { events_.reserve(capacity); }
    void record(const Event& e) noexcept override {
        if (events_.size() < events_.capacity()) events_.push_back(e);
        else ++dropped_;
    }
    [[nodiscard]] std::span<const Event> events() const noexcept { return events_; }
    void clear() noexcept { events_.clear(); }
    [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }

private:
    std::vector<Event> events_;
    std::uint64_t dropped_ = 0;
};

/// Records to a sink if there is one.
inline void emit(TraceSink* sink, const Event& e) noexcept {
    if (sink != nullptr) sink->record(e);
}

namespace detail {
inline void json_string(std::string& out, std::string_view s) {
    out += '"';
    for (const char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}
}  // namespace detail

/// One JSON object on one line (no trailing newline), for example
/// {"t_ms":3280.000,"sample":26240,"event":"state","source":"v8.answer","name":"SendJm","detail":"two identical CMs","from":"SendAnsam"}
/// Empty strings and unset fields are left out. Allocates: call it outside process().
inline std::string to_json(const Event& e) {
    std::string out = "{";
    char num[64];
    std::snprintf(num, sizeof num, "\"t_ms\":%.3f,\"sample\":%lld", dsp::samples_to_seconds(e.at) * 1000.0,
                  static_cast<long long>(e.at));
    out += num;
    auto key = [&](std::string_view k) {
        out += ',';
        detail::json_string(out, k);
        out += ':';
    };
    key("event");
    detail::json_string(out, to_string(e.kind));
    const std::pair<std::string_view, std::string_view> strings[] = {
        {"source", e.source}, {"name", e.name}, {"detail", e.detail}, {"text", e.text.view()}};
    for (const auto& [k, v] : strings) {
        if (v.empty()) continue;
        key(k);
        detail::json_string(out, v);
    }
    for (const Field& f : e.field_list()) {
        if (std::holds_alternative<std::monostate>(f.value)) continue;
        key(f.key);
        if (const auto* i = std::get_if<std::int64_t>(&f.value)) {
            out += std::to_string(*i);
        } else if (const auto* d = std::get_if<double>(&f.value)) {
            std::snprintf(num, sizeof num, "%.6g", *d);
            out += num;
        } else if (const auto* b = std::get_if<bool>(&f.value)) {
            out += *b ? "true" : "false";
        } else if (const auto* s = std::get_if<std::string_view>(&f.value)) {
            detail::json_string(out, *s);
        }
    }
    out += '}';
    return out;
}

}  // namespace modem
