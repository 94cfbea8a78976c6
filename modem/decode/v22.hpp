// SPDX-License-Identifier: MIT
/// \file
/// V.22 / V.22bis part of the recording decoder: one tracker per direction that finds USB1, S1,
/// scrambled ones at 1200 and 2400 bit/s and data (V.22bis 6.3), and deframes the data as
/// start-stop characters with the format found by trying the usual ones (V.14).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dsp/types.hpp"
#include "modem/decode/events.hpp"
#include "modem/v14/v14.hpp"
#include "modem/v22bis/rx.hpp"
#include "modem/v42/hdlc.hpp"

namespace modem::decode {

/// Printable form of received bytes: ASCII 0x20..0x7e as is (backslash doubled), \r \n \t, and
/// every other byte as \xHH (lower-case hex).
std::string escape_text(std::span<const std::uint8_t> bytes);
/// Lower-case hex, two digits per byte, separated by single spaces ("48 69").
std::string hex_bytes(std::span<const std::uint8_t> bytes);

/// Start-stop deframing with the character format found from the bits themselves. Every
/// candidate (8N1, 7E1, 7O1, 8E1, 8O1, 7N1, 7N2, 8N2, 7E2, 7O2) runs its own V.14 receive converter on
/// the same bits; the one with the lowest error rate (parity + framing errors + half the
/// re-inserted stop elements, per character) wins. Formats that read the same bits without
/// error (7E1 data also reads as 8N1 with bit 7 = parity) are ranked by how much they explain:
/// the parity and two-stop formats come before 8N1 once 8 characters agree, 8N1 first before that.
class FormatDetector {
public:
    /// Keeps the first `max_bytes` characters of each candidate (counts go on).
    explicit FormatDetector(std::size_t max_bytes);
    void push_bit(std::uint8_t bit);
    struct Result {
        v14::Format format{};
        std::vector<std::uint8_t> bytes;  ///< at most max_bytes
        std::uint64_t chars = 0;          ///< all characters decoded (breaks not counted)
        std::uint64_t parity_errors = 0, framing_errors = 0, breaks = 0;
    };
    /// The winning candidate so far.
    [[nodiscard]] Result result() const;
    /// The candidate formats in ranking order for ties (after 8 characters).
    static std::span<const v14::Format> candidates() noexcept;

private:
    struct Candidate {
        std::unique_ptr<v14::AsyncRx> rx;
        std::vector<std::uint8_t> bytes;
    };
    std::size_t max_bytes_;
    std::vector<Candidate> cands_;
};

/// One direction of a V.22/V.22bis call seen in a recording: a v22bis::Rx on that direction's
/// channel (caller: low channel 1200 Hz, answerer: high channel 2400 Hz) and the segment logic.
///
/// Per symbol (600/s):
/// - signal gate on the receiver's in-band level L (15 ms average): ON when L is 9 dB above the
///   lowest L of the last second and above on_dbm0, and again at each jump of 9 dB within 40 ms
///   even when already ON (then the
///   receiver re-acquires: restart()); OFF when L falls 12 dB under the highest L since ON, or
///   under off_dbm0. A signal that starts while noise already holds the level up is thus still
///   acquired afresh. The first segment of a signal found within 100 ms is dated at the rise.
/// - USB1 and S1 from the receiver's detectors (raw dibits, V.22bis 6.2); 16-way decisions from
///   450 ms after the end of the direction's own S1 (V.22bis 6.3.1.1 d: its far end switched to
///   2400 at +600 ms of the S1 it heard, which ended after this one).
/// - scrambled ones: the symbols are read both ways, as dibits (1200) and as quadbits
///   (2400, Q1Q2 from the quadrant change, Q3Q4 from the 16-point slice), each descrambled by
///   its own descrambler; 64 bits with at most 2 zeros make SB1 at that rate (dated from the
///   first of the 64).
/// - data starts at the oldest zero of 16 bits holding 3 zeros or more after SB1 (a start bit;
///   a lone zero in noise is not data), or 200 ms into SB1 at 2400 (V.22bis 6.3.1.1 e:
///   the transmitter is ready then, and what follows is idle mark); at 1200 after a V.22bis S1
///   the zero must not be followed by SB1 at 2400 within 24 symbols. Data ends with the signal
///   or at a new S1 (retrain); symbols after the last one with |point|^2 >= 1 (grid units, AGC
///   frozen in data mode) are dropped, so the fading tail adds no characters.
/// - V.42: the data bits also go through an HDLC receiver (FCS-16, V.42 8.1); every frame between
///   flags becomes a `lapm_frame` event (decoded by modem/v42/frames.hpp; FCS errors flagged), and
///   before the first flag an 8N1 receiver counts the detection patterns (V.42 8.2: ODP = DC1
///   0x11/0x91 from the originator, ADP = 'E'/'C' from the answerer), reported as one `lapm_frame`
///   event with frame "ODP" or "ADP". A data segment with two good LAPM frames or more reports
///   format "LAPM", the payload of its I frames as text/hex and their octet count as `bytes`
///   (error counts 0: they belong to start-stop data).
class V22Tracker {
public:
    struct Config {
        Direction direction = Direction::Caller;  ///< whose channel: caller = low, answerer = high
        double on_dbm0 = -52.0;   ///< project choice (quiet recordings; see Decoder::Config)
        double off_dbm0 = -57.0;
        std::size_t max_bytes = 4096;  ///< payload kept per data segment; project choice
    };
    explicit V22Tracker(const Config& cfg);
    /// Input samples (time = samples fed so far; any block length, same result). Appends
    /// finished segments to `out`.
    void process(std::span<const float> in, std::vector<Event>& out);
    /// End of input: closes what is open.
    void finish(std::vector<Event>& out);
    /// Start of the signal being received, or v22bis::kNever when none (for the unknown tracker).
    [[nodiscard]] SampleTime active_since() const noexcept { return on_ ? on_at_ : v22bis::kNever; }
    /// A data segment is open (the V.21 bands are taken by the V.22 signal).
    [[nodiscard]] bool in_data() const noexcept { return seg_ == Seg::Data; }

