// SPDX-License-Identifier: MIT
/// \file
/// Tests of the V.8 message codec: exact bit strings (protocols.md 3.8), category round trips,
/// unknown-category skipping, the bit-level deframer (CM, CI, CJ, V.92 packets) and JM building.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "modem/v8/messages.hpp"

using namespace modem::v8;

namespace {

/// Bits of a string like "1111111111 0000001111" (spaces ignored).
std::vector<std::uint8_t> bits_of(std::string_view s) {
    std::vector<std::uint8_t> v;
    for (char c : s) {
        if (c == '0' || c == '1') v.push_back(static_cast<std::uint8_t>(c - '0'));
    }
    return v;
}

/// Every message the deframer reports for `bits`, time stamp of bit i = 100 * i.
std::vector<Received> deframe(const std::vector<std::uint8_t>& bits, bool flush_at_end = true) {
    Deframer d;
    std::vector<Received> out;
    for (std::size_t i = 0; i < bits.size(); ++i) {
        if (const Received* r = d.push(bits[i], static_cast<SampleTime>(100 * i))) out.push_back(*r);
    }
    if (flush_at_end) {
        if (const Received* r = d.flush()) out.push_back(*r);
    }
    return out;
}

void append(std::vector<std::uint8_t>& v, const std::vector<std::uint8_t>& more) {
    for (auto b : more) v.push_back(b);
}

Menu v22bis_v21_menu(bool lapm = false) {
    return Menu{.call_function = CallFunction::VSeries,
                .modulations = {Modulation::V22bis, Modulation::V21},
                .lapm = lapm};
}

}  // namespace

TEST_CASE("V8 codec: CM for V.22bis + V.21 is the bit string of protocols.md 3.8") {
    const Units cm = frame_message(Sync::CmJm, encode_menu(v22bis_v21_menu()));
    CHECK(to_bit_string(cm) == "1111111111 0000001111 0100000111 0101000001 0010010001 0000010011");
    CHECK(to_bits(cm).size() == 60);  // 200.0 ms at 300 bit/s
    CHECK(encode_menu(v22bis_v21_menu()) == Octets{0xC1, 0x05, 0x12, 0x90});
}

TEST_CASE("V8 codec: CM offering LAPM appends 0010101001 (octet 0x2A)") {
    const Units cm = frame_message(Sync::CmJm, encode_menu(v22bis_v21_menu(true)));
    CHECK(to_bit_string(cm) == "1111111111 0000001111 0100000111 0101000001 0010010001 0000010011 0010101001");
    CHECK(encode_menu(v22bis_v21_menu(true)) == Octets{0xC1, 0x05, 0x12, 0x90, 0x2A});
}

TEST_CASE("V8 codec: CI and CJ bit strings") {
    CHECK(to_bit_string(frame_message(Sync::Ci, encode_ci(CallFunction::VSeries))) == "1111111111 0000000001 0100000111");
    CHECK(to_bit_string(cj_units()) == "0000000001 0000000001 0000000001");
    CHECK(to_bit_string(frame_message(Sync::V92, Octets{0x00})) == "1111111111 0101010101 0000000001");
}

TEST_CASE("V8 codec: spandsp's logged CM c1 05 12 90 2a decodes to V.22bis + V.21 with LAPM") {
    const Octets o{0xC1, 0x05, 0x12, 0x90, 0x2A};
    const auto r = decode_menu(o.view());
    REQUIRE(r.ok);
    CHECK(r.menu.call_function == CallFunction::VSeries);
    CHECK(r.menu.modulations == ModulationSet{Modulation::V22bis, Modulation::V21});
    CHECK(r.menu.modulation_octets == 3);
    CHECK(r.menu.lapm);
    CHECK(r.menu.skipped_categories == 0);
}

