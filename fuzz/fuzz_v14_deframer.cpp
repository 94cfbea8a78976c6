// SPDX-License-Identifier: MIT
/// \file
/// libFuzzer target for the V.14 receive converter: AsyncRx on arbitrary line bits in every
/// character format, and AsyncTx -> AsyncRx carrying arbitrary characters back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "modem/v14/v14.hpp"

namespace v14 = modem::v14;

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_v14_deframer: property failed: %s\n", what);
        std::abort();
    }
}

/// One of the 40 formats (data bits 5..8, five parities, 1 or 2 stop bits) from a byte.
v14::Format format_from(std::uint8_t sel) {
    v14::Format f;
    f.data_bits = 5 + (sel & 3);
    f.parity = static_cast<v14::Parity>((sel >> 2) % 5);
    f.stop_bits = 1 + ((sel >> 5) & 1);
    return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const v14::Format format = format_from(data[0]);
    // 0 = no deletions; else one stop element fewer every 4..11 characters (V.14 overspeed range).
    const int delete_every = (data[1] & 8) != 0 ? 4 + (data[1] & 7) : 0;
    const std::span<const std::uint8_t> body(data + 2, size - 2);
    const unsigned mask = (1u << format.data_bits) - 1u;

    // 1. Arbitrary bits: whatever arrives, each delivered character fits the format and the
    //    counters agree with what the sink saw.
    {
        std::uint64_t chars = 0, breaks = 0, parity = 0, framing = 0;
        v14::AsyncRx rx({.format = format}, [&](const v14::RxChar& c) {
            if (c.is_break) {
                ++breaks;
                require(c.value == 0 && !c.parity_error && !c.framing_error, "a break carries nothing else");
            } else {
                ++chars;
                require((c.value & ~mask) == 0, "a character has only its data bits");
                parity += c.parity_error ? 1 : 0;
                framing += c.framing_error ? 1 : 0;
            }
        });
        for (const std::uint8_t byte : body) {
            for (int b = 0; b < 8; ++b) rx.push_bit(static_cast<std::uint8_t>(byte >> b));
        }
        const auto& s = rx.stats();
        require(s.chars == chars && s.breaks == breaks && s.parity_errors == parity && s.framing_errors == framing,
                "stats count what the sink received");
        require(s.chars <= body.size() * 8 / 2, "never more characters than bits allow");
    }

    // 2. Round trip: the body as characters through the transmitter (with idle marks between
    //    bursts and stop deletions) and the receiver: every character back, in order, clean.
    {
        std::vector<v14::RxChar> got;
        v14::AsyncRx rx({.format = format}, [&](const v14::RxChar& c) { got.push_back(c); });
        v14::AsyncTx tx({.format = format, .queue_capacity = 64, .delete_stop_every = delete_every});
        std::size_t pos = 0;
        std::size_t burst = 0;
        while (pos < body.size() || !tx.idle()) {
            if (pos < body.size() && tx.free_space() > 0) {
                // Burst lengths and idle gaps follow the data so both paths get exercised.
                burst = 1 + (body[pos] % 7);
                const std::size_t n = std::min({burst, body.size() - pos, tx.free_space()});
                pos += tx.push(body.subspan(pos, n));
            }
            const int bits = 1 + static_cast<int>(burst * 3);
            for (int i = 0; i < bits; ++i) rx.push_bit(tx.next_bit());
        }
        for (int i = 0; i < 24; ++i) rx.push_bit(tx.next_bit());  // idle marks end the last character
        require(tx.chars_sent() == body.size(), "the transmitter sent every character");
        require(got.size() == body.size(), "the receiver delivered every character");
        for (std::size_t i = 0; i < got.size(); ++i) {
            require(!got[i].is_break && !got[i].parity_error && !got[i].framing_error, "a clean line gives clean characters");
            require(got[i].value == (body[i] & mask), "characters come back unchanged");
        }
        const std::uint64_t most = delete_every == 0 ? 0 : body.size() / static_cast<std::size_t>(delete_every);
        require(rx.stats().stops_reinserted <= most, "no more re-insertions than deletions");
    }
    return 0;
}
