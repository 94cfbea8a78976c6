// SPDX-License-Identifier: MIT
/// \file
/// LAPM frame codec (V.42 section 8, modulo-128 operation): address octet, control field
/// (I, S and U formats: type, N(S), N(R), P/F), XID parameter negotiation field (ISO/IEC 8885 as
/// V.42 uses it) and the break messages carried in UI frames. Pure functions, no state.
///
/// Octets are in line order without flags or FCS (those belong to hdlc.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace modem::v42 {

/// DLCI of the DTE-to-DTE data link (V.42 8.1.2: the only one LAPM uses for user data).
inline constexpr std::uint8_t kDlciData = 0;
/// Modulus of the sequence numbers (V.42 uses extended, modulo 128, operation).
inline constexpr int kModulus = 128;

/// Address octet: DLCI in bits 3-8, C/R in bit 2, EA = 1 in bit 1 (V.42 8.1.2).
constexpr std::uint8_t make_address(bool cr, std::uint8_t dlci = kDlciData) noexcept {
    return static_cast<std::uint8_t>((dlci << 2) | (cr ? 0x02 : 0x00) | 0x01);
}
constexpr bool address_cr(std::uint8_t a) noexcept { return (a & 0x02) != 0; }
constexpr std::uint8_t address_dlci(std::uint8_t a) noexcept { return static_cast<std::uint8_t>(a >> 2); }
/// C/R of a command sent by the originator (the caller) and of a response sent by the
/// answerer is 1; the reverse is 0 (V.42 8.1.2.2).
constexpr bool command_cr(bool sender_is_originator) noexcept { return sender_is_originator; }
constexpr bool response_cr(bool sender_is_originator) noexcept { return !sender_is_originator; }
/// True when a frame with this address, sent by the far end, is a command.
constexpr bool is_command(std::uint8_t address, bool sender_is_originator) noexcept {
    return address_cr(address) == command_cr(sender_is_originator);
}

enum class FrameType : std::uint8_t {
    I,      ///< information (N(S), N(R), P)
    RR,     ///< receive ready (N(R), P/F)
    RNR,    ///< receive not ready
    REJ,    ///< reject: resend from N(R)
    SREJ,   ///< selective reject: resend N(R) only
    SABME,  ///< set asynchronous balanced mode extended (P)
    UA,     ///< unnumbered acknowledgement (F)
    DM,     ///< disconnected mode (F)
    DISC,   ///< disconnect (P)
    FRMR,   ///< frame reject (F)
    XID,    ///< exchange identification: parameter negotiation (P/F)
    UI,     ///< unnumbered information: break messages (P)
    TEST,   ///< test (P/F)
};
std::string_view to_string(FrameType t) noexcept;

/// I and S frames have a two-octet control field; U frames one octet (modulo 128).
constexpr bool is_numbered(FrameType t) noexcept {
    return t == FrameType::I || t == FrameType::RR || t == FrameType::RNR || t == FrameType::REJ || t == FrameType::SREJ;
}

/// One decoded (or to-be-encoded) frame. `info` views the buffer it was decoded from.
struct Frame {
    std::uint8_t address = make_address(false);
    FrameType type = FrameType::RR;
    std::uint8_t ns = 0;   ///< N(S), I frames only, 0..127
    std::uint8_t nr = 0;   ///< N(R), I and S frames, 0..127
    bool pf = false;       ///< poll (command) or final (response) bit
    std::span<const std::uint8_t> info;  ///< information field (I, UI, XID, FRMR, TEST)
};

/// Writes address + control + information into `out`; returns the octets written, 0 when
/// `out` is too small. N(S)/N(R) are taken modulo 128.
std::size_t encode(const Frame& f, std::span<std::uint8_t> out) noexcept;
/// Parses address + control + information. Returns false (and leaves `f` unspecified) for an
/// unknown control field, a missing second control octet, information where the type allows
/// none, or an address with EA = 0.
bool decode(std::span<const std::uint8_t> octets, Frame& f) noexcept;

// ---------------------------------------------------------------- XID (V.42 8.4, ISO/IEC 8885)

/// XID format identifier and the parameter-negotiation group identifier (ISO/IEC 8885).
inline constexpr std::uint8_t kXidFormat = 0x82;
inline constexpr std::uint8_t kXidGroupParams = 0x80;
/// Parameter identifiers of the negotiation group (ISO/IEC 8885; V.42 8.4 uses 3, 5, 6, 7, 8).
inline constexpr std::uint8_t kPiOptional = 0x03;  ///< HDLC optional functions (bit field, 3 octets)
inline constexpr std::uint8_t kPiN401Tx = 0x05;    ///< maximum I field length, transmit, in bits
inline constexpr std::uint8_t kPiN401Rx = 0x06;    ///< maximum I field length, receive, in bits
inline constexpr std::uint8_t kPiKTx = 0x07;       ///< window size k, transmit, frames
inline constexpr std::uint8_t kPiKRx = 0x08;       ///< window size k, receive, frames
/// Bits of the optional-functions field (ISO/IEC 8885 numbering, bit 1 = LSB of the first octet).
inline constexpr int kOptRej = 2, kOptSrej = 3, kOptUi = 4, kOptExtAddress = 8, kOptModulo128 = 12,
                     kOptTest = 14, kOptFcs16 = 16, kOptFcs32 = 17;

/// Values carried in (or for) an XID frame. Zero means "parameter absent".
struct XidParams {
    std::uint16_t n401_tx = 0;  ///< octets the sender will send at most per I frame
    std::uint16_t n401_rx = 0;  ///< octets the sender accepts per I frame
    std::uint8_t k_tx = 0;      ///< frames the sender will have outstanding
    std::uint8_t k_rx = 0;      ///< frames the sender accepts outstanding
    bool has_optional = false;  ///< the optional-functions parameter was present
    bool srej = false;          ///< selective reject offered/accepted
    bool fcs32 = false;         ///< 32-bit FCS offered/accepted
    bool operator==(const XidParams&) const = default;
};
/// Encodes the XID information field; returns its length, 0 when `out` is too small.
std::size_t encode_xid(const XidParams& p, std::span<std::uint8_t> out) noexcept;
/// Parses an XID information field. Unknown groups and parameters are skipped. Returns false
/// when the format identifier is wrong or a length runs past the end.
bool parse_xid(std::span<const std::uint8_t> info, XidParams& p) noexcept;

// ---------------------------------------------------------------- break (V.42 8.10)

/// Break messages in the information field of UI frames: type octet BRK (then a length octet,
/// in units of 10 ms, 0 = not given) and BRKACK (V.42 8.10, V.76 Annex B Table B.1).
inline constexpr std::uint8_t kBrk = 0x40;
inline constexpr std::uint8_t kBrkAck = 0x60;

}  // namespace modem::v42
