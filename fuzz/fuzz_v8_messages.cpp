// SPDX-License-Identifier: MIT
/// \file
/// libFuzzer target for the V.8 message codec: decode_menu() on arbitrary octets and the
/// bit-level Deframer on arbitrary bits, with round-trip checks that abort on a mismatch.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "modem/v8/messages.hpp"

namespace v8 = modem::v8;

namespace {

/// Aborts (a libFuzzer crash) with the failed property named.
void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_v8_messages: property failed: %s\n", what);
        std::abort();
    }
}

/// Every field a CM/JM can carry, except the decoding-only counters.
bool same_contents(const v8::Menu& a, const v8::Menu& b) {
    return a.call_function == b.call_function && a.modulations == b.modulations && a.lapm == b.lapm &&
           a.gstn_access == b.gstn_access && a.pcm == b.pcm;
}

/// Decoding, then encoding what was understood and decoding again, keeps the contents.
void check_decode(std::span<const std::uint8_t> octets, bool require_modulation) {
    const v8::DecodeResult r = v8::decode_menu(octets, require_modulation);
    if (!r.ok) {
        require(r.error != nullptr && r.error[0] != '\0', "a failed decode names its error");
        return;
    }
    const v8::Octets again = v8::encode_menu(r.menu);
    const v8::DecodeResult r2 = v8::decode_menu(again.view(), true);
    require(r2.ok, "an encoded menu decodes");
    require(same_contents(r.menu, r2.menu), "decode(encode(menu)) has the menu's contents");
    require(r2.menu.skipped_categories == 0, "encode writes only known categories");
    // JM/CM carry as many modulation octets as received (padded, up to 8: project choice in
    // messages.cpp); those beyond the three V.8 defines are the only extensions skipped.
    const int sent = r2.menu.modulation_octets;
    require(sent >= std::min<int>(r.menu.modulation_octets, 8) && sent <= std::max<int>(3, r.menu.modulation_octets),
            "the number of modulation octets is kept");
    require(r2.menu.skipped_extensions == (sent > 3 ? sent - 3 : 0), "only padding octets are skipped");
    // JM built from the CM must be encodable and decodable too.
    const v8::Menu jm = v8::build_jm(r.menu, v8::Capabilities{});
    const v8::DecodeResult r3 = v8::decode_menu(v8::encode_menu(jm).view(), true);
    require(r3.ok && same_contents(jm, r3.menu), "a JM built from any CM round-trips");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> in(data, size);
    // 1. The octet parser, on the whole input as a message body (CM/JM and CI rules).
    check_decode(in, true);
    check_decode(in, false);

    // 2. The deframer on the input's bits (LSB first), time-stamped one sample apart; every
    //    message it reports is within capacity and in time order.
    v8::Deframer d;
    v8::SampleTime t = 0;
    auto check_received = [&](const v8::Received* r) {
        if (r == nullptr) return;
        require(r->octets.size <= v8::kMaxOctets, "a received message fits its capacity");
        require(r->start <= r->end && r->end <= t, "a message's times are ordered");
        if (r->kind == v8::Received::Kind::Cj) require(r->octets.empty(), "CJ has no octets");
        if (!r->octets.empty()) check_decode(r->octets.view(), r->kind == v8::Received::Kind::CmJm);
    };
    for (const std::uint8_t byte : in) {
        for (int b = 0; b < 8; ++b) {
            check_received(d.push(static_cast<std::uint8_t>((byte >> b) & 1u), t));
            ++t;
        }
    }
    check_received(d.flush());

    // 3. Framing round trip: the input's non-zero octets (up to capacity), framed as a CM after
    //    a stretch of idle marks and followed by marks, come out of a fresh deframer unchanged.
    v8::Octets body;
    for (const std::uint8_t o : in) {
        if (o != 0 && !body.push_back(o)) break;
    }
    if (!body.empty()) {
        const v8::Units units = v8::frame_message(v8::Sync::CmJm, body);
        d.reset();
        t = 0;
        const v8::Received* got = nullptr;
        int found = 0;
        auto feed = [&](std::uint8_t bit) {
            if (const v8::Received* r = d.push(bit, t++); r != nullptr) {
                ++found;
                got = r;
                require(found == 1 && r->kind == v8::Received::Kind::CmJm, "one CM/JM, nothing else");
                require(r->octets == body, "framed octets come back unchanged");
            }
        };
        for (int i = 0; i < 20; ++i) feed(1);
        for (const std::uint16_t u : units.view()) {
            for (int b = 0; b < 10; ++b) feed(static_cast<std::uint8_t>((u >> b) & 1u));
        }
        for (int i = 0; i < 20; ++i) feed(1);
        require(got != nullptr && found == 1, "a framed CM followed by marks is reported");
    }
    return 0;
}
