// SPDX-License-Identifier: MIT
/// \file
/// The recording decoder: tone detectors, two V.21 receivers with the V.8 deframer (V.8 section 5)
/// and an HDLC flag counter (T.30 over V.21 channel 2), and the unknown-energy tracker.
#include "modem/decode/decoder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

#include "dsp/fft.hpp"
#include "modem/decode/signatures.hpp"
#include "modem/decode/v22.hpp"
#include "modem/tones/listener.hpp"
#include "modem/v21/fsk_rx.hpp"
#include "modem/v42/hdlc.hpp"
#include "modem/v8/messages.hpp"

namespace modem::decode {

namespace {

namespace v8 = modem::v8;
namespace v21 = modem::v21;
namespace tones = modem::tones;

constexpr double kAnsPcmHz = 2099.7;           // V.90/V.92 ANSpcm (protocols.md 10.5, [1] BM)
constexpr double kAnsPcmPeriodMs = 451.5;      // its reversal period
constexpr double kAnsPcmTolHz = 0.15;          // project choice (ANS/ is 2100 +/- 15 Hz, mostly 2100.0)
constexpr double kAnsPcmTolMs = 1.0;           // project choice (ANS/ reverses every 450 ms)
constexpr double kDcPole = 0.999;              // DC blocker pole, -3 dB at 1.3 Hz; project choice
constexpr std::size_t kFftN = 256;             // spectrogram: 31.25 Hz bins; project choice
constexpr std::size_t kHop = 128;              // 16 ms columns; project choice
constexpr std::size_t kBins = kFftN / 2 + 1;
constexpr int kColumnsPerSlice = 8;            // 1024-sample (128 ms) slices; project choice
constexpr SampleTime kSliceLen = static_cast<SampleTime>(kHop) * kColumnsPerSlice;
constexpr int kFloorHalfSlices = 117;          // +/-15 s of slices for the floor; project choice
constexpr std::size_t kRing = 2 * kFloorHalfSlices + 1;
constexpr double kAboveFloorDb = 10.0;         // project choice
// The floor is taken no higher than this, so a recording with no quiet stretch within +/-15 s
// (a long data phase) still shows as energy. Project choice.
constexpr double kFloorCapDbm0 = -45.0;
constexpr double kBandLowHz = 200.0;           // energy band for segmenting; project choice
constexpr double kBandHighHz = 3800.0;
constexpr double kHannEnbwBins = 1.5;          // equivalent noise bandwidth of the Hann window
constexpr int kMaxUnknownSlices = 78;          // unknown runs are cut every 10 s; project choice
constexpr SampleTime kCoverLookback = 60 * dsp::kFsHz;  // events end at most this late; project choice
constexpr SampleTime kCoverPad = kSliceLen / 2;
constexpr double kBinHz = static_cast<double>(dsp::kFsHz) / kFftN;

// V.21 burst acceptance, project choice. Measured on a real capture (virtualmodem_v34): the mean
// |d| at the bit decisions is about 0.72 during V.8 FSK with random-looking data, 0.4-0.45 on
// line noise. A run of FSK starts when an average of |d| (alpha 1/8) reaches 0.62 and ends under
// 0.5; the start is dated 8 bits back for the average's lag. It is reported when it has at
// least 20 bits (67 ms), 4 transitions and a mean |d| of 0.6, or when a message was decoded in it.
constexpr int kMinBurstBits = 20;
constexpr int kMinBurstTransitions = 4;
constexpr double kMinBurstSoft = 0.6;
// A steady tone near one V.21 frequency (Bell 103's 1270 Hz, V.34 INFO0 at 1200 Hz) is not
// data: without a decoded message, a burst needs at least 3 % of each bit value. Project choice.
constexpr double kMinShare = 0.03;
constexpr double kFastAlpha = 0.125;
constexpr double kRunOnSoft = 0.62;
constexpr double kRunOffSoft = 0.5;
constexpr int kRunBackBits = 8;
// The V.21 receivers are run only around energy in their band, seen on the spectrogram through
// a look-ahead delay line, because they cost most of the decoder's time. Project choice: 128 ms
// look-ahead (the receiver is warm 96 ms before the signal), 256 ms hang-over.
constexpr std::size_t kGateDelay = 1024;
constexpr SampleTime kGateHang = 2048;
// The receivers are fed from the look-ahead in runs of up to this many samples (they cost about
// a third per sample in runs of 256 as one at a time), ahead of the sample being decoded; their
// events wait for the sample at which they would have come out of a receiver fed one sample at a
// time (RxEvent::known_at), and those past the gate's closing are dropped. Project choice, at
// most kGateDelay.
constexpr std::size_t kFskAhead = 256;
static_assert(kFskAhead <= kGateDelay);
// A V.8 message is believed when the recent bits (EMA over ~16 bits) had |d| >= 0.6; project choice.
constexpr double kSoftEmaAlpha = 1.0 / 16.0;
constexpr double kMinMessageSoft = 0.6;
// Repeated identical messages closer than this are one event; project choice (back to back
// repetitions are 1 bit apart).
constexpr SampleTime kMergeGap = 400;
constexpr SampleTime kBitLen = (dsp::kFsHz + v21::kBitRateBps - 1) / v21::kBitRateBps;  // 27 samples
constexpr std::size_t kV22Chunk = 256;        // samples handed to the V.22 trackers at once; project choice
// Last 3 bits of a message's last octet: mean |d| at least this (measured: 0.55 or more on whole
// messages at 12 dB SNR and 0.61 or more on the shared real captures, 0.27 where spandsp's JM
// stopped inside its third octet). Project choice.
constexpr SampleTime kTailBits = 3;
constexpr double kMinTailSoft = 0.45;
// USB1 check on the spectrogram (protocols.md 6.4 and 10.7, measured on spandsp's output):
// unscrambled ones advance the phase by 270 degrees a symbol, so the line sits 150 Hz under the
// carrier (2250 Hz answerer, 1050 Hz caller) with an image 11.5 dB lower 450 Hz over it (2850,
// 1650 Hz). A steady tone near there (Bell 103's 2225 Hz mark, DTMF, ringback) has no image.
constexpr double kUsb1MainHz[2] = {1050.0, 2250.0};   // caller, answerer
constexpr double kUsb1ImageHz[2] = {1650.0, 2850.0};
constexpr double kUsb1MinImage = 0.01;         // image at most 20 dB under the line; project choice
// The line holds this share of the 200-3800 Hz power at least (measured: 90 % alone, 30 % or
// more with the other direction's S1/SB1 and a guard tone; a V.34 probing comb puts 10 % on 2250
// and 2850 Hz together). Project choice.
constexpr double kUsb1MinShare = 0.2;
constexpr std::size_t kUsbRing = 3750;         // 60 s of 16 ms columns; project choice
constexpr std::uint8_t kHdlcFlag = 0x7E;       // ISO 3309 / T.30 flag 01111110
constexpr int kMinFlags = 4;                   // a run this long is reported; project choice

// T.30 5.3.6 HDLC frames on V.21 channel 2: address 0xFF, control 0x03 (more frames follow) or
// 0x13 (final frame), as octets assembled least significant bit first. The facsimile control
// field is named here in T.30's own notation (first bit sent = most significant); commands with
// the "X" bit (set by the calling terminal) in that position are looked up with it cleared.
constexpr std::uint8_t kT30Address = 0xFF;
constexpr std::uint8_t kT30Control = 0x03;
constexpr std::uint8_t kT30ControlFinal = 0x13;
constexpr std::size_t kT30MinFrame = 3;       // address, control, FCF
const v42::HdlcRx::Config kT30Hdlc{.fcs = v42::FcsSize::Fcs16, .max_frame = 260, .min_frame = kT30MinFrame};

std::uint8_t reversed(std::uint8_t v) {
    std::uint8_t r = 0;
    for (int i = 0; i < 8; ++i) r = static_cast<std::uint8_t>(r | (((v >> i) & 1u) << (7 - i)));
    return r;
}

/// T.30 Table 1 names of the FCF (T.30 notation, first bit sent as the MSB).
const char* t30_fcf_name(std::uint8_t fcf) {
    switch (fcf) {  // the initial identification and its polling counterparts: no X bit
    case 0x01: return "DIS";
    case 0x02: return "CSI";
    case 0x04: return "NSF";
    case 0x81: return "DTC";
    case 0x82: return "CIG";
    case 0x84: return "NSC";
    default: break;
    }
    switch (fcf & 0x7F) {
    case 0x41: return "DCS";
    case 0x42: return "TSI";
    case 0x44: return "NSS";
    case 0x21: return "CFR";
    case 0x22: return "FTT";
    case 0x31: return "MCF";
    case 0x32: return "RTN";
    case 0x33: return "RTP";
    case 0x5F: return "DCN";
    case 0x71: return "EOM";
    case 0x72: return "MPS";
    case 0x74: return "EOP";
    default: return "";
    }
}

/// T.30 Table 2 bit n (from 1, in the order sent) of a DIS/DTC/DCS information field.
bool fif_bit(std::span<const std::uint8_t> fif, int n) {
    const auto i = static_cast<std::size_t>(n - 1);
    return i / 8 < fif.size() && ((fif[i / 8] >> (i % 8)) & 1u) != 0;
}

std::string hex(std::span<const std::uint8_t> octets) {
    std::string s;
    char buf[4];
    for (std::size_t i = 0; i < octets.size(); ++i) {
        std::snprintf(buf, sizeof buf, i ? " %02x" : "%02x", octets[i]);
        s += buf;
    }
    return s;
}

/// x rounded to a multiple of step; steps below 1 divide by their inverse so 0.1 steps print cleanly.
double round_to(double x, double step) {
    return step < 1.0 ? std::round(x / step) / std::round(1.0 / step) : std::round(x / step) * step;
}

std::string fmt(const char* f, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, a);
    return buf;
}

Event make_event(SampleTime start, SampleTime end, Kind kind, Direction dir = Direction::Unknown) {
    Event e;
    e.start = start;
    e.end = end;
    e.kind = kind;
    e.direction = dir;
    return e;
}

Kind tone_kind(tones::ToneKind k) {
    switch (k) {
    case tones::ToneKind::Ans: return Kind::Ans;
    case tones::ToneKind::AnsPr: return Kind::AnsReversals;
    case tones::ToneKind::Ansam: return Kind::Ansam;
    case tones::ToneKind::AnsamPr: return Kind::AnsamReversals;
    case tones::ToneKind::Cng: return Kind::Cng;
    case tones::ToneKind::Ct: return Kind::Ct;
    case tones::ToneKind::Dial: return Kind::DialTone;
    case tones::ToneKind::Busy: return Kind::Busy;
    case tones::ToneKind::Ringback: return Kind::Ringback;
    case tones::ToneKind::Dtmf: return Kind::Dtmf;
    }
    return Kind::Unknown;
}

Event tone_event(const tones::ToneEvent& t) {
    Event e = make_event(t.start, t.end, tone_kind(t.kind));
    const std::string name(tones::to_string(t.kind));
    switch (e.kind) {
    case Kind::Ans:
    case Kind::AnsReversals:
    case Kind::Ansam:
    case Kind::AnsamReversals: {
        e.direction = Direction::Answerer;
        e.fields.push_back({"freq_hz", round_to(t.freq_hz, 0.1)});
        e.fields.push_back({"reversals", std::int64_t{t.reversals}});
        if (t.reversals >= 2) e.fields.push_back({"reversal_period_ms", round_to(t.reversal_period_ms, 0.1)});
        e.fields.push_back({"am_depth", round_to(t.am_depth, 0.001)});
        e.fields.push_back({"level_dbm0", round_to(t.level_dbm0, 0.1)});
        e.summary = name + (e.kind == Kind::Ans ? " (or fax CED)" : "") + fmt(", %.1f Hz", t.freq_hz) +
                    fmt(", AM %.0f %%", t.am_depth * 100.0);
        if (t.reversals > 0)
            e.summary += ", " + std::to_string(t.reversals) + " reversals" +
                         (t.reversals >= 2 ? fmt(" every %.0f ms", t.reversal_period_ms) : "");
        e.summary += fmt(", %.0f dBm0", t.level_dbm0);
        // V.90/V.92 ANSpcm (protocols.md 10.5): made from PCM codes by the digital modem, 2099.7 Hz
        // with reversals every 451.5 ms and no AM, so it is "ANS/" to the detector; told apart by
        // its frequency and period, which the detector measures to 0.1 Hz and 0.1 ms.
        if (e.kind == Kind::AnsReversals && t.reversals >= 2 && std::fabs(t.freq_hz - kAnsPcmHz) <= kAnsPcmTolHz &&
            std::fabs(t.reversal_period_ms - kAnsPcmPeriodMs) <= kAnsPcmTolMs) {
            e.fields.push_back({"ans_pcm", true});
            e.summary += " (V.90/V.92 ANSpcm signature: a digital modem answers)";
        }
        break;
    }
    case Kind::Dtmf:
        e.direction = Direction::Caller;
        e.fields.push_back({"digit", std::string(1, t.digit)});
        e.fields.push_back({"freq_hz", std::vector<double>{round_to(t.freq_hz, 0.1), round_to(t.freq2_hz, 0.1)}});
        e.fields.push_back({"level_dbm0", round_to(t.level_dbm0, 0.1)});
        e.summary = std::string("DTMF ") + t.digit + fmt(" (%.0f", t.freq_hz) + fmt(" + %.0f Hz)", t.freq2_hz);
        break;
    case Kind::Cng:
    case Kind::Ct:
        e.direction = Direction::Caller;
        [[fallthrough]];
    default:
        e.fields.push_back({"cycles", std::int64_t{t.cycles}});
        e.fields.push_back({"level_dbm0", round_to(t.level_dbm0, 0.1)});
        e.summary = name + ", " + std::to_string(t.cycles) + (t.cycles == 1 ? " cycle" : " cycles") +
                    fmt(", %.0f dBm0", t.level_dbm0);
        break;
    }
    return e;
}

std::vector<std::string> modulation_names(v8::ModulationSet s) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v8::kModulationCount; ++i) {
        const auto m = static_cast<v8::Modulation>(i);
        if (s.has(m)) out.emplace_back(v8::to_string(m));
    }
    return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
    return s;
}

