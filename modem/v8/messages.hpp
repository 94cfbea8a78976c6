// SPDX-License-Identifier: MIT
/// \file
/// V.8 message codec, pure (no audio): CI, CM, JM and CJ contents, their bit framing (V.8
/// section 5: ten-ones preamble, sync, start/stop-framed octets, LSB first), a bit-level
/// deframer, and JM built from CM. Allocation-free except for the test/trace helpers marked so.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dsp/types.hpp"

namespace modem::v8 {

using dsp::SampleTime;

/// Longest message body we keep, in octets after the sync. Project choice: a full CM (call
/// function, three modulation octets, protocols, GSTN access, PCM availability) is 7 octets.
inline constexpr std::size_t kMaxOctets = 32;

/// Fixed-capacity octet string, usable inside process().
struct Octets {
    std::array<std::uint8_t, kMaxOctets> data{};
    std::uint8_t size = 0;

    Octets() = default;
    Octets(std::initializer_list<std::uint8_t> init) noexcept;
    /// False (and nothing stored) when full.
    bool push_back(std::uint8_t v) noexcept;
    [[nodiscard]] std::span<const std::uint8_t> view() const noexcept { return {data.data(), size}; }
    [[nodiscard]] bool empty() const noexcept { return size == 0; }
    /// Equal contents (the unused tail is not compared).
    bool operator==(const Octets& o) const noexcept;
};

// ---- Categories (V.8 section 5 and Table 2; values as C hex with b0 the LSB)

inline constexpr std::uint8_t kTagCallFunction = 0x01;  ///< V.8: call function category
inline constexpr std::uint8_t kTagModulation = 0x05;    ///< V.8: modulation modes category (modn0)
inline constexpr std::uint8_t kTagPcm = 0x07;           ///< V.8: PCM modem availability
inline constexpr std::uint8_t kTagProtocols = 0x0A;     ///< V.8: protocols
inline constexpr std::uint8_t kTagGstnAccess = 0x0D;    ///< V.8: GSTN access
inline constexpr std::uint8_t kTagT66 = 0x0E;           ///< V.8: T.66 (skipped on receive, never sent)
inline constexpr std::uint8_t kTagNsf = 0x0F;           ///< V.8: non-standard facilities (skipped, never sent)
inline constexpr std::uint8_t kExtensionBase = 0x10;    ///< V.8: extension octet, b3 b4 b5 = 0 1 0
inline constexpr std::uint8_t kProtocolLapm = 1;        ///< V.8: protocols value b5 b6 b7 = 1 0 0, LAPM (V.42)

/// True for an extension octet: (octet & 0x38) == 0x10 (V.8 section 5).
constexpr bool is_extension(std::uint8_t octet) noexcept { return (octet & 0x38) == kExtensionBase; }

/// Call function, the 3-bit value b5 (LSB) b6 b7 of the call-function octet (V.8 Table 2).
enum class CallFunction : std::uint8_t {
    Tbs = 0,        ///< to be specified
    H324 = 1,       ///< H.324 multimedia
    V18 = 2,        ///< V.18 text telephone
    T101 = 3,       ///< T.101 videotex
    T30Tx = 4,      ///< T.30 fax, caller transmits
    T30Rx = 5,      ///< T.30 fax, caller receives
    VSeries = 6,    ///< V-series duplex data (octet 0xC1): the one this project uses
    Extension = 7,  ///< continues in extension octets
};
std::string_view to_string(CallFunction f) noexcept;

/// Modulation modes, in V.8 priority order (item 1 first; the common mode with the lowest item
/// is used, V.8 7.4 as quoted by SRS). Pcm (modn0 b5) has no item number; project choice: it is
/// chosen last, and this project never offers it.
enum class Modulation : std::uint8_t {
    V34,     ///< V.34 duplex (modn0 b6)
    V34Hdx,  ///< V.34 half-duplex (modn0 b7)
    V32bis,  ///< V.32bis / V.32 (modn1 b0)
    V22bis,  ///< V.22bis / V.22 (modn1 b1)
    V17,     ///< V.17 (modn1 b2)
    V29Hdx,  ///< V.29 half-duplex (modn1 b6)
    V27ter,  ///< V.27ter (modn1 b7)
    V26ter,  ///< V.26ter (modn2 b0)
    V26bis,  ///< V.26bis (modn2 b1)
    V23,     ///< V.23 duplex (modn2 b2)
    V23Hdx,  ///< V.23 half-duplex (modn2 b6)
    V21,     ///< V.21 (modn2 b7)
    Pcm,     ///< V.90/V.92 PCM modem (modn0 b5)
};
inline constexpr std::size_t kModulationCount = 13;
std::string_view to_string(Modulation m) noexcept;

/// A set of modulation modes.
class ModulationSet {
public:
    constexpr ModulationSet() noexcept = default;
    constexpr ModulationSet(std::initializer_list<Modulation> mods) noexcept {
        for (auto m : mods) bits_ |= bit(m);
    }
    [[nodiscard]] constexpr bool has(Modulation m) const noexcept { return (bits_ & bit(m)) != 0; }
    constexpr ModulationSet& add(Modulation m) noexcept {
        bits_ |= bit(m);
        return *this;
    }
    [[nodiscard]] constexpr bool empty() const noexcept { return bits_ == 0; }
    [[nodiscard]] constexpr std::uint16_t bits() const noexcept { return bits_; }
    constexpr ModulationSet operator&(ModulationSet o) const noexcept { return from_bits(bits_ & o.bits_); }
    constexpr ModulationSet operator|(ModulationSet o) const noexcept { return from_bits(bits_ | o.bits_); }
    constexpr bool operator==(const ModulationSet&) const noexcept = default;
    /// The mode with the lowest V.8 priority item, if any.
    [[nodiscard]] std::optional<Modulation> best() const noexcept;
    /// "V.22bis,V.21" in priority order ("none" when empty).
    [[nodiscard]] std::string to_string() const;
    static constexpr ModulationSet from_bits(std::uint16_t b) noexcept {
        ModulationSet s;
        s.bits_ = static_cast<std::uint16_t>(b & ((1u << kModulationCount) - 1));
        return s;
    }

private:
    static constexpr std::uint16_t bit(Modulation m) noexcept { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(m)); }
    std::uint16_t bits_ = 0;
};