TEST_CASE("V8 codec: each modulation mode sits on its own bit (V.8 Table 2)") {
    struct Case {
        Modulation m;
        Octets octets;
    };
    const Case cases[] = {
        {Modulation::Pcm, {0xC1, 0x25}},          {Modulation::V34, {0xC1, 0x45}},
        {Modulation::V34Hdx, {0xC1, 0x85}},       {Modulation::V32bis, {0xC1, 0x05, 0x11}},
        {Modulation::V22bis, {0xC1, 0x05, 0x12}}, {Modulation::V17, {0xC1, 0x05, 0x14}},
        {Modulation::V29Hdx, {0xC1, 0x05, 0x50}}, {Modulation::V27ter, {0xC1, 0x05, 0x90}},
        {Modulation::V26ter, {0xC1, 0x05, 0x10, 0x11}}, {Modulation::V26bis, {0xC1, 0x05, 0x10, 0x12}},
        {Modulation::V23, {0xC1, 0x05, 0x10, 0x14}},    {Modulation::V23Hdx, {0xC1, 0x05, 0x10, 0x50}},
        {Modulation::V21, {0xC1, 0x05, 0x10, 0x90}},
    };
    for (const auto& c : cases) {
        CAPTURE(to_string(c.m));
        const Menu m{.modulations = {c.m}};
        CHECK(encode_menu(m) == c.octets);
        const auto r = decode_menu(c.octets.view());
        REQUIRE(r.ok);
        CHECK(r.menu.modulations == ModulationSet{c.m});
    }
}

TEST_CASE("V8 codec: round trips of every category") {
    SUBCASE("every call function") {
        for (unsigned v = 0; v < 8; ++v) {
            const Menu m{.call_function = static_cast<CallFunction>(v), .modulations = {Modulation::V22bis}};
            const Octets o = encode_menu(m);
            CHECK(o.data[0] == static_cast<std::uint8_t>(0x01 | (v << 5)));
            const auto r = decode_menu(o.view());
            REQUIRE(r.ok);
            CHECK(r.menu.call_function == m.call_function);
        }
        CHECK(encode_menu({.call_function = CallFunction::T30Tx}).data[0] == 0x81);
        CHECK(encode_menu({.call_function = CallFunction::T30Rx}).data[0] == 0xA1);
    }
    SUBCASE("every subset of modes, with and without LAPM, GSTN access and PCM octets") {
        std::mt19937_64 rng(5);
        for (int i = 0; i < 2000; ++i) {
            Menu m;
            m.modulations = ModulationSet::from_bits(static_cast<std::uint16_t>(rng()));
            m.lapm = (rng() & 1) != 0;
            if (rng() & 1) m.gstn_access = GstnAccess{(rng() & 1) != 0, (rng() & 1) != 0, (rng() & 1) != 0};
            if (rng() & 1) m.pcm = PcmAvailability{(rng() & 1) != 0, (rng() & 1) != 0, (rng() & 1) != 0};
            const auto r = decode_menu(encode_menu(m).view());
            REQUIRE(r.ok);
            Menu expected = m;
            expected.modulation_octets = r.menu.modulation_octets;  // filled in by the decoder
            CHECK(r.menu == expected);
            // Re-encoding with the received octet count reproduces the octets exactly.
            CHECK(encode_menu(r.menu) == encode_menu(m));
        }
    }
    SUBCASE("GSTN access and PCM option bits") {
        const Menu m{.modulations = {Modulation::V34},
                     .gstn_access = GstnAccess{.call_cellular = true, .answer_cellular = false, .digital = true},
                     .pcm = PcmAvailability{.v90_analogue = false, .v90_digital = true, .v91 = false}};
        CHECK(encode_menu(m) == Octets{0xC1, 0x45, 0xAD, 0x47});
    }
    SUBCASE("padding to a given number of modulation octets") {
        const Menu m{.modulations = {Modulation::V34}, .modulation_octets = 3};
        CHECK(encode_menu(m) == Octets{0xC1, 0x45, 0x10, 0x10});
        const auto r = decode_menu(encode_menu(m).view());
        REQUIRE(r.ok);
        CHECK(r.menu.modulation_octets == 3);
    }
}