/// Fields and summary of a decoded V.8 message.
void describe_message(Event& e, const v8::Octets& octets, int count) {
    const auto body = octets.view();
    const std::string name = e.kind == Kind::Ci ? "CI" : e.kind == Kind::Cm ? "CM" : e.kind == Kind::Jm ? "JM"
                             : e.kind == Kind::Cj ? "CJ" : "V.92 QC";
    e.summary = name + (count > 1 ? " x" + std::to_string(count) : "");
    if (e.kind == Kind::Ci || e.kind == Kind::Cm || e.kind == Kind::Jm) {
        const auto r = v8::decode_menu(body, e.kind != Kind::Ci);
        e.fields.push_back({"valid", r.ok});
        if (!r.ok) {
            e.fields.push_back({"error", std::string(r.error)});
            e.summary += std::string(": undecodable (") + r.error + ")";
        } else {
            e.fields.push_back({"call_function", std::string(v8::to_string(r.menu.call_function))});
            e.summary += std::string(": ") + std::string(v8::to_string(r.menu.call_function));
            if (e.kind != Kind::Ci) {
                const auto mods = modulation_names(r.menu.modulations);
                e.fields.push_back({"modulations", mods});
                e.fields.push_back({"lapm", r.menu.lapm});
                e.summary += "; " + (mods.empty() ? std::string("no modulation") : join(mods, " "));
                if (r.menu.lapm) e.summary += "; LAPM";
                if (r.menu.gstn_access) {
                    std::vector<std::string> g;
                    if (r.menu.gstn_access->call_cellular) g.emplace_back("call_cellular");
                    if (r.menu.gstn_access->answer_cellular) g.emplace_back("answer_cellular");
                    if (r.menu.gstn_access->digital) g.emplace_back("digital");
                    e.fields.push_back({"gstn_access", g});
                    e.summary += "; GSTN access" + (g.empty() ? std::string() : " " + join(g, ","));
                }
                if (r.menu.pcm) {
                    std::vector<std::string> p;
                    if (r.menu.pcm->v90_analogue) p.emplace_back("V.90 analogue");
                    if (r.menu.pcm->v90_digital) p.emplace_back("V.90 digital");
                    if (r.menu.pcm->v91) p.emplace_back("V.91");
                    e.fields.push_back({"pcm", p});
                    e.summary += "; PCM " + (p.empty() ? std::string("none") : join(p, ","));
                }
                if (r.menu.skipped_categories > 0)
                    e.fields.push_back({"skipped_categories", std::int64_t{r.menu.skipped_categories}});
            }
        }
    }
    e.fields.push_back({"octets", hex(body)});
    e.fields.push_back({"count", std::int64_t{count}});
    if (!body.empty()) e.summary += " [" + hex(body) + "]";
}

}  // namespace

