// SPDX-License-Identifier: MIT
/// \file
/// LAPM frame and XID field codec (V.42 section 8, ISO/IEC 8885).
#include "modem/v42/frames.hpp"

namespace modem::v42 {

namespace {

/// S-format first control octets (V.42 8.1.3, modulo 128): 0000 SS01.
constexpr std::uint8_t kCtlRR = 0x01, kCtlRNR = 0x05, kCtlREJ = 0x09, kCtlSREJ = 0x0D;
/// U-format control octets with P/F = 0 (V.42 8.1.3); P/F is bit 5 (0x10).
constexpr std::uint8_t kCtlSABME = 0x6F, kCtlUA = 0x63, kCtlDM = 0x0F, kCtlDISC = 0x43, kCtlFRMR = 0x87,
                       kCtlXID = 0xAF, kCtlUI = 0x03, kCtlTEST = 0xE3;
constexpr std::uint8_t kPfU = 0x10;

bool carries_info(FrameType t) noexcept {
    return t == FrameType::I || t == FrameType::UI || t == FrameType::XID || t == FrameType::FRMR ||
           t == FrameType::TEST;
}

std::uint8_t first_control(const Frame& f) noexcept {
    switch (f.type) {
    case FrameType::I: return static_cast<std::uint8_t>((f.ns & 0x7F) << 1);
    case FrameType::RR: return kCtlRR;
    case FrameType::RNR: return kCtlRNR;
    case FrameType::REJ: return kCtlREJ;
    case FrameType::SREJ: return kCtlSREJ;
    case FrameType::SABME: return kCtlSABME;
    case FrameType::UA: return kCtlUA;
    case FrameType::DM: return kCtlDM;
    case FrameType::DISC: return kCtlDISC;
    case FrameType::FRMR: return kCtlFRMR;
    case FrameType::XID: return kCtlXID;
    case FrameType::UI: return kCtlUI;
    case FrameType::TEST: return kCtlTEST;
    }
    return 0;
}

}  // namespace

std::string_view to_string(FrameType t) noexcept {
    switch (t) {
    case FrameType::I: return "I";
    case FrameType::RR: return "RR";
    case FrameType::RNR: return "RNR";
    case FrameType::REJ: return "REJ";
    case FrameType::SREJ: return "SREJ";
    case FrameType::SABME: return "SABME";
    case FrameType::UA: return "UA";
    case FrameType::DM: return "DM";
    case FrameType::DISC: return "DISC";
    case FrameType::FRMR: return "FRMR";
    case FrameType::XID: return "XID";
    case FrameType::UI: return "UI";
    case FrameType::TEST: return "TEST";
    }
    return "?";
}

std::size_t encode(const Frame& f, std::span<std::uint8_t> out) noexcept {
    const std::size_t info = carries_info(f.type) ? f.info.size() : 0;
    const std::size_t need = (is_numbered(f.type) ? 3 : 2) + info;
    if (out.size() < need) return 0;
    std::size_t n = 0;
    out[n++] = f.address;
    const std::uint8_t c = first_control(f);
    if (is_numbered(f.type)) {
        out[n++] = c;
        out[n++] = static_cast<std::uint8_t>(((f.nr & 0x7F) << 1) | (f.pf ? 1 : 0));
    } else {
        out[n++] = static_cast<std::uint8_t>(c | (f.pf ? kPfU : 0));
    }
    for (std::size_t i = 0; i < info; ++i) out[n++] = f.info[i];
    return n;
}

bool decode(std::span<const std::uint8_t> o, Frame& f) noexcept {
    if (o.size() < 2 || (o[0] & 0x01) == 0) return false;
    f = Frame{};
    f.address = o[0];
    const std::uint8_t c = o[1];
    if ((c & 0x01) == 0 || (c & 0x03) == 0x01) {  // I or S: two control octets
        if (o.size() < 3) return false;
        f.nr = static_cast<std::uint8_t>(o[2] >> 1);
        f.pf = (o[2] & 1) != 0;
        if ((c & 0x01) == 0) {
            f.type = FrameType::I;
            f.ns = static_cast<std::uint8_t>(c >> 1);
            f.info = o.subspan(3);
            return true;
        }
        switch (c) {
        case kCtlRR: f.type = FrameType::RR; break;
        case kCtlRNR: f.type = FrameType::RNR; break;
        case kCtlREJ: f.type = FrameType::REJ; break;
        case kCtlSREJ: f.type = FrameType::SREJ; break;
        default: return false;
        }
        return o.size() == 3;
    }
    f.pf = (c & kPfU) != 0;
    switch (static_cast<std::uint8_t>(c & ~kPfU)) {
    case kCtlSABME: f.type = FrameType::SABME; break;
    case kCtlUA: f.type = FrameType::UA; break;
    case kCtlDM: f.type = FrameType::DM; break;
    case kCtlDISC: f.type = FrameType::DISC; break;
    case kCtlFRMR: f.type = FrameType::FRMR; break;
    case kCtlXID: f.type = FrameType::XID; break;
    case kCtlUI: f.type = FrameType::UI; break;
    case kCtlTEST: f.type = FrameType::TEST; break;
    default: return false;
    }
    f.info = o.subspan(2);
    return carries_info(f.type) || f.info.empty();
}

// ---------------------------------------------------------------- XID

namespace {

struct Writer {
    std::span<std::uint8_t> out;
    std::size_t n = 0;
    bool ok = true;
    void put(std::uint8_t v) noexcept {
        if (n < out.size()) out[n++] = v;
        else ok = false;
    }
    /// PI, PL, then the value most significant octet first (ISO/IEC 8885).
    void param(std::uint8_t pi, std::uint32_t value, int octets) noexcept {
        put(pi);
        put(static_cast<std::uint8_t>(octets));
        for (int i = octets - 1; i >= 0; --i) put(static_cast<std::uint8_t>((value >> (8 * i)) & 0xFF));
    }
};

constexpr std::uint32_t opt_bit(int bit) noexcept {
    // Bit b (1-based) sits in octet (b-1)/8 at position (b-1)%8; octet 0 is sent first, so as a
    // big-endian 24-bit number octet 0 is the top octet.
    const int octet = (bit - 1) / 8;
    return 1u << (8 * (2 - octet) + (bit - 1) % 8);
}

}  // namespace

std::size_t encode_xid(const XidParams& p, std::span<std::uint8_t> out) noexcept {
    Writer w{out};
    w.put(kXidFormat);
    w.put(kXidGroupParams);
    w.put(0);  // group length, filled below
    w.put(0);
    const std::size_t start = w.n;
    if (p.has_optional) {
        std::uint32_t v = opt_bit(kOptRej) | opt_bit(kOptUi) | opt_bit(kOptExtAddress) | opt_bit(kOptModulo128) |
                          opt_bit(kOptTest) | opt_bit(kOptFcs16);
        if (p.srej) v |= opt_bit(kOptSrej);
        if (p.fcs32) v |= opt_bit(kOptFcs32);
        w.param(kPiOptional, v, 3);
    }
    if (p.n401_tx != 0) w.param(kPiN401Tx, static_cast<std::uint32_t>(p.n401_tx) * 8u, 2);
    if (p.n401_rx != 0) w.param(kPiN401Rx, static_cast<std::uint32_t>(p.n401_rx) * 8u, 2);
    if (p.k_tx != 0) w.param(kPiKTx, p.k_tx, 1);
    if (p.k_rx != 0) w.param(kPiKRx, p.k_rx, 1);
    if (!w.ok) return 0;
    const std::size_t gl = w.n - start;
    out[2] = static_cast<std::uint8_t>(gl >> 8);
    out[3] = static_cast<std::uint8_t>(gl & 0xFF);
    return w.n;
}

bool parse_xid(std::span<const std::uint8_t> info, XidParams& p) noexcept {
    p = XidParams{};
    if (info.empty() || info[0] != kXidFormat) return false;
    std::size_t i = 1;
    while (i < info.size()) {
        if (i + 3 > info.size()) return false;
        const std::uint8_t gi = info[i];
        const std::size_t gl = (static_cast<std::size_t>(info[i + 1]) << 8) | info[i + 2];
        i += 3;
        if (i + gl > info.size()) return false;
        if (gi == kXidGroupParams) {
            std::size_t j = i;
            while (j < i + gl) {
                if (j + 2 > i + gl) return false;
                const std::uint8_t pi = info[j];
                const std::size_t pl = info[j + 1];
                j += 2;
                if (j + pl > i + gl) return false;
                std::uint32_t v = 0;
                for (std::size_t k = 0; k < pl && k < 4; ++k) v = (v << 8) | info[j + k];
                switch (pi) {
                case kPiOptional:
                    if (pl == 3) {
                        p.has_optional = true;
                        p.srej = (v & opt_bit(kOptSrej)) != 0;
                        p.fcs32 = (v & opt_bit(kOptFcs32)) != 0;
                    }
                    break;
                case kPiN401Tx: p.n401_tx = static_cast<std::uint16_t>(v / 8); break;
                case kPiN401Rx: p.n401_rx = static_cast<std::uint16_t>(v / 8); break;
                case kPiKTx: p.k_tx = static_cast<std::uint8_t>(v); break;
                case kPiKRx: p.k_rx = static_cast<std::uint8_t>(v); break;
                default: break;
                }
                j += pl;
            }
        }
        i += gl;
    }
    return true;
}

}  // namespace modem::v42
