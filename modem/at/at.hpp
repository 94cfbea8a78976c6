// SPDX-License-Identifier: MIT
/// \file
/// Hayes-style AT command engine for `squeal pty`: command-line editing, the basic Hayes command
/// set, S-registers, V.250 +MS, result codes, the "+++" escape with guard times and character
/// format detection from "AT". Pure logic: no I/O, no threads, no clock of its own.
///
/// How the glue uses it (one Engine per pty):
///
///     at::Engine at({.product = {.version = "0.1.0"}});
///     loop:
///       bytes from the pty  -> at.feed(bytes, now_ms)
///       every few ms        -> at.tick(now_ms)         (guard times, S1 reset: see next_deadline_ms())
///       at.take_output()    -> write to the pty         (echo, result codes, info text)
///       at.take_data()      -> the V.14 transmitter     (online data mode only)
///       at.take_actions()   -> the call session: Dial / Answer / Hangup / GoOnline /
///                              CommandMode / Reset (std::variant, visit in order)
///       call session events -> at.on_connect(rate, format), at.on_no_carrier(), at.on_ring(),
///                              at.on_busy(), at.on_no_dialtone(), at.on_no_answer(),
///                              at.on_dial_complete()
///       V.14 receiver chars -> dte_byte(format, value) -> the pty (the engine is not involved)
///
/// The engine's clock is the last now_ms given to feed() or tick() (milliseconds, any epoch,
/// expected not to go backwards; if it does, the step counts as 0 ms). The on_*() callbacks use
/// that clock. Nothing here throws on any input byte sequence or callback order; only a bad
/// Config throws (std::invalid_argument).
///
/// Modes (Engine::Mode):
///   Command        on hook, command lines are executed.
///   Connecting     after ATD / ATA / S0 auto-answer, until the session reports a result. Any
///                  byte from the DTE aborts the call: Hangup action, NO CARRIER (Hayes habit).
///   Online         data mode: DTE bytes are data (take_data()), except a guarded "+++".
///   OnlineCommand  connected but executing commands (after the escape): ATO returns online,
///                  ATH hangs up.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "modem/v14/v14.hpp"