/// One V.21 channel: receiver, V.8 deframer, burst statistics, HDLC flag runs.
struct FskChannel {
    explicit FskChannel(v21::Channel c, const Decoder::Config& cfg)
        : channel(c),
          rx({.channel = c, .carrier_on_dbm0 = cfg.fsk_on_dbm0, .carrier_off_dbm0 = cfg.fsk_off_dbm0}),
          queue(2 * rx.max_output(kFskAhead)),
          hdlc(kT30Hdlc) {}

    v21::Channel channel;
    v21::FskRx rx;
    v8::Deframer deframer;
    // Events of the samples fed ahead, in order, receiver times; [queue_pos, queue_len) waiting.
    std::vector<v21::RxEvent> queue;
    std::size_t queue_pos = 0, queue_len = 0;
    SampleTime fed = 0;  // absolute time of the next sample to feed

    // gate: the receiver runs on the delayed signal while `active_until` is ahead of it
    bool running = false;
    SampleTime base = 0;          // absolute time of the receiver's sample 0
    SampleTime active_until = -1; // absolute (delayed-signal) time up to which to run
    std::size_t lo_bin = 0, hi_bin = 0;

    bool carrier = false;
    double soft_ema = 0.0, fast_ema = 0.0;
    bool in_run = false;
    SampleTime first_bit = -1, last_bit = 0;
    std::int64_t bits = 0, ones = 0, transitions = 0, messages = 0;
    double soft_sum = 0.0;
    std::uint8_t prev_bit = 2;

    std::uint8_t hdlc_window = 0;
    std::int64_t bit_index = 0, last_flag = -100;
    int flag_run = 0;
    SampleTime flag_start = 0, flag_end = 0;
    std::array<SampleTime, 16> bit_times{};
    // T.30 frames (HDLC with FCS-16, ISO 13239 as in V.42)
    v42::HdlcRx hdlc;
    std::uint64_t flags_seen = 0;
    SampleTime frame_start = 0;
    // |d| of the last 32 bits and their times: the quality of a message's last octet.
    std::array<float, 32> soft_ring{};
    std::array<SampleTime, 32> soft_times{};
    std::size_t soft_pos = 0;

    struct Pending {
        Kind kind;
        v8::Octets octets;
        SampleTime start, end;
        int count;
        int truncated = 0;
    };
    std::optional<Pending> pending;

    [[nodiscard]] Direction direction() const noexcept {
        return channel == v21::Channel::Ch1 ? Direction::Caller : Direction::Answerer;
    }
};

