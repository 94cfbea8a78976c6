// SPDX-License-Identifier: MIT
/// \file
/// Tests of the pump's batched grid steps (v22bis::Modem::process_pieces) and of the session's
/// data phase that uses them: the same line signal, bits, characters and events as step by step.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../support/noise.hpp"
#include "modem/session/session.hpp"
#include "modem/v22bis/modem.hpp"

using namespace modem;

namespace {

constexpr std::size_t kBlock = 160;
constexpr std::size_t kGrid = 8;

/// One end of a pump pair with a random data source and a sink that records (step start, bit).
struct End {
    v22bis::Modem pump;
    std::mt19937_64 rng;
    std::vector<std::pair<std::int64_t, std::uint8_t>> bits;
    std::int64_t call_at = 0;  // line time of the current process call
    bool stamp_by_rx = false;  // stamp with rx_taken() (batched) instead of the call start
    End(v22bis::Role role, std::uint64_t seed) : pump(v22bis::Modem::Config{.role = role}), rng(seed) {
        pump.set_block_source([this](std::span<std::uint8_t> b) {
            for (auto& x : b) x = static_cast<std::uint8_t>(rng() & 1u);
        });
        pump.set_block_sink([this](std::span<const std::uint8_t> b) {
            std::int64_t at = call_at;
            if (stamp_by_rx) {
                const std::int64_t x = call_at + pump.rx_taken() - 1;
                at = std::max(call_at, x - x % static_cast<std::int64_t>(kGrid));
            }
            for (auto x : b) bits.emplace_back(at, x);
        });
    }
};

}  // namespace

TEST_CASE("Modem: process_pieces is process() on each grid piece, returning after a piece with a transition") {
    // Pair A goes step by step (grid pieces of 8, the first up to the grid), pair B batches each
    // block; both lines carry one block of delay. Identical outputs keep the inputs identical.
    End ac(v22bis::Role::Caller, 1), aa(v22bis::Role::Answerer, 2);
    End bc(v22bis::Role::Caller, 1), ba(v22bis::Role::Answerer, 2);
    bc.stamp_by_rx = ba.stamp_by_rx = true;
    std::vector<float> a_c_in(kBlock, 0.0f), a_a_in(kBlock, 0.0f), b_c_in(kBlock, 0.0f), b_a_in(kBlock, 0.0f);
    std::vector<float> a_c_out(kBlock), a_a_out(kBlock), b_c_out(kBlock), b_a_out(kBlock);
    int early_returns = 0, transitions_seen = 0;
    std::int64_t t = 0;
    // Blocks of 160 starting off the grid (an odd first block) so the first piece is short.
    const std::vector<std::size_t> sizes = {5, kBlock};
    for (int blk = 0; blk < 250; ++blk) {
        const std::size_t n = blk == 0 ? sizes[0] : sizes[1];
        auto step_by_step = [&](End& e, std::span<const float> in, std::span<float> out) {
            for (std::size_t i = 0; i < n;) {
                const std::size_t m = std::min(n - i, kGrid - static_cast<std::size_t>((t + static_cast<std::int64_t>(i)) % kGrid));
                e.call_at = t + static_cast<std::int64_t>(i);
                e.pump.process(in.subspan(i, m), out.subspan(i, m));
                i += m;
            }
        };
        auto batched = [&](End& e, std::span<const float> in, std::span<float> out) {
            for (std::size_t i = 0; i < n;) {
                const std::size_t first = kGrid - static_cast<std::size_t>((t + static_cast<std::int64_t>(i)) % kGrid);
                e.call_at = t + static_cast<std::int64_t>(i);
                const auto state = e.pump.state();
                const std::size_t done = e.pump.process_pieces(in.subspan(i, n - i), out.subspan(i, n - i), first, kGrid);
                REQUIRE(done > 0);
                if (e.pump.state() != state) ++transitions_seen;
                i += done;
                if (i < n) {
                    // Stopped early: the state changed in the last piece (pair A, step by step,
                    // went through the same: compared below through the outputs and bits).
                    ++early_returns;
                    CHECK(e.pump.state() != state);
                }
            }
        };
        step_by_step(ac, std::span(a_c_in).first(n), std::span(a_c_out).first(n));
        step_by_step(aa, std::span(a_a_in).first(n), std::span(a_a_out).first(n));
        batched(bc, std::span(b_c_in).first(n), std::span(b_c_out).first(n));
        batched(ba, std::span(b_a_in).first(n), std::span(b_a_out).first(n));
        REQUIRE(std::vector<float>(a_c_out.begin(), a_c_out.begin() + static_cast<std::ptrdiff_t>(n)) ==
                std::vector<float>(b_c_out.begin(), b_c_out.begin() + static_cast<std::ptrdiff_t>(n)));
        REQUIRE(std::vector<float>(a_a_out.begin(), a_a_out.begin() + static_cast<std::ptrdiff_t>(n)) ==
                std::vector<float>(b_a_out.begin(), b_a_out.begin() + static_cast<std::ptrdiff_t>(n)));
        CHECK(ac.pump.state() == bc.pump.state());
        CHECK(aa.pump.state() == ba.pump.state());
        std::copy_n(a_c_out.begin(), n, a_a_in.begin());
        std::copy_n(a_a_out.begin(), n, a_c_in.begin());
        std::copy_n(b_c_out.begin(), n, b_a_in.begin());
        std::copy_n(b_a_out.begin(), n, b_c_in.begin());
        t += static_cast<std::int64_t>(n);
    }
    CHECK(bc.pump.connected());
    CHECK(ba.pump.connected());
    CHECK(early_returns > 5);  // the handshake's transitions fall inside blocks
    CHECK(transitions_seen >= early_returns);
    CHECK(ac.bits.size() > 2000);  // data bits flowed, with the step each was delivered in
    CHECK(ac.bits == bc.bits);
    CHECK(aa.bits == ba.bits);
}

