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
#include <string_view>
#include <utility>
#include <vector>

#include "audio/sim_line.hpp"
#include "modem/bench/ber.hpp"
#include "modem/bench/signals.hpp"
#include "modem/v22bis/v22bis.hpp"

namespace modem::bench {

/// Receives decoded data bits.
using BitSink = std::function<void(std::uint8_t)>;
/// Receives decoded data bits in groups (one symbol's worth for a pump that works that way, one
/// bit for an implementation whose interface is per bit).
using BlockSink = std::function<void(std::span<const std::uint8_t>)>;

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

/// A whole call between two modems of one implementation (V.8, V.22bis handshake, data both ways
/// with start-stop framing), on an ideal line: each end hears the other's int16 output one block
/// (160 samples) later. Timed from construction to both ends having received every byte.
struct WholeCallConfig {
    std::size_t bytes = 24000;  ///< random bytes each way (8N1; 24000 = 100 s of data at 2400 bit/s)
    std::uint64_t seed = 1;
    double max_seconds = 600.0;  ///< line time after which the call counts as failed
};
struct WholeCallResult {
    bool ok = false;            ///< both ends connected at 2400 and received every byte exactly
    double line_seconds = 0.0;  ///< line time the call took
    double wall_seconds = 0.0;  ///< thread CPU time of both ends together (thread_cpu_seconds())
    std::string note{};         ///< what went wrong, if anything
};

/// One instance's memory: the object and what it allocates on the heap (measured as the growth of
/// the allocator's bytes in use over several instances, see heap_bytes_per_instance()).
struct MemoryFigure {
    std::string key{};   ///< "v22bis_modem", "v8_endpoint", ...
    std::string what{};  ///< one-line description
    double bytes = 0.0;
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
    /// The whole modem in `role` (at most `rate`), receiving; bits after its handshake go to sink
    /// in the implementation's natural grouping.
    virtual std::unique_ptr<BitReceiver> make_pump(v22bis::Role role, v22bis::Rate rate, BlockSink sink) = 0;
    /// For throughput: the receiver alone (its handshake machine and bit delivery included, no
    /// transmitter), trained on the recording's handshake before start_timing(). Null if the
    /// receiver cannot run without the transmitter; then the receiver's cost is taken as the
    /// pump's minus the transmitter's (make_tx_only).
    virtual std::unique_ptr<BitReceiver> make_rx_only(v22bis::Role role, v22bis::Rate rate, BlockSink sink) = 0;
    /// For throughput: the same pump, but from start_timing() on only its transmitter runs (data
    /// mode, input ignored); `sink` sees each data bit the transmitter takes from then on.
    virtual std::unique_ptr<BitReceiver> make_tx_only(v22bis::Role role, v22bis::Rate rate, BlockSink sink) = 0;
    /// V.21 channel 1 receiver (300 bit/s FSK), bits to sink. Null if not available.
    virtual std::unique_ptr<BitReceiver> make_v21_rx(BlockSink) { return nullptr; }
    /// A V.8 answering endpoint (its receiver and the ANSam / JM it sends in reply, output
    /// discarded). Null if not available.
    virtual std::unique_ptr<BitReceiver> make_v8_answerer() { return nullptr; }
    /// One whole call (see WholeCallConfig); nullopt if not available.
    virtual std::optional<WholeCallResult> run_whole_call(const WholeCallConfig&) { return std::nullopt; }
    /// Memory per instance of the implementation's parts, measured over `instances` of each.
    virtual std::vector<MemoryFigure> memory(int /*instances*/) { return {}; }
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

// ---- Everything ----

struct BerCurve {
    int rate_bps = 2400;
    v22bis::Role receiver = v22bis::Role::Caller;  ///< the end under test
    std::vector<BerPoint> points{};
    Threshold threshold{};                           ///< SNR at BER 1e-5
};

/// Speed of one part of the pipeline on a given signal.
struct SpeedFigure {
    std::string key{};            ///< stable name: "v21_rx", "v22bis_rx_2400", "whole_call", ...
    std::string what{};           ///< one-line description of what was timed
    double ns_per_sample = 0.0;   ///< thread-CPU nanoseconds per 8 kHz sample of signal (best of the repeats)
    double signal_seconds = 0.0;  ///< length of the timed signal (line time)
    bool ok = true;               ///< the part did its job on the signal (decoded it, connected, ...)
    std::string note{};
    /// Seconds of signal processed per second of wall time.
    [[nodiscard]] double x_real_time() const noexcept {
        return ns_per_sample > 0.0 ? 1e9 / (ns_per_sample * dsp::kFsHz) : 0.0;
    }
};

/// Any other figure of one implementation: start-up time, channels per core, scaling.
struct ScalarFigure {
    std::string key{};
    std::string what{};
    double value = 0.0;
    std::string unit{};  ///< "ms", "channels", "x", ...
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
    std::vector<SpeedFigure> speeds{};           ///< every timed part (pipeline figures), in table order
    std::vector<MemoryFigure> memory{};          ///< memory per instance of the parts
    std::vector<ScalarFigure> extra{};           ///< start-up, channels per core, ...
    double run_seconds = 0.0;
    std::uint64_t inputs_fingerprint = 0;  ///< fingerprint() of the inputs the figures were measured on
    [[nodiscard]] const BerCurve* curve(int rate_bps, v22bis::Role receiver) const noexcept;
    [[nodiscard]] const SpeedFigure* speed(std::string_view key) const noexcept;
    [[nodiscard]] const MemoryFigure* memory_of(std::string_view key) const noexcept;
    [[nodiscard]] const ScalarFigure* extra_of(std::string_view key) const noexcept;
};

/// The BER target of the figures (the definition of "the threshold").
inline constexpr double kBerTarget = 1e-5;

struct BenchOptions {
    bool quick = false;         ///< coarser grid, fewer bits
    std::uint64_t seed = 1;
    int trials = 100;           ///< handshake calls
    std::size_t max_bits = 0;   ///< bits per BER point; 0: 3e6 at 2400 and 2e6 at 1200 (quick: 3e5, 2e5)
    bool ber = true, handshake = true, throughput = true;
    bool pipeline = true;       ///< V.21, V.8, whole call and memory figures
    WholeCallConfig call{};     ///< the whole call
    int memory_instances = 64;  ///< instances per memory figure
    std::ostream* progress = nullptr;  ///< one line per finished curve or group, may be null
};

/// The recordings every implementation is measured on (deterministic in seed and bit budget).
struct BenchInputs {
    Recording at_2400;
    Recording at_1200;
    std::vector<std::int16_t> v21{};           ///< V.21 channel 1 FSK of v21_bits (pipeline only)
    std::vector<std::uint8_t> v21_bits{};
    std::vector<std::int16_t> v8_caller{};     ///< what a V.8 caller sends in a whole negotiation
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