struct Decoder::Impl {
    explicit Impl(Config c, std::vector<Event>& ev)
        : cfg(std::move(c)),
          events(ev),
          ch1(v21::Channel::Ch1, cfg),
          ch2(v21::Channel::Ch2, cfg),
          v22_caller({.direction = Direction::Caller, .on_dbm0 = cfg.v22_on_dbm0, .off_dbm0 = cfg.v22_off_dbm0,
                      .max_bytes = cfg.max_data_bytes}),
          v22_answerer({.direction = Direction::Answerer, .on_dbm0 = cfg.v22_on_dbm0, .off_dbm0 = cfg.v22_off_dbm0,
                        .max_bytes = cfg.max_data_bytes}),
          spectrogram({.n = kFftN, .hop = kHop, .window = dsp::Window::Hann}),
          delay(kGateDelay, 0.0f),
          ring(kRing),
          min_energy_power(dsp::dbm0_to_power(cfg.min_energy_dbm0)) {
        lo_bin = static_cast<std::size_t>(std::ceil(kBandLowHz / kBinHz));
        hi_bin = static_cast<std::size_t>(std::floor(kBandHighHz / kBinHz));
        for (FskChannel* ch : {&ch1, &ch2}) {
            const auto f = v21::frequencies(ch->channel);
            ch->lo_bin = static_cast<std::size_t>(std::floor((f.mark_hz - 60.0) / kBinHz));
            ch->hi_bin = static_cast<std::size_t>(std::ceil((f.space_hz + 60.0) / kBinHz));
        }
        gate_power = dsp::dbm0_to_power(cfg.fsk_off_dbm0 - 3.0) * kHannEnbwBins;
        v22_chunk.reserve(kV22Chunk);
    }

    struct Slice {
        SampleTime start = 0, end = 0;
        double band_power = 0.0;
        std::array<float, kBins> power{};  // mean linear power per bin
    };

    Config cfg;
    std::vector<Event>& events;
    tones::ToneListener listener;
    FskChannel ch1, ch2;
    V22Tracker v22_caller, v22_answerer;
    SignatureTracker signatures{{.min_dbm0 = cfg.min_energy_dbm0}};
    std::vector<float> v22_chunk;  // DC-blocked samples not yet given to the V.22 trackers
    dsp::Spectrogram spectrogram;
    std::size_t lo_bin = 0, hi_bin = 0;
    double dc_x1 = 0.0, dc_y1 = 0.0;
    SampleTime now = 0;
    bool finished = false;

    // Per spectrogram column: USB1 line and image power per channel, for checking USB1 events.
    struct UsbCol {
        SampleTime end = -1;
        std::array<float, 2> main{}, image{};
        float band = 0.0f;  // 200-3800 Hz
    };
    std::array<double, kBins> lin{};  // the latest spectrogram column as linear power
    std::vector<UsbCol> usb_ring = std::vector<UsbCol>(kUsbRing);
    std::size_t usb_pos = 0;
    [[nodiscard]] bool usb1_plausible(const Event& e) const;

    std::vector<float> delay;  // look-ahead for the V.21 receivers
    std::size_t delay_pos = 0;
    double gate_power = 0.0;

    // slices
    std::vector<Slice> ring;
    Slice building;
    int building_cols = 0;
    std::int64_t n_slices = 0, next_decide = 0;
    double min_energy_power;
    double floor_cap = dsp::dbm0_to_power(kFloorCapDbm0);

    // unknown run
    bool run_open = false;
    SampleTime run_start = 0, run_end = 0;
    int run_slices = 0;
    std::array<double, kBins> run_power{};
    double run_band = 0.0;

    void sample(float x);
    void on_fsk(FskChannel& c, const v21::RxEvent& ev);
    void on_message(FskChannel& c, const v8::Received& m);
    void flush_pending(FskChannel& c);
    void on_good_message(FskChannel& c, Kind kind, const v8::Received& m);
    [[nodiscard]] bool last_octet_doubtful(const FskChannel& c, SampleTime end) const;
    void end_burst(FskChannel& c);
    void end_run(FskChannel& c);
    /// Runs channel c's gate and receiver for the sample at time t; the delay line holds the
    /// times ring_t0.. from delay_pos on, available up to `last`.
    void run_fsk(FskChannel& c, SampleTime t, SampleTime ring_t0, SampleTime last);
    void stop_fsk(FskChannel& c);
    void on_flag(FskChannel& c, SampleTime at);
    void on_t30_frame(FskChannel& c, bool fcs_ok, SampleTime end);
    void close_flags(FskChannel& c);
    void on_column(const dsp::SpectrogramColumn& col);
    void decide(std::int64_t k, std::int64_t last);
    void close_run();
    void finish();
    void drop_tone_bursts();
    void run_v22();
    void drop_implausible_usb1(std::size_t first);
    [[nodiscard]] double covered_fraction(SampleTime s, SampleTime e) const;
};

void Decoder::Impl::sample(float x) {
    // DC blocker: y[n] = x[n] - x[n-1] + r y[n-1].
    const double y = static_cast<double>(x) - dc_x1 + kDcPole * dc_y1;
    dc_x1 = x;
    dc_y1 = y;
    const float v = static_cast<float>(y);
    const std::span<const float> one(&v, 1);
    ++now;
    v22_chunk.push_back(v);
    if (v22_chunk.size() == kV22Chunk) run_v22();

    listener.process(one, [&](const tones::ToneEvent& t) { events.push_back(tone_event(t)); });
    if (spectrogram.push(v)) on_column(spectrogram.last());
    // The V.21 receivers see the signal kGateDelay samples late (time t): the delay line holds
    // times t .. t + kGateDelay - 1 from delay_pos on, before v replaces the oldest.
    const SampleTime t = now - 1 - static_cast<SampleTime>(kGateDelay);
    if (t >= 0) {
        for (FskChannel* c : {&ch1, &ch2}) run_fsk(*c, t, t, t + static_cast<SampleTime>(kGateDelay) - 1);
    }
    delay[delay_pos] = v;
    if (++delay_pos == kGateDelay) delay_pos = 0;
}

void Decoder::Impl::run_v22() {
    const std::size_t first = events.size();
    v22_caller.process(v22_chunk, events);
    v22_answerer.process(v22_chunk, events);
    v22_chunk.clear();
    drop_implausible_usb1(first);
}

void Decoder::Impl::drop_implausible_usb1(std::size_t first) {
    for (std::size_t i = first; i < events.size();) {
        if (events[i].kind == Kind::V22bisUsb1 && !usb1_plausible(events[i]))
            events.erase(events.begin() + static_cast<std::ptrdiff_t>(i));
        else
            ++i;
    }
}

bool Decoder::Impl::usb1_plausible(const Event& e) const {
    const std::size_t d = e.direction == Direction::Answerer ? 1 : 0;
    double main = 0.0, image = 0.0, band = 0.0;
    int n = 0;
    for (const auto& c : usb_ring) {
        if (c.end - static_cast<SampleTime>(kFftN) < e.start || c.end > e.end) continue;
        main += static_cast<double>(c.main[d]);
        image += static_cast<double>(c.image[d]);
        band += static_cast<double>(c.band);
        ++n;
    }
    if (n < 2) return true;  // too short to judge
    return image >= kUsb1MinImage * main && image <= main && main >= kUsb1MinShare * band;
}