/// GSTN access octet options (V.8 Table 2).
struct GstnAccess {
    bool call_cellular = false;    ///< b5: the call DCE is on a cellular connection
    bool answer_cellular = false;  ///< b6: the answer DCE is on a cellular connection
    bool digital = false;          ///< b7: the DCE is on a digital network connection
    bool operator==(const GstnAccess&) const = default;
};

/// PCM modem availability octet options (V.8 Table 2).
struct PcmAvailability {
    bool v90_analogue = false;  ///< b5
    bool v90_digital = false;   ///< b6
    bool v91 = false;           ///< b7
    bool operator==(const PcmAvailability&) const = default;
};

/// The contents of a CM or a JM (they share one format).
struct Menu {
    CallFunction call_function = CallFunction::VSeries;
    ModulationSet modulations;
    /// Modulation octets sent (modn0 plus extensions, 1..3). When encoding, 0 means "as few as
    /// the set needs"; a larger value pads with empty extension octets (a JM carries as many as
    /// the CM it answers, V.8 8.2.3 via SD). When decoding, the number received.
    std::uint8_t modulation_octets = 0;
    bool lapm = false;  ///< protocols category with LAPM (V.42); send only if V.42 is implemented
    std::optional<GstnAccess> gstn_access;
    std::optional<PcmAvailability> pcm;
    /// Decoding only: categories skipped because their tag (or protocol value) is not known,
    /// and extension octets skipped with them or beyond what we understand.
    std::uint8_t skipped_categories = 0;
    std::uint8_t skipped_extensions = 0;
    bool operator==(const Menu&) const = default;
};

/// Octets of a CI (just the call-function octet).
Octets encode_ci(CallFunction f) noexcept;
/// Octets of a CM or JM, categories in the order call function, modulation modes, protocols,
/// GSTN access, PCM availability.
Octets encode_menu(const Menu& m) noexcept;

/// Result of decoding a CM/JM (or CI) body.
struct DecodeResult {
    bool ok = false;
    const char* error = "";  ///< one line, static storage, when !ok
    Menu menu;
};
/// Decodes the octets after the sync. Unknown categories and their extension octets are skipped
/// (counted in the menu). Fails without a call-function category, or (require_modulation) without
/// a modulation-modes category, or when a message starts with an extension octet.
DecodeResult decode_menu(std::span<const std::uint8_t> octets, bool require_modulation = true) noexcept;

/// What JM answers to a CM: the call function echoed (project choice when we do not support
/// it: the modulation set is then left empty, so both sides see no common mode), the modes both
/// support (V.8 7.4), as many modulation octets as the CM, LAPM only if both have it, the PCM
/// octet only if the CM had it (with no options: we have no PCM modem).
struct Capabilities {
    ModulationSet modulations{Modulation::V22bis, Modulation::V21};
    bool lapm = false;  ///< V.42 not implemented: never advertise LAPM (protocols.md 9)
    std::uint8_t call_functions = 1u << static_cast<unsigned>(CallFunction::VSeries);  ///< accepted, bit per value
    [[nodiscard]] bool accepts(CallFunction f) const noexcept { return (call_functions >> static_cast<unsigned>(f)) & 1u; }
};
Menu build_jm(const Menu& cm, const Capabilities& ours) noexcept;
/// The CM a caller with these capabilities sends.
Menu build_cm(const Capabilities& ours, CallFunction f = CallFunction::VSeries) noexcept;