TEST_CASE("V8 codec: unknown categories and their extension octets are skipped") {
    // T.66 (0x0E) with an extension, NSF (0x0F) with two, an unknown tag 0x1B (b4 set but not an
    // extension pattern), and a protocols octet with value 2 (not LAPM): all skipped.
    const Octets o{0xC1, 0x0E, 0x13, 0x05, 0x12, 0x90, 0x0F, 0x10, 0x57, 0x1B, 0x4A, 0x2A};
    const auto r = decode_menu(o.view());
    REQUIRE(r.ok);
    CHECK(r.menu.modulations == ModulationSet{Modulation::V22bis, Modulation::V21});
    CHECK(r.menu.modulation_octets == 3);  // the NSF extensions were not taken as modulation octets
    CHECK(r.menu.lapm);
    CHECK(r.menu.skipped_categories == 4);
    CHECK(r.menu.skipped_extensions == 3);
    // A fourth modulation extension octet (not defined today) is counted and skipped.
    const auto r4 = decode_menu(Octets{0xC1, 0x05, 0x12, 0x90, 0x13}.view());
    REQUIRE(r4.ok);
    CHECK(r4.menu.modulation_octets == 4);
    CHECK(r4.menu.skipped_extensions == 1);
    CHECK(r4.menu.modulations == ModulationSet{Modulation::V22bis, Modulation::V21});
}

TEST_CASE("V8 codec: malformed bodies are rejected with a reason") {
    CHECK_FALSE(decode_menu({}).ok);
    CHECK_FALSE(decode_menu(Octets{0x12, 0xC1, 0x05}.view()).ok);          // starts with an extension
    CHECK_FALSE(decode_menu(Octets{0x05, 0x12}.view()).ok);                // no call function
    const auto r = decode_menu(Octets{0xC1}.view());                       // CI body as a CM
    CHECK_FALSE(r.ok);
    CHECK(std::string_view(r.error) == "V.8 CM/JM has no modulation-modes category");
    CHECK(decode_menu(Octets{0xC1}.view(), /*require_modulation=*/false).ok);  // fine as a CI
}

TEST_CASE("V8 codec: JM is the intersection of CM with our capabilities") {
    const Menu cm{.call_function = CallFunction::VSeries,
                  .modulations = {Modulation::V34, Modulation::V32bis, Modulation::V22bis, Modulation::V21, Modulation::Pcm},
                  .modulation_octets = 3,
                  .lapm = true,
                  .gstn_access = GstnAccess{},
                  .pcm = PcmAvailability{.v90_analogue = true}};
    const Capabilities ours{};  // V.22bis + V.21, no LAPM
    const Menu jm = build_jm(cm, ours);
    CHECK(jm.call_function == CallFunction::VSeries);
    CHECK(jm.modulations == ModulationSet{Modulation::V22bis, Modulation::V21});
    CHECK(jm.modulation_octets == 3);
    CHECK_FALSE(jm.lapm);
    REQUIRE(jm.pcm.has_value());
    CHECK(*jm.pcm == PcmAvailability{});
    CHECK(jm.modulations.best() == Modulation::V22bis);
    CHECK(encode_menu(jm) == Octets{0xC1, 0x05, 0x12, 0x90, 0x07});

    // LAPM only when both have it; V.34 preferred over V.22bis when common.
    const Menu jm2 = build_jm(cm, Capabilities{.modulations = {Modulation::V22bis, Modulation::V34}, .lapm = true});
    CHECK(jm2.lapm);
    CHECK(jm2.modulations.best() == Modulation::V34);
    // A call function we do not accept leaves no common mode.
    const Menu fax{.call_function = CallFunction::T30Tx, .modulations = {Modulation::V22bis}};
    CHECK(build_jm(fax, ours).modulations.empty());
    // No common mode at all.
    CHECK(build_jm(Menu{.modulations = {Modulation::V34}}, ours).modulations.empty());
    CHECK_FALSE(ModulationSet{}.best().has_value());
    CHECK(ModulationSet{Modulation::V21, Modulation::V22bis}.to_string() == "V.22bis,V.21");
}