void Decoder::Impl::run_fsk(FskChannel& c, SampleTime t, SampleTime ring_t0, SampleTime last) {
    // V.22 data in either direction covers both V.21 bands on a 2-wire line: no FSK can be told
    // apart there, and the FSK receivers would cost most of the decoding time of a long call.
    if (t > c.active_until || v22_caller.in_data() || v22_answerer.in_data()) {
        if (c.running) {
            c.queue_pos = c.queue_len = 0;  // events of samples fed ahead that the gate now drops
            stop_fsk(c);
        }
        return;
    }
    if (!c.running) {
        c.running = true;
        c.rx.reset();
        c.base = t;
        c.fed = t;
        c.queue_pos = c.queue_len = 0;
    }
    if (c.fed <= t) {
        // Every event so far came from samples before t and has been handed on: the queue is
        // empty. Feed the next run from the delay line (in two pieces where it wraps).
        c.queue_pos = c.queue_len = 0;
        const SampleTime end = std::min(c.fed + static_cast<SampleTime>(kFskAhead), last + 1);
        while (c.fed < end) {
            const std::size_t at = (delay_pos + static_cast<std::size_t>(c.fed - ring_t0)) % kGateDelay;
            const std::size_t len = std::min(static_cast<std::size_t>(end - c.fed), kGateDelay - at);
            c.queue_len += c.rx.process(std::span<const float>(delay.data() + at, len),
                                        std::span<v21::RxEvent>(c.queue).subspan(c.queue_len));
            c.fed += static_cast<SampleTime>(len);
        }
    }
    // The events a receiver fed one sample at a time would have returned for sample t.
    while (c.queue_pos < c.queue_len && c.base + c.queue[c.queue_pos].known_at <= t) {
        v21::RxEvent ev = c.queue[c.queue_pos++];
        ev.at += c.base;
        on_fsk(c, ev);
    }
}

void Decoder::Impl::stop_fsk(FskChannel& c) {
    c.running = false;
    if (const auto* m = c.deframer.flush()) on_message(c, *m);
    c.deframer.reset();
    c.hdlc.reset();
    c.flags_seen = 0;
    end_burst(c);
}

void Decoder::Impl::on_fsk(FskChannel& c, const v21::RxEvent& ev) {
    switch (ev.kind) {
    case v21::RxEvent::Kind::CarrierOn:
        c.carrier = true;
        c.in_run = false;
        c.soft_ema = 0.0;
        c.fast_ema = 0.0;
        return;
    case v21::RxEvent::Kind::CarrierOff:
        if (const auto* m = c.deframer.flush()) on_message(c, *m);
        end_burst(c);
        return;
    case v21::RxEvent::Kind::Bit: {
        const double soft = std::fabs(static_cast<double>(ev.soft));
        c.soft_ema += kSoftEmaAlpha * (soft - c.soft_ema);
        c.fast_ema += kFastAlpha * (soft - c.fast_ema);
        c.bit_times[static_cast<std::size_t>(c.bit_index & 15)] = ev.at;
        c.soft_ring[c.soft_pos] = static_cast<float>(soft);
        c.soft_times[c.soft_pos] = ev.at;
        c.soft_pos = (c.soft_pos + 1) % c.soft_ring.size();
        if (!c.in_run && c.fast_ema >= kRunOnSoft) {
            c.in_run = true;
            c.first_bit = c.bit_times[static_cast<std::size_t>((c.bit_index - kRunBackBits) & 15)];
            c.bits = c.ones = c.transitions = c.messages = 0;
            c.soft_sum = 0.0;
            c.prev_bit = 2;
        }
        if (c.in_run) {
            ++c.bits;
            c.ones += ev.bit;
            if (c.prev_bit != 2 && c.prev_bit != ev.bit) ++c.transitions;
            c.prev_bit = ev.bit;
            c.soft_sum += soft;
            if (soft >= kRunOnSoft) c.last_bit = ev.at;
        }
        if (const auto* m = c.deframer.push(ev.bit, ev.at)) on_message(c, *m);
        if (const v42::RxEvent h = c.hdlc.push_bit(ev.bit); h == v42::RxEvent::Frame || h == v42::RxEvent::BadFcs)
            on_t30_frame(c, h == v42::RxEvent::Frame, ev.at + kBitLen);
        if (c.hdlc.stats().flags != c.flags_seen) {
            c.flags_seen = c.hdlc.stats().flags;
            c.frame_start = ev.at + kBitLen;  // a frame starts after the last flag
        }
        // HDLC flags: 01111110 in the last 8 bits (the pattern reads the same both ways).
        c.hdlc_window = static_cast<std::uint8_t>((c.hdlc_window << 1) | ev.bit);
        if (c.hdlc_window == kHdlcFlag && c.bit_index >= 8) on_flag(c, ev.at);
        else if (c.flag_run > 0 && c.bit_index - c.last_flag > 8) close_flags(c);
        ++c.bit_index;
        if (c.in_run && c.fast_ema < kRunOffSoft) end_run(c);
        return;
    }
    }
}

void Decoder::Impl::on_t30_frame(FskChannel& c, bool fcs_ok, SampleTime end) {
    auto octets = fcs_ok ? c.hdlc.frame() : c.hdlc.raw();
    if (!fcs_ok) {
        if (octets.size() < kT30MinFrame + v42::fcs_octets(v42::FcsSize::Fcs16)) return;
        octets = octets.first(octets.size() - v42::fcs_octets(v42::FcsSize::Fcs16));
    }
    if (octets.size() < kT30MinFrame || octets[0] != kT30Address ||
        (octets[1] != kT30Control && octets[1] != kT30ControlFinal))
        return;
    const std::uint8_t fcf = reversed(octets[2]);
    const std::string name = t30_fcf_name(fcf);
    Event e = make_event(c.frame_start, end, Kind::T30Frame, Direction::Unknown);
    if (name == "DIS" || name == "CSI" || name == "NSF") e.direction = Direction::Answerer;  // the called terminal's identification
    if (name == "DCS" || name == "TSI" || name == "NSS") e.direction = Direction::Caller;
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", fcf);
    e.fields.push_back({"fcf", name.empty() ? std::string(buf) : name});
    e.fields.push_back({"final", octets[1] == kT30ControlFinal});
    e.fields.push_back({"fcs_ok", fcs_ok});
    e.fields.push_back({"octets", hex(octets)});
    e.summary = "T.30 " + (name.empty() ? std::string(buf) : name) + " frame on V.21 " +
                std::string(v21::to_string(c.channel)) + (fcs_ok ? "" : ", FCS error");
    const auto fif = octets.subspan(kT30MinFrame);
    if (name == "DIS" || name == "DTC" || name == "DCS") {
        // T.30 Table 2: bit 6 V.8 capability, 9 ready to transmit (polling), 10 ready to receive,
        // 11-14 modem type, 15 200 x 200 (fine), 16 two-dimensional coding, 27 ECM, 31 T.6.
        std::vector<std::string> caps;
        if (fif_bit(fif, 6)) caps.emplace_back("V.8");
        if (fif_bit(fif, 9)) caps.emplace_back("polling");
        if (fif_bit(fif, 10)) caps.emplace_back("receive");
        if (fif_bit(fif, 15)) caps.emplace_back("fine");
        if (fif_bit(fif, 16)) caps.emplace_back("2-D");
        if (fif_bit(fif, 27)) caps.emplace_back("ECM");
        if (fif_bit(fif, 31)) caps.emplace_back("T.6");
        std::string modem;
        for (int b = 11; b <= 14; ++b) modem += fif_bit(fif, b) ? '1' : '0';
        e.fields.push_back({"capabilities", caps});
        e.fields.push_back({"modem_bits", modem});
        e.summary += ": " + join(caps, ", ") + "; modem bits 11-14 " + modem;
    } else if (name == "CSI" || name == "TSI" || name == "CIG") {
        // T.30 5.3.6.2.4: the identification's last character is sent first.
        std::string id(fif.rbegin(), fif.rend());
        while (!id.empty() && id.front() == ' ') id.erase(id.begin());
        while (!id.empty() && id.back() == ' ') id.pop_back();
        e.fields.push_back({"id", id});
        e.summary += ": \"" + id + "\"";
    }
    events.push_back(std::move(e));
    ++c.messages;
}

