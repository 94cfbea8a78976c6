// SPDX-License-Identifier: MIT
/// \file
/// The decoder on a synthetic fax answerer: CED, then V.21 channel 2 at 300 bit/s carrying HDLC
/// flags and the T.30 CSI and DIS frames, framed by the naive HDLC framer of naive_hdlc.hpp (zero
/// insertion, CRC-16 bit by bit) so the truth does not come from the decoder's own HDLC code.
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "modem/decode/decoder.hpp"
#include "modem/v21/fsk_tx.hpp"
#include "naive_hdlc.hpp"
#include "support/noise.hpp"

namespace {

namespace decode = modem::decode;
using test::naive_fcs;
using test::push_flag;
using test::push_frame;

/// T.30 octet as sent LSB first from the T.30 notation (first bit = most significant).
std::uint8_t t30(std::uint8_t v) {
    std::uint8_t r = 0;
    for (int i = 0; i < 8; ++i) r = static_cast<std::uint8_t>(r | (((v >> i) & 1u) << (7 - i)));
    return r;
}

/// DIS information field with T.30 Table 2 bits (numbered from 1 in the order sent) set.
std::vector<std::uint8_t> fif(std::initializer_list<int> set_bits, std::size_t octets) {
    std::vector<std::uint8_t> f(octets, 0);
    for (int n : set_bits) f[static_cast<std::size_t>(n - 1) / 8] |= static_cast<std::uint8_t>(1u << ((n - 1) % 8));
    return f;
}

std::vector<const decode::Event*> of_kind(const std::vector<decode::Event>& ev, decode::Kind k) {
    std::vector<const decode::Event*> out;
    for (const auto& e : ev)
        if (e.kind == k) out.push_back(&e);
    return out;
}

}  // namespace

TEST_CASE("naive FCS: CRC-16/X.25 check value") {
    const std::string s = "123456789";
    CHECK(naive_fcs(std::vector<std::uint8_t>(s.begin(), s.end())) == 0x906E);
}

TEST_CASE("Decoder: fax answerer's CED, V.21 channel 2 HDLC flags, CSI and DIS decoded, bad FCS flagged") {
    constexpr double kFs = 8000.0;
    std::vector<float> x(static_cast<std::size_t>(0.3 * kFs), 0.0f);
    // CED: 2100 Hz (T.30 / V.25), 2.6 s at about -13 dBm0.
    for (int n = 0; n < static_cast<int>(2.6 * kFs); ++n)
        x.push_back(static_cast<float>(0.22 * std::sin(2.0 * std::numbers::pi * 2100.0 * n / kFs)));
    x.resize(x.size() + static_cast<std::size_t>(0.075 * kFs), 0.0f);  // T.30: 75 ms silence
    // T.30 5.3.1: about 1 s of flags, then NSF/CSI/DIS; the final frame has control 0x13.
    std::vector<std::uint8_t> bits;
    for (int i = 0; i < 38; ++i) push_flag(bits);
    const std::string id = "+44 1234 567890";  // sent last character first (T.30 5.3.6.2.4)
    std::vector<std::uint8_t> csi{0xFF, 0x03, t30(0x02)};
    for (auto it = id.rbegin(); it != id.rend(); ++it) csi.push_back(static_cast<std::uint8_t>(*it));
    push_frame(bits, csi);
    std::vector<std::uint8_t> dis{0xFF, 0x13, t30(0x01)};
    const auto f = fif({10, 12, 15, 16, 27}, 4);  // receive, modem bits 0100, fine, 2-D, ECM
    dis.insert(dis.end(), f.begin(), f.end());
    push_frame(bits, dis);
    for (int i = 0; i < 3; ++i) push_flag(bits);
    push_frame(bits, dis, /*corrupt=*/true);  // a repeat with one FCS bit wrong
    for (int i = 0; i < 3; ++i) push_flag(bits);

    modem::v21::FskTx tx({.channel = modem::v21::Channel::Ch2, .idle = modem::v21::FskTx::Idle::Silence,
                          .queue_capacity = bits.size() + 8});
    for (auto b : bits) REQUIRE(tx.push_bit(b));
    const auto fsk_start = x.size();
    std::vector<float> fsk(static_cast<std::size_t>(static_cast<double>(bits.size()) * kFs / 300.0) + 400);
    tx.process(fsk);
    x.insert(x.end(), fsk.begin(), fsk.end());
    x.resize(x.size() + 4000, 0.0f);
    const auto noise = test::white_noise(x.size(), 30, 0.22 / std::sqrt(2.0) / std::pow(10.0, 25.0 / 20.0));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += noise[i];

    const auto ev = decode::decode(x);
    const auto ced = of_kind(ev, decode::Kind::Ans);
    REQUIRE(ced.size() == 1);
    CHECK(std::fabs(modem::dsp::samples_to_seconds(ced[0]->start) - 0.3) <= 0.05);
    CHECK(of_kind(ev, decode::Kind::HdlcFlags).size() >= 1);
    const auto fr = of_kind(ev, decode::Kind::T30Frame);
    REQUIRE(fr.size() == 3);
    CHECK(std::get<std::string>(*fr[0]->field("fcf")) == "CSI");
    CHECK(std::get<std::string>(*fr[0]->field("id")) == id);
    CHECK(std::get<bool>(*fr[0]->field("fcs_ok")));
    CHECK_FALSE(std::get<bool>(*fr[0]->field("final")));
    CHECK(fr[0]->direction == decode::Direction::Answerer);
    CHECK(std::get<std::string>(*fr[1]->field("fcf")) == "DIS");
    CHECK(std::get<bool>(*fr[1]->field("fcs_ok")));
    CHECK(std::get<bool>(*fr[1]->field("final")));
    CHECK(std::get<std::vector<std::string>>(*fr[1]->field("capabilities")) ==
          std::vector<std::string>{"receive", "fine", "2-D", "ECM"});
    CHECK(std::get<std::string>(*fr[1]->field("modem_bits")) == "0100");
    // FIF octet 2 = bits 9-16: 10 (0x02), 12 (0x08), 15 (0x40), 16 (0x80); octet 4: bit 27 (0x04).
    CHECK(std::get<std::string>(*fr[1]->field("octets")) == "ff 13 80 00 ca 00 04");
    CHECK(std::get<std::string>(*fr[2]->field("fcf")) == "DIS");
    CHECK_FALSE(std::get<bool>(*fr[2]->field("fcs_ok")));
    // Frame times: the CSI starts after the 38 flags (the line lags the bits by the receiver's delay).
    const double csi_at = static_cast<double>(fsk_start) / kFs + 38 * 8 / 300.0;
    CHECK(std::fabs(modem::dsp::samples_to_seconds(fr[0]->start) - csi_at) <= 0.03);
    CHECK(of_kind(ev, decode::Kind::Unknown).empty());
}
