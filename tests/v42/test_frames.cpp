// SPDX-License-Identifier: MIT
/// \file
/// Tests of the LAPM frame codec: every frame type encoded to the octets V.42 gives and decoded
/// back, the C/R convention, malformed control fields, and the XID negotiation field.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "modem/v42/frames.hpp"

using namespace modem::v42;

namespace {

std::vector<std::uint8_t> enc(const Frame& f) {
    std::array<std::uint8_t, 300> buf{};
    const auto n = encode(f, buf);
    return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)};
}

Frame make(FrameType t, bool pf, std::uint8_t ns = 0, std::uint8_t nr = 0) {
    Frame f;
    f.address = make_address(true);
    f.type = t;
    f.pf = pf;
    f.ns = ns;
    f.nr = nr;
    return f;
}

}  // namespace

TEST_CASE("Frames: address octet carries DLCI, C/R and EA as V.42 8.1.2 lays them out") {
    CHECK(make_address(true) == 0x03);
    CHECK(make_address(false) == 0x01);
    CHECK(make_address(false, 5) == 0x15);
    CHECK(address_dlci(0x15) == 5);
    // Originator's commands and answerer's responses have C/R = 1.
    CHECK(is_command(make_address(command_cr(true)), true));
    CHECK_FALSE(is_command(make_address(response_cr(true)), true));
    CHECK(is_command(make_address(command_cr(false)), false));
    CHECK(make_address(command_cr(false)) == make_address(response_cr(true)));
}

TEST_CASE("Frames: every U frame encodes to its V.42 control octet, with and without P/F") {
    struct Case {
        FrameType t;
        std::uint8_t ctl;
    };
    for (const Case c : {Case{FrameType::SABME, 0x6F}, Case{FrameType::UA, 0x63}, Case{FrameType::DM, 0x0F},
                         Case{FrameType::DISC, 0x43}, Case{FrameType::FRMR, 0x87}, Case{FrameType::XID, 0xAF},
                         Case{FrameType::UI, 0x03}, Case{FrameType::TEST, 0xE3}}) {
        CAPTURE(to_string(c.t));
        for (bool pf : {false, true}) {
            const auto o = enc(make(c.t, pf));
            CHECK(o == std::vector<std::uint8_t>{0x03, static_cast<std::uint8_t>(c.ctl | (pf ? 0x10 : 0))});
            Frame d;
            REQUIRE(decode(o, d));
            CHECK(d.type == c.t);
            CHECK(d.pf == pf);
            CHECK(d.address == 0x03);
            CHECK(d.info.empty());
        }
    }
}

TEST_CASE("Frames: S frames carry N(R) and P/F in the second control octet") {
    struct Case {
        FrameType t;
        std::uint8_t ctl;
    };
    for (const Case c : {Case{FrameType::RR, 0x01}, Case{FrameType::RNR, 0x05}, Case{FrameType::REJ, 0x09},
                         Case{FrameType::SREJ, 0x0D}}) {
        CAPTURE(to_string(c.t));
        for (std::uint8_t nr : {0, 1, 64, 127})
            for (bool pf : {false, true}) {
                const auto o = enc(make(c.t, pf, 0, nr));
                CHECK(o == std::vector<std::uint8_t>{0x03, c.ctl, static_cast<std::uint8_t>((nr << 1) | (pf ? 1 : 0))});
                Frame d;
                REQUIRE(decode(o, d));
                CHECK(d.type == c.t);
                CHECK(d.nr == nr);
                CHECK(d.pf == pf);
            }
    }
}

TEST_CASE("Frames: I frames carry N(S), N(R), P and the information field") {
    const std::vector<std::uint8_t> info{1, 2, 3, 0x7E, 0xFF};
    Frame f = make(FrameType::I, true, 5, 9);
    f.info = info;
    const auto o = enc(f);
    CHECK(o == std::vector<std::uint8_t>{0x03, 0x0A, 0x13, 1, 2, 3, 0x7E, 0xFF});
    Frame d;
    REQUIRE(decode(o, d));
    CHECK(d.type == FrameType::I);
    CHECK(d.ns == 5);
    CHECK(d.nr == 9);
    CHECK(d.pf);
    CHECK(std::vector<std::uint8_t>(d.info.begin(), d.info.end()) == info);
    // Extremes of the modulo-128 numbers.
    f = make(FrameType::I, false, 127, 127);
    f.info = info;
    const auto o2 = enc(f);
    REQUIRE(decode(o2, d));
    CHECK(d.ns == 127);
    CHECK(d.nr == 127);
    CHECK_FALSE(d.pf);
}