void Decoder::Impl::on_flag(FskChannel& c, SampleTime at) {
    const std::int64_t gap = c.bit_index - c.last_flag;
    if (c.flag_run > 0 && (gap == 8 || gap == 7)) {  // back to back, or sharing a zero
        ++c.flag_run;
    } else {
        if (c.flag_run > 0) close_flags(c);
        c.flag_run = 1;
        c.flag_start = c.bit_times[static_cast<std::size_t>((c.bit_index - 7) & 15)];
    }
    c.last_flag = c.bit_index;
    c.flag_end = at + kBitLen;
}

void Decoder::Impl::close_flags(FskChannel& c) {
    if (c.flag_run >= kMinFlags) {
        Event e = make_event(c.flag_start, c.flag_end, Kind::HdlcFlags, Direction::Unknown);
        e.fields.push_back({"channel", std::string(v21::to_string(c.channel))});
        e.fields.push_back({"flags", std::int64_t{c.flag_run}});
        e.summary = "HDLC flags x" + std::to_string(c.flag_run) + " on V.21 " + std::string(v21::to_string(c.channel)) +
                    " (T.30 fax or V.8bis framing)";
        events.push_back(std::move(e));
        ++c.messages;
    }
    c.flag_run = 0;
}

void Decoder::Impl::on_message(FskChannel& c, const v8::Received& m) {
    if (c.soft_ema < kMinMessageSoft) return;  // bits too noisy to believe
    Kind kind = Kind::Cj;
    switch (m.kind) {
    case v8::Received::Kind::Ci: kind = Kind::Ci; break;
    case v8::Received::Kind::CmJm: kind = c.channel == v21::Channel::Ch1 ? Kind::Cm : Kind::Jm; break;
    case v8::Received::Kind::V92: kind = Kind::V92Qc; break;
    case v8::Received::Kind::Cj: kind = Kind::Cj; break;
    }
    if (kind != Kind::Cj && m.octets.empty()) return;
    // A message cut by the sender's carrier going off (JM stops mid-repetition once CJ is heard,
    // V.8 8.2.3) can gain an octet framed from the noise after it: a last octet whose last 3 bits
    // (the carrier stopping inside the octet) average a |d| under kMinTailSoft is dropped, and the
    // message is then a repetition cut short. (The whole octet's mean is no test: a real capture's
    // JM, virtualmodem_v34, averages 0.58.)
    v8::Received msg = m;
    if (kind != Kind::Cj && last_octet_doubtful(c, m.end)) {
        --msg.octets.size;
        if (msg.octets.empty()) return;
    }
    on_good_message(c, kind, msg);
}

bool Decoder::Impl::last_octet_doubtful(const FskChannel& c, SampleTime end) const {
    double tail = 0.0;
    int n_tail = 0;
    for (std::size_t i = 0; i < c.soft_ring.size(); ++i) {
        const SampleTime t = c.soft_times[i];
        if (t > end || t <= end - kTailBits * kBitLen) continue;
        tail += static_cast<double>(c.soft_ring[i]);
        ++n_tail;
    }
    return n_tail == 0 || tail / n_tail < kMinTailSoft;
}

void Decoder::Impl::on_good_message(FskChannel& c, Kind kind, const v8::Received& m) {
    ++c.messages;
    const SampleTime end = m.end + kBitLen;
    if (c.pending && c.pending->kind == kind && c.pending->octets == m.octets && m.start - c.pending->end <= kMergeGap) {
        c.pending->end = end;
        ++c.pending->count;
        return;
    }
    if (c.pending && c.pending->kind == kind && m.octets.size < c.pending->octets.size &&
        std::equal(m.octets.data.begin(), m.octets.data.begin() + m.octets.size, c.pending->octets.data.begin()) &&
        m.start - c.pending->end <= kMergeGap) {
        // A repetition cut short (JM stops mid-sequence once CJ is heard, V.8 8.2.3).
        c.pending->end = end;
        ++c.pending->truncated;
        return;
    }
    flush_pending(c);
    c.pending = FskChannel::Pending{kind, m.octets, m.start, end, 1};
}

void Decoder::Impl::flush_pending(FskChannel& c) {
    if (!c.pending) return;
    const auto& p = *c.pending;
    Event e = make_event(p.start, p.end, p.kind, c.direction());
    describe_message(e, p.octets, p.count);
    if (p.truncated > 0) {
        e.fields.push_back({"truncated", std::int64_t{p.truncated}});
        e.summary += " (+" + std::to_string(p.truncated) + " cut short)";
    }
    events.push_back(std::move(e));
    c.pending.reset();
}

void Decoder::Impl::end_burst(FskChannel& c) {
    if (!c.carrier) return;
    c.carrier = false;
    close_flags(c);
    end_run(c);
    flush_pending(c);
}

void Decoder::Impl::end_run(FskChannel& c) {
    if (!c.in_run) return;
    c.in_run = false;
    if (c.bits == 0) return;
    const double soft = c.soft_sum / static_cast<double>(c.bits);
    const double share = static_cast<double>(c.ones) / static_cast<double>(c.bits);
    const bool fsk = c.bits >= kMinBurstBits && c.transitions >= kMinBurstTransitions && soft >= kMinBurstSoft &&
                     share >= kMinShare && share <= 1.0 - kMinShare;
    if (!fsk && c.messages == 0) return;
    const Kind kind = c.channel == v21::Channel::Ch1 ? Kind::V21Ch1 : Kind::V21Ch2;
    Event e = make_event(c.first_bit, std::max(c.last_bit, c.first_bit) + kBitLen, kind, c.direction());
    const double mark_share = static_cast<double>(c.ones) / static_cast<double>(c.bits);
    e.fields.push_back({"bits", c.bits});
    e.fields.push_back({"mark_share", round_to(mark_share, 0.001)});
    e.fields.push_back({"quality", round_to(soft, 0.001)});
    e.fields.push_back({"messages", c.messages});
    e.summary = "V.21 " + std::string(v21::to_string(c.channel)) + " FSK, " + std::to_string(c.bits) + " bits, " +
                fmt("%.0f %% mark", mark_share * 100.0);
    events.push_back(std::move(e));
}

