// SPDX-License-Identifier: MIT
/// \file
/// The bench figures of a V.22bis implementation (BER curves over AWGN, handshake success on an
/// impaired line, receive throughput), measured through one interface so that our modem and an
/// independent one (spandsp, in a test-only companion) get exactly the same inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "audio/sim_line.hpp"
#include "modem/bench/ber.hpp"
#include "modem/bench/signals.hpp"
#include "modem/v22bis/v22bis.hpp"

namespace modem::bench {

/// Receives decoded data bits.
using BitSink = std::function<void(std::uint8_t)>;

/// A receiver under test: one end of a call fed a recorded far end. Its own transmit output, if
/// any, is discarded.
class BitReceiver {
public:
    virtual ~BitReceiver() = default;
    /// The next line samples (any length).
    virtual void receive(std::span<const std::int16_t> block) = 0;
    /// Called once by the throughput measurement where the timed data part starts.
    virtual void start_timing() {}
};

/// What a call between two modems of one implementation reached so far.
struct CallOutcome {
    bool finished = false;  ///< nothing more will happen (both in data, or one failed)
    int caller_bps = 0;     ///< data rate of the caller, 0 while not in data
    int answerer_bps = 0;
};

/// A caller and an answerer of one implementation, stepped in lockstep.
class CallPair {
public:
    virtual ~CallPair() = default;
    /// All four spans have the same length: what each end hears, and what it sends.
    virtual void process(std::span<const std::int16_t> caller_in, std::span<std::int16_t> caller_out,
                         std::span<const std::int16_t> answerer_in, std::span<std::int16_t> answerer_out) = 0;
    [[nodiscard]] virtual CallOutcome outcome() const = 0;
};

/// One V.22bis implementation as the bench sees it.
class Implementation {
public:
    virtual ~Implementation() = default;
    [[nodiscard]] virtual std::string name() const = 0;
    [[nodiscard]] virtual std::string version() const = 0;
    /// The whole modem in `role` (at most `rate`), receiving; bits after its handshake go to sink.
    virtual std::unique_ptr<BitReceiver> make_pump(v22bis::Role role, v22bis::Rate rate, BitSink sink) = 0;
    /// For throughput: the same pump, but from start_timing() on only its receiver runs. Null if
    /// the receiver cannot run without the transmitter; then the receiver's cost is taken as the
    /// pump's minus the transmitter's (make_tx_only).
    virtual std::unique_ptr<BitReceiver> make_rx_only(v22bis::Role role, v22bis::Rate rate, BitSink sink) = 0;
    /// For throughput: the same pump, but from start_timing() on only its transmitter runs (data
    /// mode, input ignored); `sink` sees each data bit the transmitter takes from then on.
    virtual std::unique_ptr<BitReceiver> make_tx_only(v22bis::Role role, v22bis::Rate rate, BitSink sink) = 0;
    /// A caller and an answerer with default settings and 2400 bit/s allowed.
    virtual std::unique_ptr<CallPair> make_call() = 0;
    /// Mean transmit power (float units) in data mode of its caller (first) and answerer (second).
    virtual std::pair<double, double> data_power() = 0;
};

// ---- BER over AWGN ----

struct SweepConfig {
    std::vector<double> snr_db{};     ///< grid, ascending
    std::size_t max_bits = 1000000;   ///< bits counted per point at most
    std::size_t skip_bits = 1200;     ///< data bits after noise on that are not counted
    std::size_t stop_errors = 200;    ///< a point ends early once it has this many errors
    int stop_after_clean = 2;         ///< the sweep ends after this many consecutive error-free points
    std::uint64_t seed = 1;           ///< noise seeds derive from it, the rate, the direction and the SNR
};

/// BER of `impl`'s pump in the role opposite to far.sender, fed far.samples with noise from
/// far.data_from, for each SNR of the grid (see SweepConfig for the early ends).
std::vector<BerPoint> ber_sweep(Implementation& impl, const OneWay& far, v22bis::Rate rate, const SweepConfig& cfg);

// ---- Handshake on an impaired line ----

struct HandshakeConfig {
    double snr_db = 16.0;                 ///< data-signal power over noise power in 0-4 kHz, noise from sample 0
    double freq_offset_hz = 7.0;          ///< magnitude; the sign alternates over the trials (V.22 2.6: +/-7 Hz)
    double clock_ppm = 100.0;             ///< magnitude; the sign alternates over the trials
    bool line_filter = true;              ///< 300-3400 Hz band-pass with delay distortion (SimLine)
    double max_seconds = 8.0;             ///< a call not finished by then counts as failed
    int trials = 100;
    std::uint64_t seed = 1;
    /// Received power (float units) of each sender's data signal after the line: the noise level of
    /// a direction is set from it. Filled by measure_figures().
    double caller_rx_power = 0.0;
    double answerer_rx_power = 0.0;
};

struct HandshakeResult {
    double snr_db = 0.0;
    int trials = 0;
    int at_2400 = 0;  ///< both ends in data at 2400
    int at_1200 = 0;  ///< both ends in data, at least one at 1200
    int failed = 0;   ///< anything else (no data in time, one side failed, rates differ)
};

/// The line of trial `trial`: caller->answerer gets frequency offset +/-f and clock +/-ppm (signs
/// from bits 0 and 1 of the trial number), answerer->caller the same offset and the opposite
/// clock error; fixed-level noise from the first sample at snr_db below each sender's received
/// data power; band-pass with delay distortion. Seeded from cfg.seed and trial.
audio::SimLine::Config trial_line(const HandshakeConfig& cfg, int trial);

/// cfg.trials calls of `impl` through trial_line(cfg, i).
HandshakeResult run_handshake_trials(Implementation& impl, const HandshakeConfig& cfg);

/// Power gain (received / sent, both mean powers) of a SimLine direction without noise for the
/// given signal (at most the first 2 s of it are used).
double line_power_gain(const audio::SimLine::Direction& dir, std::span<const std::int16_t> signal);

// ---- Throughput ----

/// Nanoseconds per sample of `make()`'s receiver on the data part of `far` (after an untimed
/// prefix up to 0.5 s into data), in blocks of 160, best of `repeats`, up to `seconds` of signal.
double measure_ns_per_sample(const std::function<std::unique_ptr<BitReceiver>(BitSink)>& make, const OneWay& far,
                             double seconds, int repeats);

// ---- Everything ----

struct BerCurve {
    int rate_bps = 2400;
    v22bis::Role receiver = v22bis::Role::Caller;  ///< the end under test
    std::vector<BerPoint> points{};
    Threshold threshold{};                           ///< SNR at BER 1e-5
};

struct Figures {
    std::string implementation{};
    std::string version{};
    std::vector<BerCurve> curves{};
    std::optional<HandshakeResult> handshake{};
    std::optional<double> rx_ns_per_sample{};    ///< receiver alone (measured, or pump - tx)
    bool rx_by_difference = false;               ///< rx_ns_per_sample is pump - tx
    std::optional<double> tx_ns_per_sample{};    ///< transmitter alone, data mode
    std::optional<double> pump_ns_per_sample{};  ///< receiver and transmitter of one end
    double run_seconds = 0.0;
    std::uint64_t inputs_fingerprint = 0;  ///< fingerprint() of the inputs the figures were measured on
    [[nodiscard]] const BerCurve* curve(int rate_bps, v22bis::Role receiver) const noexcept;
};

/// The BER target of the figures (the definition of "the threshold").
inline constexpr double kBerTarget = 1e-5;

struct BenchOptions {
    bool quick = false;         ///< coarser grid, fewer bits
    std::uint64_t seed = 1;
    int trials = 100;           ///< handshake calls
    std::size_t max_bits = 0;   ///< bits per BER point; 0: 3e6 at 2400 and 2e6 at 1200 (quick: 3e5, 2e5)
    bool ber = true, handshake = true, throughput = true;
    std::ostream* progress = nullptr;  ///< one line per finished curve or group, may be null
};

/// The recordings every implementation is measured on (deterministic in seed and bit budget).
struct BenchInputs {
    Recording at_2400;
    Recording at_1200;
};
BenchInputs make_inputs(const BenchOptions& opt);
/// FNV-1a over every recorded sample, data bit and data start: two processes that report the same
/// value measured on the same signals.
std::uint64_t fingerprint(const BenchInputs& in) noexcept;

/// All figures of `impl` on `inputs`.
Figures measure_figures(Implementation& impl, const BenchInputs& inputs, const BenchOptions& opt);

/// Default grid, bits per point and skipped bits for a rate.
SweepConfig sweep_config(v22bis::Rate rate, const BenchOptions& opt);

}  // namespace modem::bench
