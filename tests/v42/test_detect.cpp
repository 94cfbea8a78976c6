// SPDX-License-Identifier: MIT
/// \file
/// Tests of the V.42 detection phase: the ODP and ADP bit patterns, both roles meeting, T400
/// fall-back for each role, and an answerer that hears plain characters instead of ODP.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "modem/v42/detect.hpp"

using namespace modem::v42;
using modem::dsp::SampleTime;

namespace {

/// Start-stop character (0, 8 bits LSB first, 1) followed by `marks` ones.
std::vector<std::uint8_t> char_bits(std::uint8_t c, int marks) {
    std::vector<std::uint8_t> v{0};
    for (int i = 0; i < 8; ++i) v.push_back(static_cast<std::uint8_t>((c >> i) & 1));
    v.push_back(1);
    for (int i = 0; i < marks; ++i) v.push_back(1);
    return v;
}

constexpr SampleTime kSamplesPerBit = 3;  // about 2400 bit/s (3.33 samples per bit)

}  // namespace

TEST_CASE("Detector: the originator sends DC1 with even then odd parity, each followed by marks") {
    Detector d({.originator = true});
    d.start(0);
    std::vector<std::uint8_t> bits;
    for (int i = 0; i < 40; ++i) bits.push_back(d.next_bit(i));
    auto expect = char_bits(0x11, 10);
    const auto odd = char_bits(0x91, 10);
    expect.insert(expect.end(), odd.begin(), odd.end());
    CHECK(bits == expect);
}

TEST_CASE("Detector: originator and answerer meet: ADP after ODP, both end in Lapm well inside T400") {
    Detector o({.originator = true}), a({.originator = false});
    o.start(0);
    a.start(0);
    std::vector<std::uint8_t> from_a;
    SampleTime now = 0;
    SampleTime o_done = -1, a_done = -1;
    for (; now < modem::dsp::ms_to_samples(1000); now += kSamplesPerBit) {
        const auto x = o.next_bit(now), y = a.next_bit(now);
        if (a.state() == DetectState::SendAdp) from_a.push_back(y);
        a.push_bit(now, x);
        o.push_bit(now, y);
        if (o.done() && o_done < 0) o_done = now;
        if (a.done() && a_done < 0) a_done = now;
    }
    CHECK(o.state() == DetectState::Lapm);
    CHECK(a.state() == DetectState::Lapm);
    CHECK(o_done < modem::dsp::ms_to_samples(750));
    CHECK(a_done < modem::dsp::ms_to_samples(750));
    // What the answerer sent in SendAdp: 'E' + marks, 'C' + marks, ten times.
    std::vector<std::uint8_t> adp;
    for (int i = 0; i < 10; ++i) {
        const auto e = char_bits('E', 10), c = char_bits('C', 10);
        adp.insert(adp.end(), e.begin(), e.end());
        adp.insert(adp.end(), c.begin(), c.end());
    }
    REQUIRE(from_a.size() >= adp.size());
    CHECK(std::vector<std::uint8_t>(from_a.begin(), from_a.begin() + static_cast<std::ptrdiff_t>(adp.size())) == adp);
}

TEST_CASE("Detector: each role falls back to async at T400 when the far end only sends marks") {
    for (bool originator : {true, false}) {
        CAPTURE(originator);
        Detector d({.originator = originator});
        d.start(1000);
        SampleTime now = 1000;
        for (; !d.done(); now += 1) {
            d.next_bit(now);
            d.push_bit(now, 1);
        }
        CHECK(d.state() == DetectState::Async);
        CHECK(now - 1 == 1000 + modem::dsp::ms_to_samples(750));
    }
}

TEST_CASE("Detector: an answerer hearing plain characters falls back at once") {
    Detector d({.originator = false});
    d.start(0);
    SampleTime now = 0;
    for (char c : std::string("hello")) {
        for (auto b : char_bits(static_cast<std::uint8_t>(c), 0)) d.push_bit(now++, b);
    }
    CHECK(d.state() == DetectState::Async);
    CHECK(now < modem::dsp::ms_to_samples(750));
}

TEST_CASE("Detector: one noisy DC1 pair is not enough; an answerer needs two") {
    Detector d({.originator = false});
    d.start(0);
    SampleTime now = 0;
    auto send = [&](std::uint8_t c) {
        for (auto b : char_bits(c, 10)) d.push_bit(now++, b);
    };
    send(kOdpEven);
    send(kOdpOdd);
    CHECK(d.state() == DetectState::WaitOdp);
    send(kOdpEven);
    send(kOdpOdd);
    CHECK(d.state() == DetectState::SendAdp);
}