void Decoder::Impl::on_column(const dsp::SpectrogramColumn& col) {
    if (cfg.on_column) cfg.on_column(col.end, col.db);
    for (std::size_t k = 0; k < kBins; ++k) lin[k] = std::pow(10.0, 0.1 * static_cast<double>(col.db[k]));
    signatures.column(col.end, lin, events);
    {
        auto tone = [&](double f) {
            const auto k = static_cast<std::size_t>(std::lround(f / kBinHz));
            double p = 0.0;
            for (std::size_t b = k - 2; b <= k + 2; ++b) p += lin[b];
            return static_cast<float>(p);
        };
        UsbCol& u = usb_ring[usb_pos];
        usb_pos = (usb_pos + 1) % kUsbRing;
        u.end = col.end;
        double band = 0.0;
        for (std::size_t b = lo_bin; b <= hi_bin; ++b) band += lin[b];
        u.band = static_cast<float>(band);
        for (std::size_t d = 0; d < 2; ++d) {
            u.main[d] = tone(kUsb1MainHz[d]);
            u.image[d] = tone(kUsb1ImageHz[d]);
        }
    }
    for (FskChannel* c : {&ch1, &ch2}) {
        double p = 0.0;
        for (std::size_t k = c->lo_bin; k <= c->hi_bin; ++k) p += lin[k];
        if (p >= gate_power) c->active_until = col.end + kGateHang;
    }
    if (building_cols == 0) {
        building.start = col.end - static_cast<SampleTime>(kHop) - static_cast<SampleTime>(kHop / 2);
        building.power.fill(0.0f);
        building.band_power = 0.0;
    }
    double band = 0.0;
    for (std::size_t k = 0; k < kBins; ++k) {
        const auto p = static_cast<float>(lin[k]);
        building.power[k] += p / kColumnsPerSlice;
        if (k >= lo_bin && k <= hi_bin) band += static_cast<double>(p);
    }
    building.band_power += band / kHannEnbwBins / kColumnsPerSlice;
    if (++building_cols < kColumnsPerSlice) return;
    building_cols = 0;
    building.end = col.end - static_cast<SampleTime>(kHop / 2);
    ring[static_cast<std::size_t>(n_slices % static_cast<std::int64_t>(kRing))] = building;
    ++n_slices;
    while (next_decide + kFloorHalfSlices < n_slices) {
        decide(next_decide, n_slices - 1);
        ++next_decide;
    }
}

double Decoder::Impl::covered_fraction(SampleTime s, SampleTime e) const {
    std::array<std::pair<SampleTime, SampleTime>, 32> iv{};
    std::size_t n = 0;
    for (auto it = events.rbegin(); it != events.rend() && n < iv.size(); ++it) {
        if (it->end < s - kCoverLookback) break;
        if (it->kind == Kind::Unknown) continue;
        // Padded by the spectrogram's reach (a 256-point column spreads an edge over 32 ms,
        // a slice over 128 ms) so the edges of a known signal are not taken for something new.
        const SampleTime a = std::max(s, it->start - kCoverPad), b = std::min(e, it->end + kCoverPad);
        if (b > a) iv[n++] = {a, b};
    }
    // A V.22 signal still being received (its segments are reported when they end).
    for (const V22Tracker* t : {&v22_caller, &v22_answerer}) {
        const SampleTime since = t->active_since();
        if (since == v22bis::kNever || n >= iv.size()) continue;
        const SampleTime a = std::max(s, since - kCoverPad);
        if (e > a) iv[n++] = {a, e};
    }
    std::sort(iv.begin(), iv.begin() + static_cast<std::ptrdiff_t>(n));
    SampleTime covered = 0, reach = s;
    for (std::size_t i = 0; i < n; ++i) {
        const SampleTime a = std::max(iv[i].first, reach);
        if (iv[i].second > a) {
            covered += iv[i].second - a;
            reach = iv[i].second;
        }
    }
    return static_cast<double>(covered) / static_cast<double>(std::max<SampleTime>(1, e - s));
}

void Decoder::Impl::decide(std::int64_t k, std::int64_t last) {
    const auto at = [&](std::int64_t i) -> const Slice& { return ring[static_cast<std::size_t>(i % static_cast<std::int64_t>(kRing))]; };
    const Slice& s = at(k);
    double floor = std::min(s.band_power, floor_cap);
    for (std::int64_t i = std::max<std::int64_t>(0, k - kFloorHalfSlices); i <= last; ++i)
        floor = std::min(floor, at(i).band_power);
    const bool energetic = s.band_power >= floor * dsp::db_to_power(kAboveFloorDb) && s.band_power >= min_energy_power;
    if (!energetic || covered_fraction(s.start, s.end) >= 0.5) {
        close_run();
        return;
    }
    if (!run_open) {
        run_open = true;
        run_start = s.start;
        run_slices = 0;
        run_power.fill(0.0);
        run_band = 0.0;
    }
    run_end = s.end;
    ++run_slices;
    for (std::size_t b = 0; b < kBins; ++b) run_power[b] += static_cast<double>(s.power[b]);
    run_band += s.band_power;
    if (run_slices >= kMaxUnknownSlices) close_run();
}