// ---- Framing (V.8 section 5): everything on the line is a sequence of 10-bit units.

/// Sync octets as they appear framed after the ten-ones preamble (V.8 section 5; V.92 8.2).
enum class Sync : std::uint8_t {
    Ci = 0x00,    ///< CI: time order 0000000001
    CmJm = 0xE0,  ///< CM and JM: time order 0000001111
    V92 = 0x55,   ///< V.92 quick-connect packets: 0101010101 (recognised and ignored)
};

/// A framed octet as a 10-bit unit; bit i is the i-th bit in time order: start bit 0, the octet
/// LSB first, stop bit 1.
constexpr std::uint16_t frame_octet(std::uint8_t octet) noexcept {
    return static_cast<std::uint16_t>((static_cast<unsigned>(octet) << 1) | (1u << 9));
}
/// The preamble: ten binary ones.
inline constexpr std::uint16_t kPreambleUnit = 0x3FF;

/// Fixed-capacity list of 10-bit units.
struct Units {
    std::array<std::uint16_t, kMaxOctets + 3> data{};
    std::uint8_t size = 0;
    [[nodiscard]] std::span<const std::uint16_t> view() const noexcept { return {data.data(), size}; }
    bool operator==(const Units& o) const noexcept;
};
/// Preamble, sync, then every octet framed. Octets beyond the capacity are dropped.
Units frame_message(Sync sync, const Octets& octets) noexcept;
/// CJ: three framed zero octets, no preamble and no sync (V.8 8.1.2).
Units cj_units() noexcept;
/// Bits in time order (test and trace helper; allocates).
std::vector<std::uint8_t> to_bits(const Units& u);
/// "1111111111 0000001111 ..." one group per unit (test and trace helper; allocates).
std::string to_bit_string(const Units& u);

// ---- Bit-level deframer

/// One message found in a bit stream.
struct Received {
    enum class Kind : std::uint8_t {
        Ci,    ///< preamble + CI sync + octets
        CmJm,  ///< preamble + CM/JM sync + octets (CM on channel 1, JM on channel 2)
        V92,   ///< preamble + 0x55 sync + octets: V.92 quick-connect, to be ignored
        Cj,    ///< three framed zero octets
    };
    Kind kind = Kind::Cj;
    Octets octets;          ///< the octets after the sync (empty for CJ)
    SampleTime start = 0;   ///< time stamp of the first preamble bit (CJ: of its first bit)
    SampleTime end = 0;     ///< time stamp of the last bit that completed the message
};
std::string_view to_string(Received::Kind k) noexcept;

/// Finds V.8 messages in a stream of demodulated bits (V.8 section 5 framing):
///   - a 20-bit window matches ten ones + a sync (CI, CM/JM or V.92) and starts a message;
///   - octets are cut at every 10-bit start/stop frame that follows;
///   - a 1 where a start bit is due ends the message (the next preamble has begun, or the line is
///     idle) and the message is reported; so is a flush() (carrier lost);
///   - a zero octet ends a CI/CM/JM without reporting it: menu octets are never 0x00, so this is
///     CJ beginning (or the message was cut) and the body cannot be trusted to be complete;
///   - a stop bit of 0 or more than kMaxOctets octets drops the message (counted);
///   - independently, a 30-bit window matches CJ (0000000001 three times).
/// At most one message per bit. Allocation-free.
class Deframer {
public:
    /// Feeds one bit with its time stamp. Returns the message it completed, or nullptr. The
    /// pointer stays valid until the next call.
    const Received* push(std::uint8_t bit, SampleTime at) noexcept;
    /// Carrier lost: a message in progress is reported as ended by the last bit.
    const Received* flush() noexcept;
    void reset() noexcept;
    [[nodiscard]] std::uint32_t framing_errors() const noexcept { return framing_errors_; }
    [[nodiscard]] std::uint32_t truncated() const noexcept { return truncated_; }

private:
    enum class State : std::uint8_t { Hunt, Body };
    const Received* finish() noexcept;
    State state_ = State::Hunt;
    std::uint32_t window_ = 0;  // last 30 bits, newest in bit 0
    std::array<SampleTime, 32> times_{};
    std::uint8_t time_pos_ = 0;
    Received current_;
    Received out_;
    int frame_bit_ = 0;         // 0..9 within the current 10-bit frame
    std::uint8_t octet_ = 0;
    std::uint32_t framing_errors_ = 0;
    std::uint32_t truncated_ = 0;
};

}  // namespace modem::v8
