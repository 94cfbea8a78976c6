// SPDX-License-Identifier: MIT
/// \file
/// Test harness for whole V.22bis calls between two of our pumps through audio::SimLine, with
/// late starts, a tone played before the answerer starts, line disturbances and PRBS bit logs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "audio/sim_line.hpp"
#include "dsp/kernels/kernels.hpp"
#include "loopback.hpp"
#include "modem/events.hpp"
#include "modem/v22bis/modem.hpp"

namespace test::v22 {

/// One end of a simulated call: the pump, its events, what it sent and what it received.
struct CallEnd {
    modem::TraceBuffer trace;
    BitLog sent;
    std::vector<std::uint8_t> got;
    std::unique_ptr<modem::v22bis::Modem> modem;
    modem::v22bis::SampleTime connected_at = -1;  ///< line time of the first Connected
    explicit CallEnd(std::uint64_t seed) : sent(seed) {}
    /// First event of `kind` (and `name` if given) at or after `from`, or nullptr.
    const modem::Event* find(modem::EventKind kind, std::string_view name = {}, modem::v22bis::SampleTime from = 0) const {
        for (const auto& e : trace.events())
            if (e.kind == kind && e.at >= from && (name.empty() || e.name == name)) return &e;
        return nullptr;
    }
    std::size_t count(modem::EventKind kind, std::string_view name = {}) const {
        std::size_t n = 0;
        for (const auto& e : trace.events()) n += e.kind == kind && (name.empty() || e.name == name);
        return n;
    }
};

/// Caller (SimLine side A) and answerer (side B) in lockstep blocks. Times are line times: sample
/// counts since the simulation started (each modem's own clock starts when it is first run).
class CallSim {
public:
    using Hook = std::function<void(modem::v22bis::SampleTime line_t, std::span<float> block)>;
    struct Config {
        modem::audio::SimLine::Config line{};
        modem::v22bis::Modem::Config caller{.role = modem::v22bis::Role::Caller};
        modem::v22bis::Modem::Config answerer{.role = modem::v22bis::Role::Answerer};
        std::size_t block = 160;
        modem::v22bis::SampleTime caller_start = 0;    ///< line time of the caller's first process()
        modem::v22bis::SampleTime answerer_start = 0;  ///< line time of the answerer's first process()
        /// Played by the answerer's side before answerer_start (e.g. ANS); silence if empty.
        std::function<void(std::span<float>)> answerer_prelude;
        std::uint64_t seed = 1;
    };
    explicit CallSim(Config cfg)
        : cfg_(std::move(cfg)), line_(cfg_.line), caller(cfg_.seed * 3 + 1), answerer(cfg_.seed * 3 + 2) {
        cfg_.caller.trace = &caller.trace;
        cfg_.answerer.trace = &answerer.trace;
        caller.modem = std::make_unique<modem::v22bis::Modem>(cfg_.caller);
        answerer.modem = std::make_unique<modem::v22bis::Modem>(cfg_.answerer);
        for (CallEnd* e : {&caller, &answerer}) {
            e->modem->set_bit_source([e] { return e->sent.next(); });
            e->modem->set_bit_sink([e](std::uint8_t b) { e->got.push_back(b); });
        }
        const std::size_t n = cfg_.block;
        rx_a_.assign(n, 0.0f);
        rx_b_.assign(n, 0.0f);
        tx_a_.assign(n, 0.0f);
        tx_b_.assign(n, 0.0f);
        buf_.assign(n, 0);
    }
    /// Disturbances applied to what each end receives (after the line).
    Hook into_caller, into_answerer;
    /// Mutes an end's transmitter from this line time on (the far end "hangs up").
    std::optional<modem::v22bis::SampleTime> mute_caller_at, mute_answerer_at;

