// SPDX-License-Identifier: MIT
/// \file
/// The decoder on a V.22 answerer whose data is V.42: the ADP detection pattern in start-stop
/// characters, then HDLC (naive framer of naive_hdlc.hpp) carrying an XID response, UA, two I
/// frames with text and one I frame with a bad FCS, over our V.22bis transmitter at 1200 bit/s.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "modem/decode/decoder.hpp"
#include "modem/v22bis/tx.hpp"
#include "naive_hdlc.hpp"
#include "support/noise.hpp"

namespace {

namespace decode = modem::decode;
namespace v22 = modem::v22bis;

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<const decode::Event*> of_kind(const std::vector<decode::Event>& ev, decode::Kind k) {
    std::vector<const decode::Event*> out;
    for (const auto& e : ev)
        if (e.kind == k) out.push_back(&e);
    return out;
}

template <class T>
const T& field(const decode::Event& e, const char* name) {
    const auto* v = e.field(name);
    REQUIRE(v != nullptr);
    return std::get<T>(*v);
}

}  // namespace

TEST_CASE("Decoder: V.42 in V.22 data: ADP, XID with its parameters, UA, I frames with payload, FCS error") {
    // Line bits of the answerer's data, in time order.
    std::vector<std::uint8_t> bits(60, 1);
    for (int i = 0; i < 10; ++i) {  // V.42 8.2: ADP = 'E', marks, 'C', marks, at least ten times
        test::push_char(bits, 'E', 8);
        test::push_char(bits, 'C', 8);
    }
    for (int i = 0; i < 10; ++i) test::push_flag(bits);
    // The answerer (not the originator) sends responses with C/R = 1 and commands with C/R = 0
    // (V.42 8.1.2.2): addresses 0x03 and 0x01 for DLCI 0.
    // XID response, F = 1 (control 0xAF | 0x10, ISO 13239): format 0x82, parameter group 0x80
    // with length 14: N401 tx/rx = 1024 bits (128 octets), k tx/rx = 15 (ISO/IEC 8885).
    test::push_frame(bits, {0x03, 0xBF, 0x82, 0x80, 0x00, 0x0E, 0x05, 0x02, 0x04, 0x00, 0x06, 0x02, 0x04, 0x00,
                            0x07, 0x01, 0x0F, 0x08, 0x01, 0x0F});
    for (int i = 0; i < 4; ++i) test::push_flag(bits);
    test::push_frame(bits, {0x03, 0x73});  // UA response, F = 1 (0x63 | 0x10)
    for (int i = 0; i < 4; ++i) test::push_flag(bits);
    // I commands: control N(S) << 1 (bit 1 = 0), then N(R) << 1 | P.
    auto i0 = std::vector<std::uint8_t>{0x01, 0x00, 0x00};
    const auto t0 = bytes("Hello over LAPM\r\n");
    i0.insert(i0.end(), t0.begin(), t0.end());
    test::push_frame(bits, i0);
    auto i1 = std::vector<std::uint8_t>{0x01, 0x02, 0x00};
    const auto t1 = bytes("second\tframe \x01");
    i1.insert(i1.end(), t1.begin(), t1.end());
    test::push_frame(bits, i1);
    auto i2 = std::vector<std::uint8_t>{0x01, 0x04, 0x00};
    const auto t2 = bytes("lost");
    i2.insert(i2.end(), t2.begin(), t2.end());
    test::push_frame(bits, i2, /*corrupt=*/true);
    for (int i = 0; i < 30; ++i) test::push_flag(bits);

    // Answerer: 0.3 s silence, USB1 0.6 s, SB1 at 1200 0.5 s, then the data (V.22 handshake shape).
    v22::Tx tx({.role = v22::Role::Answerer});
    std::size_t next = 0;
    tx.set_bit_source([&]() -> std::uint8_t { return next < bits.size() ? bits[next++] : 1; });
    std::vector<float> x;
    auto run = [&](v22::TxSignal sig, double secs) {
        tx.set_signal(sig);
        std::vector<float> b(static_cast<std::size_t>(secs * 8000.0));
        tx.process(b);
        x.insert(x.end(), b.begin(), b.end());
    };
    run(v22::TxSignal::Silence, 0.3);
    run(v22::TxSignal::UnscrambledOnes, 0.6);
    run(v22::TxSignal::ScrambledOnes1200, 0.5);
    run(v22::TxSignal::Data1200, static_cast<double>(bits.size()) / 1200.0 + 0.1);
    run(v22::TxSignal::Silence, 0.3);
    REQUIRE(next == bits.size());
    const auto n = test::white_noise(x.size(), 42, 0.01);  // about 30 dB SNR
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += n[i];

    const auto ev = decode::decode(x);
    const auto lapm = of_kind(ev, decode::Kind::LapmFrame);
    REQUIRE(lapm.size() == 6);
    CHECK(field<std::string>(*lapm[0], "frame") == "ADP");
    CHECK(field<std::int64_t>(*lapm[0], "characters") == 20);
    CHECK(field<std::string>(*lapm[1], "frame") == "XID");
    CHECK_FALSE(field<bool>(*lapm[1], "command"));
    CHECK(field<std::vector<std::string>>(*lapm[1], "params") ==
          std::vector<std::string>{"N401 tx 128", "N401 rx 128", "k tx 15", "k rx 15"});
    CHECK(field<std::string>(*lapm[2], "frame") == "UA");
    CHECK(field<bool>(*lapm[2], "pf"));
    CHECK(field<std::string>(*lapm[3], "frame") == "I");
    CHECK(field<bool>(*lapm[3], "command"));
    CHECK(field<std::int64_t>(*lapm[3], "ns") == 0);
    CHECK(field<std::string>(*lapm[3], "text") == "Hello over LAPM\\r\\n");
    CHECK(field<std::int64_t>(*lapm[4], "ns") == 1);
    CHECK(field<std::string>(*lapm[4], "text") == "second\\tframe \\x01");
    CHECK(field<bool>(*lapm[4], "fcs_ok"));
    CHECK_FALSE(field<bool>(*lapm[5], "fcs_ok"));
    for (const auto* e : lapm) CHECK(e->direction == decode::Direction::Answerer);
    // Frames in time order, inside the data segment, which reads as LAPM with the I payload.
    for (std::size_t i = 1; i < lapm.size(); ++i) CHECK(lapm[i]->start >= lapm[i - 1]->end - 8);
    const auto data = of_kind(ev, decode::Kind::Data);
    REQUIRE(data.size() == 1);
    CHECK(field<std::string>(*data[0], "format") == "LAPM");
    CHECK(field<std::int64_t>(*data[0], "lapm_frames") == 4);
    CHECK(field<std::string>(*data[0], "text") == "Hello over LAPM\\r\\nsecond\\tframe \\x01");
    CHECK(field<std::int64_t>(*data[0], "bytes") == static_cast<std::int64_t>(t0.size() + t1.size()));
    CHECK_FALSE(field<bool>(*data[0], "truncated"));
    CHECK(lapm[0]->start >= data[0]->start - 100);
    CHECK(lapm.back()->end <= data[0]->end);
}