    enum class Seg : std::uint8_t { None, Usb1, S1, Sb1200, Sb2400, Data };

private:
    struct Sym {
        SampleTime at = 0;
        std::uint8_t n = 0;
        std::array<std::uint8_t, 4> bits{};
        bool strong = false;
    };
    void on_symbol(const v22bis::RxSymbol& s, std::vector<Event>& out);
    void gate(const v22bis::RxSymbol& s, std::vector<Event>& out);
    void open(Seg seg, SampleTime at);
    void close(SampleTime end, std::vector<Event>& out);
    void start_data(int rate, SampleTime at);
    void feed(const Sym& s);
    void flush_data(SampleTime end);
    void reset_segments();
    void push_data_bits(const Sym& s);
    void on_lapm(bool fcs_ok, SampleTime end);
    void close_detection();

    Config cfg_;
    v22bis::Rx rx_;
    // gate
    bool on_ = false;
    SampleTime on_at_ = 0;
    bool first_seg_ = false;  // no segment opened since ON
    double peak_db_ = -200.0;
    std::array<double, 20> bucket_min_{};  // minimum L per 30-symbol bucket, last 20 buckets (1 s)
    std::size_t bucket_ = 0;
    int bucket_fill_ = 0;
    // segments
    Seg seg_ = Seg::None;
    SampleTime seg_start_ = 0;
    int rate_ = 0;
    SampleTime last_usb_ = 0, last_s1_ = 0, last_strong_ = 0, last_loud_ = 0;
    SampleTime sixteen_at_ = v22bis::kNever;
    v22bis::Descrambler d2_, d4_;
    /// One reading of the symbols (dibits or quadbits): the last 64 descrambled bits as a mask
    /// of zeros (bit 0 newest), how many bits it holds, and the last 16 symbols.
    struct Reading {
        std::uint64_t zeros = 0;
        int n_bits = 0;
        std::array<Sym, 16> recent{};
        std::size_t recent_pos = 0;
    };
    Reading r2_, r4_;
    std::array<double, 24> level_ring_{};  // L of the last 24 symbols (40 ms)
    std::size_t level_pos_ = 0;
    bool jump_ = false;
    // data after a 1200 SB1 while 2400 may still follow: symbols held until decided
    SampleTime zero_at_ = v22bis::kNever;
    std::vector<Sym> held_;
    // data: symbols pass a delay line so the tail after the signal's end can be dropped
    std::array<Sym, 48> fifo_{};
    std::size_t fifo_head_ = 0, fifo_n_ = 0;
    std::unique_ptr<FormatDetector> detector_;
    double data_level_sum_ = 0.0;
    std::int64_t data_level_n_ = 0;
    // V.42 in the data: HDLC frames, and the detection patterns before the first flag
    std::unique_ptr<v42::HdlcRx> lapm_;
    std::unique_ptr<v14::AsyncRx> detect_rx_;
    std::uint64_t lapm_flags_ = 0;
    SampleTime lapm_frame_start_ = 0, bit_at_ = 0;
    int lapm_good_ = 0;
    std::vector<std::uint8_t> lapm_payload_;  // I-frame information, at most max_bytes
    std::uint64_t lapm_payload_total_ = 0;    // all I-frame information octets
    int odp_ = 0, adp_ = 0;
    SampleTime detect_start_ = v22bis::kNever, detect_end_ = 0;
    std::vector<Event> pending_;  // LAPM events waiting for the next process()/finish() output
};

}  // namespace modem::decode