void Decoder::Impl::close_run() {
    if (!run_open) return;
    run_open = false;
    if (static_cast<double>(run_end - run_start) < cfg.unknown_min_ms * dsp::kFsHz / 1000.0) return;
    // Band holding 90 % of the energy (5 % cut each side) within 200-3800 Hz.
    double total = 0.0;
    for (std::size_t b = lo_bin; b <= hi_bin; ++b) total += run_power[b];
    double cum = 0.0;
    std::size_t lo = lo_bin, hi = hi_bin;
    bool lo_set = false;
    for (std::size_t b = lo_bin; b <= hi_bin; ++b) {
        cum += run_power[b];
        if (!lo_set && cum >= 0.05 * total) {
            lo = b;
            lo_set = true;
        }
        if (cum <= 0.95 * total) hi = b + 1;
    }
    hi = std::min(hi, hi_bin);
    // Strongest peaks: local maxima 10 dB above the median bin and within 20 dB of the largest.
    std::vector<double> sorted(run_power.begin() + static_cast<std::ptrdiff_t>(lo_bin),
                               run_power.begin() + static_cast<std::ptrdiff_t>(hi_bin) + 1);
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    const double median = sorted[sorted.size() / 2];
    const double peak = *std::max_element(run_power.begin() + static_cast<std::ptrdiff_t>(lo_bin),
                                          run_power.begin() + static_cast<std::ptrdiff_t>(hi_bin) + 1);
    std::vector<std::pair<double, double>> peaks;  // power, frequency
    for (std::size_t b = lo_bin; b <= hi_bin; ++b) {
        const double p = run_power[b];
        if (p > run_power[b - 1] && p >= run_power[b + 1] && p >= 10.0 * median && p >= 0.01 * peak) {
            // Parabolic interpolation on the dB values of the three bins.
            const double a = dsp::power_to_db(run_power[b - 1]), c0 = dsp::power_to_db(p),
                         c = dsp::power_to_db(run_power[b + 1]);
            const double den = a - 2.0 * c0 + c;
            const double delta = den != 0.0 ? 0.5 * (a - c) / den : 0.0;
            peaks.emplace_back(p, (static_cast<double>(b) + delta) * kBinHz);
        }
    }
    std::sort(peaks.begin(), peaks.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    if (peaks.size() > 5) peaks.resize(5);
    std::vector<double> tones_hz;
    for (const auto& p : peaks) tones_hz.push_back(std::round(p.second));
    const double level = dsp::power_to_dbm0(run_band / run_slices);
    Event e = make_event(run_start, run_end, Kind::Unknown, Direction::Unknown);
    const double lo_hz = round_to(static_cast<double>(lo) * kBinHz, 10.0), hi_hz = round_to(static_cast<double>(hi) * kBinHz, 10.0);
    e.fields.push_back({"band_hz", std::vector<double>{lo_hz, hi_hz}});
    e.fields.push_back({"tones_hz", tones_hz});
    e.fields.push_back({"level_dbm0", round_to(level, 0.1)});
    e.summary = fmt("energy %.0f", lo_hz) + fmt("-%.0f Hz", hi_hz);
    if (!tones_hz.empty()) {
        e.summary += ", peaks";
        for (double f : tones_hz) e.summary += fmt(" %.0f", f);
        e.summary += " Hz";
    }
    e.summary += fmt(", %.0f dBm0", level);
    events.push_back(std::move(e));
}

void Decoder::Impl::finish() {
    if (finished) return;
    finished = true;
    listener.finish([&](const tones::ToneEvent& t) { events.push_back(tone_event(t)); });
    run_v22();
    const std::size_t first = events.size();
    v22_caller.finish(events);
    v22_answerer.finish(events);
    drop_implausible_usb1(first);
    // Drain the look-ahead: the last kGateDelay samples still go through the V.21 receivers.
    const SampleTime ring_t0 = now - static_cast<SampleTime>(kGateDelay);
    for (std::size_t i = 0; i < kGateDelay; ++i) {
        const SampleTime t = ring_t0 + static_cast<SampleTime>(i);
        if (t < 0) continue;
        for (FskChannel* c : {&ch1, &ch2}) run_fsk(*c, t, ring_t0, now - 1);
    }
    for (FskChannel* c : {&ch1, &ch2}) {
        if (c->running) stop_fsk(*c);
        flush_pending(*c);
    }
    signatures.finish(events);
    for (; next_decide < n_slices; ++next_decide) decide(next_decide, n_slices - 1);
    close_run();
    drop_tone_bursts();
}

void Decoder::Impl::drop_tone_bursts() {
    // A steady tone near a V.21 frequency (CT at 1300 Hz, a DTMF column at 1209 Hz, a V.34 probing
    // tone at 1650 Hz) can pass for a V.21 burst; with no V.8 message or flag in it, a burst mostly
    // inside a tone or signature event is dropped.
    std::vector<std::pair<SampleTime, SampleTime>> tone_spans;
    for (const auto& t : events)
        if (t.kind <= Kind::AnsamReversals || (t.kind >= Kind::V32Aa && t.kind <= Kind::V8bis))
            tone_spans.emplace_back(t.start, t.end);
    // Unknown runs decided before a long tone's event had arrived (an endless dial tone) are
    // dropped when known events cover half of them.
    std::vector<std::pair<SampleTime, SampleTime>> known;
    for (const auto& k : events)
        if (k.kind != Kind::Unknown) known.emplace_back(k.start, k.end);
    std::erase_if(events, [&](const Event& u) {
        if (u.kind != Kind::Unknown) return false;
        SampleTime covered = 0;
        for (const auto& [ks, ke] : known) covered += std::max<SampleTime>(0, std::min(u.end, ke) - std::max(u.start, ks));
        return 2 * covered >= u.end - u.start;
    });
    // V.22 data and scrambled ones overlap both V.21 bands (1650/1850 Hz sits at the edge of the
    // high channel, 980/1180 Hz inside the low one): a burst with no message mostly inside a V.22
    // segment is the V.22 signal, not FSK.
    std::vector<std::pair<SampleTime, SampleTime>> v22_spans;
    for (const auto& t : events)
        if (t.kind >= Kind::V22bisUsb1 && t.kind <= Kind::Data) v22_spans.emplace_back(t.start, t.end);
    std::erase_if(events, [&](const Event& b) {
        if (b.kind != Kind::V21Ch1 && b.kind != Kind::V21Ch2) return false;
        const auto* m = b.field("messages");
        if (m && std::get<std::int64_t>(*m) > 0) return false;
        SampleTime covered = 0, in_v22 = 0;
        for (const auto& [ts, te] : tone_spans) covered += std::max<SampleTime>(0, std::min(b.end, te) - std::max(b.start, ts));
        for (const auto& [ts, te] : v22_spans) in_v22 += std::max<SampleTime>(0, std::min(b.end, te) - std::max(b.start, ts));
        return 2 * covered >= b.end - b.start || 2 * in_v22 >= b.end - b.start;
    });
}

Decoder::Decoder() : Decoder(Config{}) {}
Decoder::Decoder(Config cfg) : impl_(std::make_unique<Impl>(std::move(cfg), events_)) {}
Decoder::~Decoder() = default;

void Decoder::process(std::span<const float> in) {
    if (impl_->finished) return;
    for (float x : in) impl_->sample(x);
}

void Decoder::finish() {
    impl_->finish();
    std::stable_sort(events_.begin(), events_.end(), [](const Event& a, const Event& b) {
        if (a.start != b.start) return a.start < b.start;
        if (a.end != b.end) return a.end < b.end;
        return a.kind < b.kind;
    });
}

SampleTime Decoder::now() const noexcept { return impl_->now; }

std::vector<Event> decode(std::span<const float> samples, Decoder::Config cfg) {
    Decoder d(std::move(cfg));
    d.process(samples);
    d.finish();
    return d.events();
}

}  // namespace modem::decode