TEST_CASE("Frames: UI, XID, TEST and FRMR keep their information field") {
    const std::vector<std::uint8_t> info{kBrk, 5};
    for (auto t : {FrameType::UI, FrameType::XID, FrameType::TEST, FrameType::FRMR}) {
        Frame f = make(t, false);
        f.info = info;
        const auto o = enc(f);
        Frame d;
        REQUIRE(decode(o, d));
        CHECK(d.type == t);
        CHECK(std::vector<std::uint8_t>(d.info.begin(), d.info.end()) == info);
    }
}

TEST_CASE("Frames: malformed octets are refused") {
    Frame d;
    CHECK_FALSE(decode(std::vector<std::uint8_t>{0x03}, d));              // no control
    CHECK_FALSE(decode(std::vector<std::uint8_t>{0x02, 0x6F}, d));        // EA = 0
    CHECK_FALSE(decode(std::vector<std::uint8_t>{0x03, 0x01}, d));        // S frame, one octet
    CHECK_FALSE(decode(std::vector<std::uint8_t>{0x03, 0x00}, d));        // I frame, one octet
    CHECK_FALSE(decode(std::vector<std::uint8_t>{0x03, 0x11, 0x00}, d));  // S type 0x11 unused
    CHECK_FALSE(decode(std::vector<std::uint8_t>{0x03, 0x01, 0x00, 0x55}, d));  // RR with data
    CHECK_FALSE(decode(std::vector<std::uint8_t>{0x03, 0x63, 0x55}, d));        // UA with data
    CHECK_FALSE(decode(std::vector<std::uint8_t>{0x03, 0x27}, d));              // unknown U
    std::array<std::uint8_t, 2> small{};
    CHECK(encode(make(FrameType::RR, false), small) == 0);
}

TEST_CASE("Xid: V.42 defaults encode to the ISO 8885 octets and parse back") {
    const XidParams p{.n401_tx = 128, .n401_rx = 128, .k_tx = 15, .k_rx = 15, .has_optional = true, .srej = true,
                      .fcs32 = false};
    std::array<std::uint8_t, 64> buf{};
    const auto n = encode_xid(p, buf);
    // FI 82, GI 80, GL 00 13; optional functions: REJ(2) SREJ(3) UI(4) ext.addr(8) = 0x8E,
    // modulo 128 (12) TEST(14) FCS-16(16) = 0xA8, nothing in bits 17-24; N401 = 1024 bits.
    const std::vector<std::uint8_t> expect{0x82, 0x80, 0x00, 0x13, 0x03, 0x03, 0x8E, 0xA8, 0x00, 0x05, 0x02, 0x04,
                                           0x00, 0x06, 0x02, 0x04, 0x00, 0x07, 0x01, 0x0F, 0x08, 0x01, 0x0F};
    CHECK(std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)) == expect);
    XidParams q;
    REQUIRE(parse_xid(std::span(buf.data(), n), q));
    CHECK(q == p);
    // FCS-32 is bit 17: the first bit of the third octet.
    XidParams p32 = p;
    p32.fcs32 = true;
    encode_xid(p32, buf);
    CHECK(buf[8] == 0x01);
    REQUIRE(parse_xid(std::span(buf.data(), n), q));
    CHECK(q.fcs32);
}

TEST_CASE("Xid: unknown groups and parameters are skipped, bad lengths refused") {
    // A private group (GI F0, as V.42bis uses) before ours, and an unknown PI 0x09 inside ours.
    const std::vector<std::uint8_t> info{0x82, 0xF0, 0x00, 0x03, 0x00, 0x01, 0x02, 0x80, 0x00, 0x07,
                                         0x09, 0x01, 0x33, 0x08, 0x01, 0x07, 0x00};
    XidParams q;
    // The last 0x00 is a stray octet past our group: the group header read fails.
    CHECK_FALSE(parse_xid(info, q));
    const std::vector<std::uint8_t> good(info.begin(), info.end() - 1);
    // GL 7 covers 09 01 33 08 01 07 and one octet too many: refused.
    CHECK_FALSE(parse_xid(good, q));
    std::vector<std::uint8_t> fixed = good;
    fixed[9] = 0x06;
    REQUIRE(parse_xid(fixed, q));
    CHECK(q.k_rx == 7);
    CHECK(q.n401_tx == 0);
    CHECK_FALSE(q.has_optional);
    CHECK_FALSE(parse_xid(std::vector<std::uint8_t>{0x81, 0x80, 0x00, 0x00}, q));
    CHECK_FALSE(parse_xid(std::vector<std::uint8_t>{0x82, 0x80, 0x00, 0x09, 0x05}, q));
}