TEST_CASE("Modem: process_pieces checks its arguments") {
    v22bis::Modem m({});
    std::vector<float> in(16, 0.0f), out(16), shorter(15);
    CHECK_THROWS_AS((void)m.process_pieces(in, shorter, 8, 8), std::invalid_argument);
    CHECK_THROWS_AS((void)m.process_pieces(in, out, 0, 8), std::invalid_argument);
    CHECK_THROWS_AS((void)m.process_pieces(in, out, 8, 0), std::invalid_argument);
    CHECK(m.process_pieces(in, out, 3, 8) == 16);  // nothing happens in 2 ms of silence
}

TEST_CASE("Session: a retrain and a lost carrier in data give the same bytes and events for any block size") {
    // Data at 2400 with the session's batched steps, a noise burst into the caller (its reception
    // fails: local retrain, held characters dropped), then the answerer vanishes (carrier lost).
    const auto burst = test::white_noise(static_cast<std::size_t>(0.6 * dsp::kFsHz), 77, 0.15);
    auto run = [&](std::size_t block) {
        TraceBuffer trace(1 << 14);
        session::Session caller({.role = session::Role::Caller, .trace = &trace});
        session::Session answerer({.role = session::Role::Answerer});
        std::mt19937_64 rng(5);
        std::vector<std::uint8_t> data(4000);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng());
        std::size_t sent_c = 0, sent_a = 0;
        std::vector<float> line, a_in(block), a_out(block), b_in(block), b_out(block);
        std::vector<float> ab(kBlock, 0.0f), ba(kBlock, 0.0f);  // 160 samples of delay each way
        std::vector<std::pair<std::int64_t, std::uint8_t>> got;  // (block-of-160 end, byte)
        std::array<std::uint8_t, 256> buf{};
        const auto burst_at = static_cast<std::int64_t>(9.0 * dsp::kFsHz);
        const auto gone_at = static_cast<std::int64_t>(12.0 * dsp::kFsHz);
        for (std::int64_t t = 0; t < 16 * dsp::kFsHz; t += static_cast<std::int64_t>(block)) {
            for (std::size_t i = 0; i < block; ++i) {
                const std::int64_t s = t + static_cast<std::int64_t>(i);
                a_in[i] = s >= gone_at ? 0.0f : ba[static_cast<std::size_t>(s) % kBlock];
                if (s >= burst_at && s - burst_at < static_cast<std::int64_t>(burst.size()))
                    a_in[i] += burst[static_cast<std::size_t>(s - burst_at)];
                b_in[i] = ab[static_cast<std::size_t>(s) % kBlock];
            }
            caller.process(a_in, a_out);
            answerer.process(b_in, b_out);
            for (std::size_t i = 0; i < block; ++i) {
                const auto s = static_cast<std::size_t>(t + static_cast<std::int64_t>(i));
                ab[s % kBlock] = a_out[i];
                ba[s % kBlock] = b_out[i];
            }
            line.insert(line.end(), a_out.begin(), a_out.end());
            if (sent_c < data.size()) sent_c += caller.write(std::span(data).subspan(sent_c));
            if (sent_a < data.size()) sent_a += answerer.write(std::span(data).subspan(sent_a));
            const std::int64_t end = t + static_cast<std::int64_t>(block);
            if (end % static_cast<std::int64_t>(kBlock) == 0)  // read on the 160 grid only
                for (std::size_t k; (k = caller.read(buf)) > 0;)
                    for (std::size_t i = 0; i < k; ++i) got.emplace_back(end, buf[i]);
        }
        std::vector<std::pair<std::int64_t, std::string>> ev;
        for (const auto& e : trace.events()) ev.emplace_back(e.at, std::string(e.source) + ":" + std::string(e.name));
        return std::make_tuple(line, ev, got, caller.end(), caller.stats().bytes_discarded);
    };
    const auto ref = run(kBlock);
    const auto odd = run(32);  // divides 160: the loop delay stays 160 samples
    CHECK(std::get<0>(ref) == std::get<0>(odd));
    CHECK(std::get<1>(ref) == std::get<1>(odd));
    CHECK(std::get<2>(ref) == std::get<2>(odd));
    CHECK(std::get<3>(ref) == session::End::CarrierLost);
    CHECK(std::get<3>(odd) == session::End::CarrierLost);
    CHECK(std::get<4>(ref) == std::get<4>(odd));
    CHECK(std::get<4>(ref) > 0);  // the retrain dropped held characters
    bool retrained = false;
    for (const auto& e : std::get<1>(ref)) retrained = retrained || e.second == "v22bis.call:retrain";
    CHECK(retrained);
    CHECK(std::get<2>(ref).size() > 1000);
}