TEST_CASE("V8 deframer: finds repeated CMs in a bit stream after junk, and CJ") {
    std::vector<std::uint8_t> bits = bits_of("0110100111010001011");  // junk before
    const auto cm = to_bits(frame_message(Sync::CmJm, encode_menu(v22bis_v21_menu(true))));
    append(bits, cm);
    append(bits, cm);
    const std::size_t third = bits.size();
    append(bits, std::vector<std::uint8_t>(cm.begin(), cm.begin() + 35));  // caller finishes an octet
    append(bits, to_bits(cj_units()));
    append(bits, std::vector<std::uint8_t>(40, 1));

    const auto got = deframe(bits);
    REQUIRE(got.size() == 3);
    CHECK(got[0].kind == Received::Kind::CmJm);
    CHECK(got[0].octets == Octets{0xC1, 0x05, 0x12, 0x90, 0x2A});
    CHECK(got[0].start == 100 * 19);                    // first preamble bit
    CHECK(got[0].end == 100 * (19 + 70 - 1));           // last stop bit
    CHECK(got[1].kind == Received::Kind::CmJm);
    CHECK(got[1].octets == got[0].octets);
    CHECK(got[2].kind == Received::Kind::Cj);           // the cut third CM is not reported
    CHECK(got[2].start == static_cast<SampleTime>(100 * (third + 35)));
    CHECK(got[2].end == static_cast<SampleTime>(100 * (third + 35 + 29)));
}

TEST_CASE("V8 deframer: CJ is found right after a preamble or a sync") {
    // The caller's "octet in progress" may be the preamble (then CJ's first unit looks like the
    // CI sync) or the sync itself.
    for (const char* lead : {"1111111111", "1111111111 0000001111", "0100000111"}) {
        CAPTURE(lead);
        auto bits = bits_of(lead);
        append(bits, to_bits(cj_units()));
        append(bits, std::vector<std::uint8_t>(20, 1));
        const auto got = deframe(bits);
        REQUIRE(got.size() == 1);
        CHECK(got[0].kind == Received::Kind::Cj);
    }
}

TEST_CASE("V8 deframer: V.92 quick-connect packets are recognised as such, CMs still found") {
    // spandsp 0.0.6 sends two short V.92 frames (ten ones, sync 0x55, octet 0x00) before CM.
    std::vector<std::uint8_t> bits(25, 1);
    const auto v92 = to_bits(frame_message(Sync::V92, Octets{0x00}));
    append(bits, v92);
    append(bits, v92);
    const auto cm = to_bits(frame_message(Sync::CmJm, encode_menu(v22bis_v21_menu())));
    append(bits, cm);
    append(bits, cm);
    const auto got = deframe(bits);
    REQUIRE(got.size() == 4);
    CHECK(got[0].kind == Received::Kind::V92);
    CHECK(got[0].octets == Octets{0x00});
    CHECK(got[1].kind == Received::Kind::V92);
    CHECK(got[2].kind == Received::Kind::CmJm);
    CHECK(got[3].kind == Received::Kind::CmJm);  // the last one is reported by flush()
    CHECK(got[3].octets == Octets{0xC1, 0x05, 0x12, 0x90});
}

TEST_CASE("V8 deframer: CI bursts, framing errors and carrier loss") {
    const auto ci = to_bits(frame_message(Sync::Ci, encode_ci(CallFunction::VSeries)));
    std::vector<std::uint8_t> bits;
    for (int i = 0; i < 4; ++i) append(bits, ci);
    auto got = deframe(bits);
    REQUIRE(got.size() == 4);
    for (const auto& r : got) {
        CHECK(r.kind == Received::Kind::Ci);
        CHECK(r.octets == Octets{0xC1});
    }

    // A stop bit of 0 drops the message; the next good one is still found.
    auto bad = to_bits(frame_message(Sync::CmJm, encode_menu(v22bis_v21_menu())));
    bad[29] = 0;  // stop bit of the call-function octet
    std::vector<std::uint8_t> stream = bad;
    append(stream, to_bits(frame_message(Sync::CmJm, encode_menu(v22bis_v21_menu()))));
    Deframer d;
    std::vector<Received> out;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        if (const auto* r = d.push(stream[i], static_cast<SampleTime>(i))) out.push_back(*r);
    }
    CHECK(d.framing_errors() == 1);
    CHECK(out.empty());             // the good one is complete only at the flush
    const auto* last = d.flush();
    REQUIRE(last != nullptr);
    CHECK(last->octets == Octets{0xC1, 0x05, 0x12, 0x90});

    // Carrier lost inside an octet: nothing reported.
    auto cut = to_bits(frame_message(Sync::CmJm, encode_menu(v22bis_v21_menu())));
    cut.resize(45);
    CHECK(deframe(cut).empty());
}