namespace modem::at {

// ---------------------------------------------------------------------------------------------
// Settings

/// Modulations selectable with AT+MS (V.250 carrier names V21, V22, V22B).
enum class Carrier : std::uint8_t { V21, V22, V22B };
[[nodiscard]] std::string_view to_string(Carrier c) noexcept;

/// AT+MS=<carrier>,<automode>,<min_tx>,<max_tx>,<min_rx>,<max_rx> (V.250 6.4, rates in bit/s).
/// With automode the lower modulations are allowed too (V22B -> V22 -> V21 fallback).
struct ModulationLimits {
    Carrier carrier = Carrier::V22B;
    bool automode = true;
    int min_tx_bps = 300;
    int max_tx_bps = 2400;
    int min_rx_bps = 300;
    int max_rx_bps = 2400;
    /// True when modulation `c` is in the allowed set and `rate_bps` lies within both the
    /// transmit and the receive limits: what the session asks before offering or accepting a rate.
    [[nodiscard]] bool allows(Carrier c, int rate_bps) const noexcept;
    bool operator==(const ModulationLimits&) const = default;
};

/// Number of S-registers held (S0..S12); S9 is not supported and reads as ERROR.
inline constexpr int kNumSRegisters = 13;

/// Everything AT&F restores. Defaults are Hayes factory values unless marked.
struct Settings {
    bool echo = true;      ///< E1
    bool verbose = true;   ///< V1
    bool quiet = false;    ///< Q0
    int x_level = 4;       ///< X4: extended codes, dial-tone and busy detection
    int dcd_mode = 1;      ///< &C1: DCD follows the carrier (stored for the glue)
    int dtr_mode = 2;      ///< &D2: DTR drop hangs up (stored for the glue)
    /// \N: V.42 error control. \N0 and \N1 no error control (plain V.14 characters: the factory
    /// setting, so a terminal sees what it saw before V.42 existed here), \N3 auto (LAPM when both
    /// modems can, else plain), \N2 and \N4 LAPM required (NO CARRIER without it). With LAPM in
    /// use the CONNECT text ends in "/LAPM". Stored as 0, 3 or 4.
    int ec_mode = 0;
    /// S0..S12 (see sreg_default() for meanings and ranges).
    std::array<int, kNumSRegisters> s{};
    ModulationLimits ms{};
    /// Factory defaults.
    static Settings factory();
    bool operator==(const Settings&) const = default;
};

/// Range and default of S-register `n`; nullopt for an unsupported register.
struct SRegisterInfo {
    int min = 0;
    int max = 255;
    int factory = 0;
    std::string_view meaning;
};
[[nodiscard]] std::optional<SRegisterInfo> sreg_info(int n) noexcept;

/// The parameters of a call, taken from the settings when ATD/ATA is executed.
struct CallParams {
    bool detect_dialtone = true;   ///< X2/X4: wait for dial tone (NO DIALTONE if none)
    bool detect_busy = true;       ///< X3/X4: report BUSY
    int dialtone_wait_s = 2;       ///< S6: seconds to wait for dial tone (or blind-dial delay)
    int carrier_wait_s = 50;       ///< S7: seconds from dialling/answering to carrier
    int comma_pause_s = 2;         ///< S8: the ',' dial modifier
    int carrier_loss_ds = 14;      ///< S10: tenths of a second of lost carrier before hanging up
    int dtmf_ms = 95;              ///< S11: DTMF tone duration and spacing
    ModulationLimits ms{};         ///< AT+MS
    v14::Format format{};          ///< the character format detected from "AT" (or configured)
    int ec_mode = 0;               ///< \N: 0 no error control, 3 auto (LAPM if both can), 4 LAPM required
    bool operator==(const CallParams&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Actions: requests from the engine to the call session

/// One element of a dial string, in order.
struct DialStep {
    enum class Kind : std::uint8_t {
        Digits,        ///< `digits` (0-9 * # A-D), as DTMF (tone) or pulses
        Pause,         ///< ',' : pause for CallParams::comma_pause_s
        WaitDialTone,  ///< 'W' : wait for a dial tone (up to dialtone_wait_s), NO DIALTONE if none
        Flash,         ///< '!' : hook flash (project choice: 500 ms on hook)
    };
    Kind kind = Kind::Digits;
    std::string digits;
    bool tone = true;  ///< Digits: T (DTMF) or P (pulse); T is the default
    bool operator==(const DialStep&) const = default;
};

struct Dial {
    std::string number;             ///< canonical dial string (upper case, no spaces/()-., no ';')
    std::vector<DialStep> steps;    ///< empty for a bare ATD: go off hook and originate
    bool return_to_command = false; ///< ';' : call on_dial_complete() when dialled (no handshake)
    CallParams params{};
    bool operator==(const Dial&) const = default;
};
struct Answer {  ///< ATA or S0 auto-answer: go off hook and answer
    CallParams params{};
    bool operator==(const Answer&) const = default;
};
struct Hangup {  ///< ATH, ATH0, or a DTE keypress aborting a call: go on hook
    bool operator==(const Hangup&) const = default;
};
struct GoOnline {  ///< ATO: resume data transfer on the held connection
    bool operator==(const GoOnline&) const = default;
};
struct CommandMode {  ///< "+++" accepted: DTE bytes are commands now; keep the connection
    bool operator==(const CommandMode&) const = default;
};
struct Reset {  ///< ATZ: hang up if off hook, settings are back to defaults
    bool operator==(const Reset&) const = default;
};
using Action = std::variant<Dial, Answer, Hangup, GoOnline, CommandMode, Reset>;

// ---------------------------------------------------------------------------------------------
// Result codes

/// Hayes result codes. Numeric values (V0) from the Hayes Smartmodem result-code table as given
/// in the Hayes technical reference ("(Basic) Result Codes": 0 OK, 1 CONNECT, 2 RING,
/// 3 NO CARRIER, 4 ERROR, 5 CONNECT 1200, 6 NO DIALTONE, 7 BUSY, 8 NO ANSWER, 10 CONNECT 2400;
/// "Extended Result Codes": 11 CONNECT 4800, 12 CONNECT 9600). X levels as in Hayes-compatible
/// manuals: X0 basic codes only (CONNECT without rate; NO DIALTONE/BUSY/NO ANSWER become
/// NO CARRIER), X1 adds the rate, X2 adds NO DIALTONE, X3 adds BUSY, X4 both.
/// NO ANSWER at X1..X4 is a project choice (Hayes uses it for the '@' modifier).
enum class Result : std::uint8_t { Ok, Connect, Ring, NoCarrier, Error, NoDialtone, Busy, NoAnswer };

/// The code as sent at X level `x_level`: {numeric code, verbose text}. `rate_bps` only matters
/// for Connect (300 or 0 -> "CONNECT" / 1 at every level). `lapm`: V.42 error control is in use,
/// and from X1 the verbose text says so ("CONNECT 2400/LAPM"; the numeric code is unchanged).
struct ResultText {
    int code = 0;
    std::string text;
};
[[nodiscard]] ResultText result_text(Result r, int rate_bps, int x_level, bool lapm = false);

/// The byte to send to the DTE for a 7-bit `value` in `format`: with 7 data bits and a parity,
/// bit 7 carries the parity bit (the DTE's UART frames it as 8N1 would); otherwise unchanged.
[[nodiscard]] std::uint8_t dte_byte(const v14::Format& format, std::uint8_t value) noexcept;

/// Character format deduced from the two bytes of "AT" or "at" as received (bit 7 = the parity
/// bit of a 7-bit format). 'A'/'a' and 'T'/'t' have opposite parity, so bit 7 tells 7E1, 7O1 and
/// 7M1 apart; both bits clear gives 8N1 (7S1 puts the same bits on the line and is reported as
/// 8N1). Mixed case "At"/"aT" is ambiguous: 7E1, then 7O1, then 7M1 is taken when bit 7 is set;
/// nullopt when no format explains the bytes.
[[nodiscard]] std::optional<v14::Format> detect_format(std::uint8_t a_byte, std::uint8_t t_byte) noexcept;

// ---------------------------------------------------------------------------------------------
// The engine

/// Product information for ATI0..ATI4.
struct ProductInfo {
    std::string name = "squeal";
    std::string version = "0.1.0";
    std::string capabilities = "V.22bis V.22 V.21 V.8 V.14";
};

class Engine {
public:
    enum class Mode : std::uint8_t { Command, Connecting, Online, OnlineCommand };
    [[nodiscard]] static std::string_view to_string(Mode m) noexcept;

    struct Config {
        ProductInfo product{};
        bool detect_format = true;  ///< deduce the format from each "AT"; false: keep `format`
        v14::Format format{};       ///< the format before any "AT" (or always, see above)
        std::size_t max_line_chars = 255;  ///< longer command lines give ERROR (project choice)
    };
    /// Default Config.
    Engine();
    /// Throws std::invalid_argument on a bad format or max_line_chars == 0.
    explicit Engine(const Config& cfg);

    // ---- DTE side
    /// Every byte the DTE sends, in order, in any mode, stamped with the time it arrived.
    /// Runs tick(now_ms) first. Command mode: line editing, echo, execution at S3 (CR).
    /// Online: data, with the escape sequence held back until it resolves.
    void feed(std::span<const std::uint8_t> bytes, std::int64_t now_ms);
    /// Advances the clock: completes "+++" after its trailing guard time (OK, CommandMode action),
    /// releases '+' characters that turned out to be data, clears S1 8 s after the last ring.
    void tick(std::int64_t now_ms);
    /// The earliest time tick() has something to do; nullopt when nothing is pending.
    [[nodiscard]] std::optional<std::int64_t> next_deadline_ms() const noexcept;

    /// Bytes for the DTE since the last call (echo raw; text with the DTE's parity in bit 7).
    [[nodiscard]] std::string take_output();
    /// Online data for the line since the last call, exactly as the DTE sent it (the V.14
    /// transmitter keeps only the data bits).
    [[nodiscard]] std::vector<std::uint8_t> take_data();
    /// Requests for the call session since the last call, oldest first.
    [[nodiscard]] std::vector<Action> take_actions();

    // ---- call session side. Each is ignored outside the modes named (e.g. a late on_connect
    // after a keypress abandoned the call), so the session may report freely.
    /// Handshake done at `rate_bps` (Connecting, not a ';' dial) -> CONNECT <rate>, Online.
    /// `format` is the character format the data layer uses (normally call_params().format);
    /// the escape character is compared on its data bits. An invalid format is replaced by
    /// detected_format().
    /// `lapm`: the connection runs V.42 (LAPM): the result text says "/LAPM".
    void on_connect(int rate_bps, const v14::Format& format, bool lapm = false);
    /// Call failed or carrier lost (Connecting, Online, OnlineCommand) -> NO CARRIER, Command.
    void on_no_carrier();
    /// A ring (Command mode): RING, S1 += 1; when S0 > 0 and S1 >= S0: Answer, Connecting.
    void on_ring();
    /// Connecting -> BUSY (X3/X4, else NO CARRIER), Command.
    void on_busy();
    /// Connecting -> NO DIALTONE (X2/X4, else NO CARRIER), Command.
    void on_no_dialtone();
    /// Connecting -> NO ANSWER (X1..X4, else NO CARRIER), Command.
    void on_no_answer();
    /// A ';' dial string has been dialled (Connecting) -> OK, Command.
    void on_dial_complete();

    // ---- inspection
    [[nodiscard]] Mode mode() const noexcept { return mode_; }
    [[nodiscard]] const Settings& settings() const noexcept { return settings_; }
    [[nodiscard]] int sreg(int n) const noexcept;
    /// The format from the last "AT" (or Config::format).
    [[nodiscard]] const v14::Format& detected_format() const noexcept { return format_; }
    /// Parameters a call started now would get.
    [[nodiscard]] CallParams call_params() const;
    /// The rate of the current (or last) connection, 0 if none.
    [[nodiscard]] int connected_rate_bps() const noexcept { return rate_bps_; }
    /// The last number dialled (for ATDL), empty if none.
    [[nodiscard]] const std::string& last_number() const noexcept { return last_number_; }

private:
    enum class LineState : std::uint8_t { WaitA, GotA, InLine };
    void command_byte(std::uint8_t raw);
    void online_byte(std::uint8_t raw, std::int64_t now_ms);
    void execute_line(const std::string& line);
    void release_escape_chars();
    void complete_escape();
    void go_online(int rate_bps);
    void emit_text(std::string_view text);           // engine text -> output, parity applied
    void emit_result(Result r);
    void emit_info(std::string_view text);           // info text framed for V0/V1
    void end_call(Result r);                         // result + Command mode
    std::string crlf() const;

    // command execution helpers (commands.cpp); each returns false on ERROR
    bool cmd_dial(std::string_view rest);
    bool cmd_sreg(std::string_view line, std::size_t& pos);
    bool cmd_extended(std::string_view line, std::size_t& pos);
    bool cmd_ms(std::string_view args);
    void show_settings();
    void show_info(int n);

    Config cfg_;
    Settings settings_;
    Mode mode_ = Mode::Command;
    v14::Format format_{};        // detected / configured DTE format
    v14::Format data_format_{};   // format of the data layer (from on_connect)
    int rate_bps_ = 0;
    std::int64_t now_ms_ = 0;
    bool clock_started_ = false;

    // line editing
    LineState line_state_ = LineState::WaitA;
    std::uint8_t a_raw_ = 0;       // the 'A' byte as received, for format detection
    std::string line_;             // characters after "AT", bit 7 stripped
    bool line_overflow_ = false;
    std::string last_line_;        // for A/
    int selected_sreg_ = 0;        // ATSn then AT? reads it
    std::string last_number_;      // for ATDL

    // escape sequence (online)
    std::int64_t last_dte_byte_ms_ = 0;
    std::array<std::uint8_t, 3> esc_held_{};
    int esc_count_ = 0;

    // call state
    bool off_hook_ = false;            // a call is up or being set up (ATH then sends Hangup)
    bool dial_return_pending_ = false; // ATD...; waiting for on_dial_complete()
    bool lapm_ = false;                // the connection reported by on_connect() runs V.42
    std::int64_t last_ring_ms_ = 0;

    // outputs
    std::string out_;
    std::vector<std::uint8_t> data_;
    std::vector<Action> actions_;
};

}  // namespace modem::at