    /// Runs whole blocks until at least `ms` more milliseconds of line time have passed.
    void run_ms(double ms) {
        const modem::v22bis::SampleTime end = t_ + modem::dsp::ms_to_samples(ms);
        while (t_ < end) step();
    }
    /// Runs until pred() holds (checked after each block) or `max_ms` passes; returns pred().
    template <class P>
    bool run_until(P pred, double max_ms) {
        const modem::v22bis::SampleTime end = t_ + modem::dsp::ms_to_samples(max_ms);
        while (t_ < end && !pred()) step();
        return pred();
    }
    [[nodiscard]] modem::v22bis::SampleTime now() const { return t_; }
    /// Line time of an end's modem clock value.
    [[nodiscard]] modem::v22bis::SampleTime caller_to_line(modem::v22bis::SampleTime t) const { return t + cfg_.caller_start; }
    [[nodiscard]] modem::v22bis::SampleTime answerer_to_line(modem::v22bis::SampleTime t) const { return t + cfg_.answerer_start; }

    CallEnd caller, answerer;

private:
    void run_end(CallEnd& e, modem::v22bis::SampleTime start, std::vector<float>& rx, std::vector<float>& tx,
                 const std::optional<modem::v22bis::SampleTime>& mute, bool is_answerer) {
        const std::size_t n = rx.size();
        if (t_ >= start) {
            e.modem->process(rx, tx);
        } else if (t_ + static_cast<modem::v22bis::SampleTime>(n) <= start) {
            std::fill(tx.begin(), tx.end(), 0.0f);
            if (is_answerer && cfg_.answerer_prelude) cfg_.answerer_prelude(tx);
        } else {  // the start falls inside this block
            const auto k = static_cast<std::size_t>(start - t_);
            std::fill(tx.begin(), tx.end(), 0.0f);
            if (is_answerer && cfg_.answerer_prelude) cfg_.answerer_prelude(std::span<float>(tx).first(k));
            e.modem->process(std::span<const float>(rx).subspan(k), std::span<float>(tx).subspan(k));
        }
        if (mute && t_ + static_cast<modem::v22bis::SampleTime>(n) > *mute) {
            const auto k = static_cast<std::size_t>(std::max<modem::v22bis::SampleTime>(0, *mute - t_));
            std::fill(tx.begin() + static_cast<std::ptrdiff_t>(k), tx.end(), 0.0f);
        }
        if (e.modem->connected() && e.connected_at < 0) e.connected_at = t_;
    }
    void step() {
        run_end(caller, cfg_.caller_start, rx_a_, tx_a_, mute_caller_at, false);
        run_end(answerer, cfg_.answerer_start, rx_b_, tx_b_, mute_answerer_at, true);
        modem::dsp::kernels::f32_to_s16(tx_a_, buf_);
        line_.a().write(buf_);
        modem::dsp::kernels::f32_to_s16(tx_b_, buf_);
        line_.b().write(buf_);
        line_.a().read(buf_);
        modem::dsp::kernels::s16_to_f32(buf_, rx_a_);
        line_.b().read(buf_);
        modem::dsp::kernels::s16_to_f32(buf_, rx_b_);
        t_ += static_cast<modem::v22bis::SampleTime>(cfg_.block);
        if (into_caller) into_caller(t_, rx_a_);
        if (into_answerer) into_answerer(t_, rx_b_);
    }

    Config cfg_;
    modem::audio::SimLine line_;
    std::vector<float> rx_a_, rx_b_, tx_a_, tx_b_;
    std::vector<std::int16_t> buf_;
    modem::v22bis::SampleTime t_ = 0;
};

/// The impaired line of the robustness target: band-pass with delay distortion, carrier offset,
/// clock offset, and noise at a fixed level from the first sample (SNR relative to the -13 dBm0
/// transmit level, noise measured over 0-4 kHz), the same both ways except the offsets' signs.
inline modem::audio::SimLine::Config impaired_line(double snr_db, double freq_offset_hz, double clock_ppm,
                                                   std::uint64_t seed) {
    modem::audio::SimLine::Direction d{};
    d.bandpass = true;
    d.delay_distortion = true;
    d.noise_dbm0 = -13.0 - snr_db;
    d.freq_offset_hz = freq_offset_hz;
    d.clock_ppm = clock_ppm;
    modem::audio::SimLine::Direction r = d;
    r.freq_offset_hz = -freq_offset_hz;
    r.clock_ppm = -clock_ppm;
    return {.a_to_b = d, .b_to_a = r, .seed = seed};
}

}  // namespace test::v22
