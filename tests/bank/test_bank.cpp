// SPDX-License-Identifier: MIT
/// \file
/// The multi-channel engine changes speed, never results: a bank's output and received bits equal
/// those of the same modems run one by one, in both conversion layouts; bad use throws.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "dsp/kernels/kernels.hpp"
#include "modem/bank/bank.hpp"

using modem::bank::Bank;
using modem::v22bis::Modem;
using modem::v22bis::Role;

namespace {

constexpr std::size_t kBlock = 160;
constexpr int kCalls = 3;
constexpr int kSteps = 250;  // 5 s of line time: V.22bis handshake (about 2 s) and data

/// Seeded bits for channel c's transmitter, one symbol at a time.
struct Bits {
    std::uint64_t state;
    void fill(std::span<std::uint8_t> bits) {
        for (std::uint8_t& b : bits) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            b = static_cast<std::uint8_t>(state >> 63);
        }
    }
};

struct Run {
    std::vector<std::int16_t> line;                 // every channel's output, step after step
    std::vector<std::vector<std::uint8_t>> bits;    // received bits per channel
    int connected = 0;
};

std::vector<Modem::Config> configs() {
    std::vector<Modem::Config> c;
    for (int i = 0; i < 2 * kCalls; ++i) {
        Modem::Config m{.role = i % 2 == 0 ? Role::Caller : Role::Answerer};
        if (i == 3) m.guard = modem::v22bis::GuardTone::Hz1800;  // channels need not be alike
        if (i == 4) m.max_rate = modem::v22bis::Rate::Bps1200;
        if (i == 5) m.max_rate = modem::v22bis::Rate::Bps1200;
        c.push_back(m);
    }
    return c;
}

/// Each call's two ends hear each other one block later.
void cross(const std::vector<std::int16_t>& out, std::vector<std::int16_t>& in) {
    for (std::size_t c = 0; c + 1 < 2 * kCalls; c += 2) {
        std::copy_n(out.begin() + static_cast<std::ptrdiff_t>(c * kBlock), kBlock, in.begin() + static_cast<std::ptrdiff_t>((c + 1) * kBlock));
        std::copy_n(out.begin() + static_cast<std::ptrdiff_t>((c + 1) * kBlock), kBlock, in.begin() + static_cast<std::ptrdiff_t>(c * kBlock));
    }
}

Run run_bank(Bank::Conversion conv) {
    Bank bank({.channels = configs(), .block = kBlock, .conversion = conv});
    Run r;
    r.bits.resize(bank.channels());
    std::vector<Bits> src(bank.channels());
    for (std::size_t c = 0; c < bank.channels(); ++c) {
        src[c].state = 100 + c;
        bank.modem(c).set_block_source([&src, c](std::span<std::uint8_t> b) { src[c].fill(b); });
        bank.modem(c).set_block_sink([&r, c](std::span<const std::uint8_t> b) { r.bits[c].insert(r.bits[c].end(), b.begin(), b.end()); });
    }
    std::vector<std::int16_t> in(bank.channels() * kBlock, 0), out(in.size());
    for (int s = 0; s < kSteps; ++s) {
        bank.process(in, out);
        r.line.insert(r.line.end(), out.begin(), out.end());
        cross(out, in);
    }
    for (std::size_t c = 0; c < bank.channels(); ++c) r.connected += bank.modem(c).connected() ? 1 : 0;
    return r;
}

/// The reference: the same modems as separate objects, each converting its own block.
Run run_alone() {
    const auto cfg = configs();
    std::vector<std::unique_ptr<Modem>> m;
    for (const auto& c : cfg) m.push_back(std::make_unique<Modem>(c));
    Run r;
    r.bits.resize(m.size());
    std::vector<Bits> src(m.size());
    for (std::size_t c = 0; c < m.size(); ++c) {
        src[c].state = 100 + c;
        m[c]->set_block_source([&src, c](std::span<std::uint8_t> b) { src[c].fill(b); });
        m[c]->set_block_sink([&r, c](std::span<const std::uint8_t> b) { r.bits[c].insert(r.bits[c].end(), b.begin(), b.end()); });
    }
    std::vector<std::int16_t> in(m.size() * kBlock, 0), out(in.size());
    std::vector<float> fin(kBlock), fout(kBlock);
    for (int s = 0; s < kSteps; ++s) {
        for (std::size_t c = 0; c < m.size(); ++c) {
            // Scalar conversion here, independent of the SIMD kernels the bank uses.
            for (std::size_t i = 0; i < kBlock; ++i) fin[i] = static_cast<float>(in[c * kBlock + i]) / 32768.0f;
            m[c]->process(fin, fout);
            for (std::size_t i = 0; i < kBlock; ++i) {
                const float v = std::nearbyint(fout[i] * 32768.0f);
                out[c * kBlock + i] = static_cast<std::int16_t>(std::clamp(v, -32768.0f, 32767.0f));
            }
        }
        r.line.insert(r.line.end(), out.begin(), out.end());
        cross(out, in);
    }
    for (const auto& x : m) r.connected += x->connected() ? 1 : 0;
    return r;
}

}  // namespace

TEST_CASE("Bank: output and received bits equal the same modems run one by one, in both layouts") {
    const Run alone = run_alone();
    REQUIRE(alone.connected == 2 * kCalls);  // every call reached data: the comparison covers data
    for (std::size_t c = 0; c < alone.bits.size(); ++c) CHECK(alone.bits[c].size() > 1000);
    for (Bank::Conversion conv : {Bank::Conversion::PerChannel, Bank::Conversion::Batched}) {
        CAPTURE(conv == Bank::Conversion::Batched);
        const Run bank = run_bank(conv);
        CHECK(bank.connected == alone.connected);
        REQUIRE(bank.line.size() == alone.line.size());
        CHECK(bank.line == alone.line);
        CHECK(bank.bits == alone.bits);
    }
}

TEST_CASE("Bank: modems sit in one array and bad use throws one clear error") {
    CHECK_THROWS_AS(Bank({}), std::invalid_argument);
    CHECK_THROWS_AS(Bank({.channels = configs(), .block = 0}), std::invalid_argument);
    std::vector<Modem::Config> bad = configs();
    bad[0].guard = modem::v22bis::GuardTone::Hz550;  // a caller with a guard tone
    CHECK_THROWS_AS(Bank({.channels = bad}), std::invalid_argument);
    Bank b({.channels = configs()});
    CHECK(b.channels() == 6);
    CHECK(b.slot_bytes() >= sizeof(Modem));
    CHECK(reinterpret_cast<std::uintptr_t>(&b.modem(1)) - reinterpret_cast<std::uintptr_t>(&b.modem(0)) == b.slot_bytes());
    CHECK_THROWS_AS((void)b.modem(6), std::out_of_range);
    std::vector<std::int16_t> in(5 * 160), out(6 * 160);
    CHECK_THROWS_AS(b.process(in, out), std::invalid_argument);
}
