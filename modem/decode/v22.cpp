// SPDX-License-Identifier: MIT
/// \file
/// V.22 / V.22bis segments and data of one direction of a recorded call (V.22bis 6.3, V.22 5,
/// V.14 start-stop characters with the format auto-detected).
#include "modem/decode/v22.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "modem/v22bis/coding.hpp"
#include "modem/v42/detect.hpp"
#include "modem/v42/frames.hpp"

namespace modem::decode {

namespace {

namespace v22 = modem::v22bis;
using v22::kNever;

// One symbol is 40/3 samples (V.22 2.2: 600 baud); segment edges are put half a symbol out.
constexpr SampleTime kHalfSymbol = 7;
constexpr std::size_t kMaxLapmFrame = 260;     // V.42 N401 default 128 octets, with margin; project choice
constexpr int kMinLapmFrames = 2;              // good frames for a stream to count as LAPM; project choice
constexpr int kMinDetectChars = 2;             // ODP/ADP characters reported; project choice
constexpr std::size_t kMaxFrameHex = 64;       // octets of a frame kept in "octets"; project choice
constexpr SampleTime kCharSamples = 67;        // one 10-bit character at 1200 bit/s; project choice (start estimate)
constexpr double kRiseDb = 9.0;       // signal ON: above the last second's minimum by this; project choice
constexpr double kFallDb = 12.0;      // signal OFF: below the peak since ON by this; project choice
constexpr double kLoudDb = 6.0;       // "still at level" for dating the end; project choice
constexpr int kBucketSymbols = 30;    // 50 ms buckets of the minimum tracker; project choice
// SB1: 64 descrambled bits with at most 2 zeros (V.22bis 6.3.1.1 f asks 32 ones at 2400; the
// margin and the tolerance keep it steady at 15-20 dB SNR). Project choice.
constexpr int kSbWindowBits = 64;
constexpr int kSbMaxZeros = 2;
// Data: 3 zeros or more among the last 16 bits (a character's start bit and some data). Project choice.
constexpr std::uint64_t kDataMask = 0xFFFF;
constexpr int kDataMinZeros = 3;
constexpr double kJumpDb = 9.0;                       // onset within ON: rise over 40 ms; project choice
constexpr SampleTime kJumpRefractory = dsp::ms_to_samples(30);  // project choice
constexpr int kHoldSymbols = 24;      // 1200 data after S1 is believed when no SB1 2400 follows; project choice
// Shortest USB1 and S1 believed: DTMF digits in the low channel and V.8 bursts pass the
// receiver's 16-symbol detectors for a few tens of ms. USB1 lasts at least 155 + 456 ms
// (V.22bis 6.3.1.1 b), S1 100 ms (V.22bis 6.2). Project choice.
constexpr SampleTime kMinUsb1 = dsp::ms_to_samples(150);
constexpr SampleTime kMinS1 = dsp::ms_to_samples(60);
constexpr SampleTime kSixteenAfterS1 = dsp::ms_to_samples(450);  // V.22bis 6.3.1.1 d
constexpr SampleTime kSb2400Duration = dsp::ms_to_samples(200);  // V.22bis 6.3.1.1 e
constexpr SampleTime kOnsetReach = dsp::ms_to_samples(100);  // project choice
constexpr float kStrongPower = 1.0f;  // |point|^2 of a live symbol; grid points have 2..18; project choice
constexpr std::uint64_t kTieMinChars = 8;  // project choice (see FormatDetector)

constexpr std::array<v14::Format, 10> kCandidates{{
    {8, v14::Parity::None, 1}, {7, v14::Parity::Even, 1}, {7, v14::Parity::Odd, 1}, {8, v14::Parity::Even, 1},
    {8, v14::Parity::Odd, 1},  {7, v14::Parity::None, 1}, {7, v14::Parity::None, 2}, {8, v14::Parity::None, 2},
    {7, v14::Parity::Even, 2}, {7, v14::Parity::Odd, 2},
}};
// Tie order once enough characters agree: formats whose extra bits (parity, second stop) were
// all checked come before those that take them for data.
// Two stop bits before one (7E1 reads 7E2 data cleanly, not the other way round).
constexpr std::array<std::size_t, 10> kTieRank{8, 2, 3, 4, 5, 9, 6, 7, 0, 1};  // rank of kCandidates[i]

// Bit count without relying on a popcnt instruction (baseline x86-64).
int popcount64(std::uint64_t x) {
    int n = 0;
    for (; x != 0; x &= x - 1) ++n;
    return n;
}

Kind kind_of(V22Tracker::Seg s) {
    switch (s) {
    case V22Tracker::Seg::Usb1: return Kind::V22bisUsb1;
    case V22Tracker::Seg::S1: return Kind::V22bisS1;
    case V22Tracker::Seg::Sb1200: return Kind::V22bisSb1_1200;
    case V22Tracker::Seg::Sb2400: return Kind::V22bisSb1_2400;
    case V22Tracker::Seg::Data: return Kind::Data;
    case V22Tracker::Seg::None: return Kind::Unknown;
    }
    return Kind::Unknown;
}

}  // namespace

std::string escape_text(std::span<const std::uint8_t> bytes) {
    std::string s;
    s.reserve(bytes.size());
    for (const std::uint8_t b : bytes) {
        switch (b) {
        case '\\': s += "\\\\"; break;
        case '\r': s += "\\r"; break;
        case '\n': s += "\\n"; break;
        case '\t': s += "\\t"; break;
        default:
            if (b >= 0x20 && b <= 0x7e) {
                s += static_cast<char>(b);
            } else {
                char buf[5];
                std::snprintf(buf, sizeof buf, "\\x%02x", b);
                s += buf;
            }
        }
    }
    return s;
}

std::string hex_bytes(std::span<const std::uint8_t> bytes) {
    std::string s;
    s.reserve(bytes.size() * 3);
    char buf[4];
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        std::snprintf(buf, sizeof buf, i ? " %02x" : "%02x", bytes[i]);
        s += buf;
    }
    return s;
}

std::span<const v14::Format> FormatDetector::candidates() noexcept { return kCandidates; }

FormatDetector::FormatDetector(std::size_t max_bytes) : max_bytes_(max_bytes) {
    cands_.resize(kCandidates.size());
    for (std::size_t i = 0; i < kCandidates.size(); ++i) {
        Candidate& c = cands_[i];
        c.rx = std::make_unique<v14::AsyncRx>(v14::AsyncRx::Config{.format = kCandidates[i]}, [&c, this](const v14::RxChar& ch) {
            if (!ch.is_break && c.bytes.size() < max_bytes_) c.bytes.push_back(ch.value);
        });
    }
}

void FormatDetector::push_bit(std::uint8_t bit) {
    for (auto& c : cands_) c.rx->push_bit(bit);
}

FormatDetector::Result FormatDetector::result() const {
    std::size_t best = 0;
    double best_score = std::numeric_limits<double>::infinity();
    std::size_t best_rank = 0;
    const bool tie_by_rank = cands_[0].rx->stats().chars >= kTieMinChars;
    for (std::size_t i = 0; i < cands_.size(); ++i) {
        const auto& st = cands_[i].rx->stats();
        // Error rate per character: parity + framing + breaks, and half a re-inserted stop.
        const double errors = static_cast<double>(st.parity_errors + st.framing_errors + st.breaks) +
                              0.5 * static_cast<double>(st.stops_reinserted);
        const double score = st.chars == 0 ? (errors > 0 ? 2.0 : 1.0) : errors / static_cast<double>(st.chars);
        const std::size_t rank = tie_by_rank ? kTieRank[i] : i;
        if (score < best_score - 1e-9 || (std::fabs(score - best_score) <= 1e-9 && rank < best_rank)) {
            best = i;
            best_score = score;
            best_rank = rank;
        }
    }
    const auto& st = cands_[best].rx->stats();
    return {.format = kCandidates[best], .bytes = cands_[best].bytes, .chars = st.chars,
            .parity_errors = st.parity_errors, .framing_errors = st.framing_errors, .breaks = st.breaks};
}

V22Tracker::V22Tracker(const Config& cfg)
    : cfg_(cfg),
      rx_({.role = cfg.direction == Direction::Caller ? v22::Role::Answerer : v22::Role::Caller,
           .carrier_on_dbm0 = cfg.on_dbm0,
           .carrier_off_dbm0 = cfg.off_dbm0}) {
    bucket_min_.fill(std::numeric_limits<double>::infinity());
    held_.reserve(kHoldSymbols + 1);
}

void V22Tracker::process(std::span<const float> in, std::vector<Event>& out) {
    for (const float x : in) {
        if (rx_.push(x)) on_symbol(rx_.symbol(), out);
    }
    for (auto& e : pending_) out.push_back(std::move(e));
    pending_.clear();
}

void V22Tracker::finish(std::vector<Event>& out) {
    if (on_) close(seg_ == Seg::Data ? last_strong_ + kHalfSymbol : last_loud_ + kHalfSymbol, out);
    on_ = false;
    for (auto& e : pending_) out.push_back(std::move(e));
    pending_.clear();
}

void V22Tracker::reset_segments() {
    seg_ = Seg::None;
    sixteen_at_ = kNever;
    zero_at_ = kNever;
    held_.clear();
    r2_ = Reading{};
    r4_ = Reading{};
    rx_.set_sixteen_point(false);
    rx_.set_data_mode(false);
}

void V22Tracker::gate(const v22::RxSymbol& s, std::vector<Event>& out) {
    const double level = rx_.status().level_dbm0;
    // Minimum of the level over the last second, in 50 ms buckets.
    if (bucket_fill_ == 0) bucket_min_[bucket_] = level;
    bucket_min_[bucket_] = std::min(bucket_min_[bucket_], level);
    if (++bucket_fill_ == kBucketSymbols) {
        bucket_fill_ = 0;
        bucket_ = (bucket_ + 1) % bucket_min_.size();
    }
    // ON at each rise of 9 dB over the last second's minimum (also while a noise floor already
    // holds it ON: the new signal is acquired afresh), OFF on a fall from the peak.
    const double floor = *std::min_element(bucket_min_.begin(), bucket_min_.end());
    const bool risen = level >= cfg_.on_dbm0 && level >= floor + kRiseDb;
    // Jump: L now against L 40 ms ago, edge-triggered.
    const double before = level_ring_[level_pos_];
    level_ring_[level_pos_] = level;
    level_pos_ = (level_pos_ + 1) % level_ring_.size();
    const bool jump = level >= cfg_.on_dbm0 && level >= before + kJumpDb;
    const bool jump_edge = jump && !jump_ && !(on_ && s.at - on_at_ < kJumpRefractory);
    jump_ = jump;
    if (jump_edge || (risen && !on_)) {
        if (on_) close(seg_ == Seg::Data ? last_strong_ + kHalfSymbol : last_loud_ + kHalfSymbol, out);
        on_ = true;
        on_at_ = s.at;
        first_seg_ = true;
        peak_db_ = level;
        last_loud_ = last_strong_ = s.at;
        rx_.restart();
        reset_segments();
        return;
    }
    if (!on_) return;
    peak_db_ = std::max(peak_db_, level);
    if (level >= peak_db_ - kLoudDb) last_loud_ = s.at;
    if (level < peak_db_ - kFallDb || level < cfg_.off_dbm0) {
        on_ = false;
        close(seg_ == Seg::Data ? last_strong_ + kHalfSymbol : last_loud_ + kHalfSymbol, out);
        reset_segments();
    }
}

void V22Tracker::open(Seg seg, SampleTime at) {
    // The first segment of a signal starts with the signal: its detector needed the receiver to
    // acquire first (a V.22 caller's SB1 at 1200 comes straight after silence).
    if (first_seg_ && at > on_at_ && at - on_at_ <= kOnsetReach) at = on_at_;
    first_seg_ = false;
    seg_ = seg;
    seg_start_ = at;
}

void V22Tracker::start_data(int rate, SampleTime at) {
    open(Seg::Data, at);
    rate_ = rate;
    detector_ = std::make_unique<FormatDetector>(cfg_.max_bytes);
    lapm_ = std::make_unique<v42::HdlcRx>(v42::HdlcRx::Config{.fcs = v42::FcsSize::Fcs16, .max_frame = kMaxLapmFrame, .min_frame = 2});
    lapm_flags_ = 0;
    lapm_good_ = 0;
    lapm_payload_.clear();
    lapm_payload_total_ = 0;
    odp_ = adp_ = 0;
    detect_start_ = v22bis::kNever;
    detect_rx_ = std::make_unique<v14::AsyncRx>(v14::AsyncRx::Config{}, [this](const v14::RxChar& c) {
        if (c.is_break || c.framing_error) return;
        const bool odp = c.value == v42::kOdpEven || c.value == v42::kOdpOdd;
        const bool adp = c.value == v42::kAdpE || c.value == v42::kAdpC;
        if (!odp && !adp) return;
        if (detect_start_ == v22bis::kNever) detect_start_ = bit_at_ - kCharSamples;
        detect_end_ = bit_at_ + kHalfSymbol;
        (odp ? odp_ : adp_) += 1;
    });
    fifo_n_ = 0;
    data_level_sum_ = 0.0;
    data_level_n_ = 0;
    rx_.set_data_mode(true);
}

void V22Tracker::push_data_bits(const Sym& s) {
    bit_at_ = s.at;
    for (std::size_t i = 0; i < s.n; ++i) {
        detector_->push_bit(s.bits[i]);
        if (detect_rx_) detect_rx_->push_bit(s.bits[i]);
        const v42::RxEvent h = lapm_->push_bit(s.bits[i]);
        if (h == v42::RxEvent::Frame || h == v42::RxEvent::BadFcs) on_lapm(h == v42::RxEvent::Frame, s.at + kHalfSymbol);
        if (lapm_->stats().flags != lapm_flags_) {
            lapm_flags_ = lapm_->stats().flags;
            lapm_frame_start_ = s.at + kHalfSymbol;
            if (detect_rx_) close_detection();  // the detection phase is over at the first flag
        }
    }
}

void V22Tracker::close_detection() {
    detect_rx_.reset();
    if (odp_ + adp_ < kMinDetectChars) return;
    Event e;
    e.start = detect_start_;
    e.end = detect_end_;
    e.kind = Kind::LapmFrame;
    e.direction = cfg_.direction;
    const bool odp = odp_ >= adp_;
    e.fields.push_back({"frame", std::string(odp ? "ODP" : "ADP")});
    e.fields.push_back({"characters", std::int64_t{odp ? odp_ : adp_}});
    e.summary = odp ? "V.42 ODP (originator detection pattern, DC1 x" + std::to_string(odp_) + ")"
                    : "V.42 ADP (answerer detection pattern, E/C x" + std::to_string(adp_) + ")";
    pending_.push_back(std::move(e));
}

void V22Tracker::on_lapm(bool fcs_ok, SampleTime end) {
    auto octets = fcs_ok ? lapm_->frame() : lapm_->raw();
    if (!fcs_ok) {
        if (octets.size() < 2 + v42::fcs_octets(v42::FcsSize::Fcs16)) return;
        octets = octets.first(octets.size() - v42::fcs_octets(v42::FcsSize::Fcs16));
    }
    v42::Frame f;
    const bool parsed = v42::decode(octets, f);
    if (!fcs_ok && !parsed) return;  // noise between flags
    Event e;
    e.start = lapm_frame_start_;
    e.end = end;
    e.kind = Kind::LapmFrame;
    e.direction = cfg_.direction;
    const std::string type = parsed ? std::string(v42::to_string(f.type)) : "unknown";
    e.fields.push_back({"frame", type});
    e.fields.push_back({"fcs_ok", fcs_ok});
    e.summary = "LAPM " + type;
    if (parsed) {
        const bool originator = cfg_.direction == Direction::Caller;
        const bool command = v42::is_command(f.address, originator);
        e.fields.push_back({"command", command});
        e.fields.push_back({"pf", f.pf});
        e.summary += command ? " command" : " response";
        if (f.type == v42::FrameType::I) {
            e.fields.push_back({"ns", std::int64_t{f.ns}});
            e.summary += " N(S)=" + std::to_string(f.ns);
        }
        if (v42::is_numbered(f.type)) {
            e.fields.push_back({"nr", std::int64_t{f.nr}});
            e.summary += " N(R)=" + std::to_string(f.nr);
        }
        if (f.pf) e.summary += command ? " P" : " F";
        if (f.type == v42::FrameType::XID) {
            v42::XidParams x;
            if (v42::parse_xid(f.info, x)) {
                                std::vector<std::string> params;
                if (x.n401_tx) params.push_back("N401 tx " + std::to_string(x.n401_tx));
                if (x.n401_rx) params.push_back("N401 rx " + std::to_string(x.n401_rx));
                if (x.k_tx) params.push_back("k tx " + std::to_string(x.k_tx));
                if (x.k_rx) params.push_back("k rx " + std::to_string(x.k_rx));
                if (x.has_optional) {
                    params.emplace_back(x.srej ? "SREJ" : "no SREJ");
                    params.emplace_back(x.fcs32 ? "FCS-32" : "FCS-16");
                }
                e.fields.push_back({"params", params});
                e.summary += ":";
                for (const auto& p : params) e.summary += " " + p + ";";
                e.summary.pop_back();
            }
        }
        if ((f.type == v42::FrameType::I || f.type == v42::FrameType::UI) && !f.info.empty()) {
            e.fields.push_back({"text", escape_text(f.info)});
            e.fields.push_back({"hex", hex_bytes(f.info)});
            e.fields.push_back({"bytes", static_cast<std::int64_t>(f.info.size())});
            constexpr std::size_t kSummaryBytes = 40;  // project choice: one table line
            const std::size_t n = std::min(f.info.size(), kSummaryBytes);
            e.summary += ", " + std::to_string(f.info.size()) + " bytes: \"" + escape_text(f.info.first(n)) +
                         (n < f.info.size() ? "...\"" : "\"");
            if (fcs_ok && f.type == v42::FrameType::I) {
                lapm_payload_total_ += f.info.size();
                for (std::size_t i = 0; i < f.info.size() && lapm_payload_.size() < cfg_.max_bytes; ++i)
                    lapm_payload_.push_back(f.info[i]);
            }
        }
    }
    if (!fcs_ok) e.summary += " (FCS error)";
    e.fields.push_back({"octets", hex_bytes(octets.first(std::min<std::size_t>(octets.size(), kMaxFrameHex)))});
    if (fcs_ok && parsed) ++lapm_good_;
    pending_.push_back(std::move(e));
}

void V22Tracker::feed(const Sym& s) {
    if (fifo_n_ == fifo_.size()) {
        const Sym& old = fifo_[fifo_head_];
        push_data_bits(old);
        fifo_head_ = (fifo_head_ + 1) % fifo_.size();
        --fifo_n_;
    }
    fifo_[(fifo_head_ + fifo_n_) % fifo_.size()] = s;
    ++fifo_n_;
}

void V22Tracker::flush_data(SampleTime end) {
    for (; fifo_n_ > 0; --fifo_n_) {
        const Sym& s = fifo_[fifo_head_];
        fifo_head_ = (fifo_head_ + 1) % fifo_.size();
        if (s.at > end) continue;
        push_data_bits(s);
    }
    fifo_head_ = 0;
}

void V22Tracker::close(SampleTime end, std::vector<Event>& out) {
    if (seg_ == Seg::None) return;
    const Seg seg = seg_;
    seg_ = Seg::None;
    end = std::max(end, seg_start_ + 1);
    Event e;
    e.start = seg_start_;
    e.end = end;
    e.kind = kind_of(seg);
    e.direction = cfg_.direction;
    const bool caller = cfg_.direction == Direction::Caller;
    switch (seg) {
    case Seg::Usb1: e.summary = "USB1: unscrambled ones at 1200 bit/s (V.22/V.22bis)"; break;
    case Seg::S1:
        e.summary = caller ? "S1: V.22bis, 2400 bit/s requested" : "S1: V.22bis, 2400 bit/s accepted";
        break;
    case Seg::Sb1200: e.summary = "SB1: scrambled ones at 1200 bit/s"; break;
    case Seg::Sb2400: e.summary = "SB1: scrambled ones at 2400 bit/s"; break;
    case Seg::Data: {
        flush_data(end - kHalfSymbol);
        if (detect_rx_) close_detection();
        auto r = detector_->result();
        const bool lapm = lapm_good_ >= kMinLapmFrames;
        if (lapm) {  // the async reading of an HDLC stream means nothing
            r.bytes = lapm_payload_;
            r.chars = lapm_payload_total_;
            r.parity_errors = r.framing_errors = r.breaks = 0;
        }
        const bool truncated = r.chars > r.bytes.size();
        e.fields.push_back({"rate", std::int64_t{rate_}});
        e.fields.push_back({"format", lapm ? std::string("LAPM") : r.format.name()});
        if (lapm) e.fields.push_back({"lapm_frames", std::int64_t{lapm_good_}});
        e.fields.push_back({"text", escape_text(r.bytes)});
        e.fields.push_back({"hex", hex_bytes(r.bytes)});
        e.fields.push_back({"bytes", static_cast<std::int64_t>(r.chars)});
        e.fields.push_back({"truncated", truncated});
        e.fields.push_back({"parity_errors", static_cast<std::int64_t>(r.parity_errors)});
        e.fields.push_back({"framing_errors", static_cast<std::int64_t>(r.framing_errors)});
        e.fields.push_back({"breaks", static_cast<std::int64_t>(r.breaks)});
        if (data_level_n_ > 0) {
            const double level = data_level_sum_ / static_cast<double>(data_level_n_);
            e.fields.push_back({"level_dbm0", std::round(level * 10.0) / 10.0});
        }
        e.summary = "data " + std::to_string(rate_) + " bit/s, " +
                    (lapm ? "V.42 LAPM, " + std::to_string(lapm_good_) + " frames, " + std::to_string(r.chars) + " payload bytes"
                          : r.format.name() + ", " + std::to_string(r.chars) + (r.chars == 1 ? " byte" : " bytes"));
        if (truncated) e.summary += " (first " + std::to_string(r.bytes.size()) + " shown)";
        if (!r.bytes.empty()) {
            constexpr std::size_t kSummaryBytes = 48;  // project choice: one table line
            const std::size_t n = std::min(r.bytes.size(), kSummaryBytes);
            e.summary += ": \"" + escape_text(std::span(r.bytes).first(n)) + (n < r.bytes.size() ? "...\"" : "\"");
        }
        detector_.reset();
        lapm_.reset();
        break;
    }
    case Seg::None: return;
    }
    out.push_back(std::move(e));
}

void V22Tracker::on_symbol(const v22::RxSymbol& s, std::vector<Event>& out) {
    gate(s, out);
    if (!on_) return;
    const v22::RxStatus& st = rx_.status();
    const bool usb = st.usb1_since != kNever;
    // The symbol read both ways: dibit (1200) and quadbit (2400), each with its own descrambler.
    const int dibit = v22::step_to_dibit(s.step);
    const auto b0 = static_cast<std::uint8_t>((dibit >> 1) & 1), b1 = static_cast<std::uint8_t>(dibit & 1);
    const int label = v22::label_of(v22::slice16(s.point));
    const bool strong = std::norm(s.point) >= kStrongPower;
    Sym h2{.at = s.at, .n = 2, .bits = {d2_(b0), d2_(b1), 0, 0}, .strong = strong};
    Sym h4{.at = s.at, .n = 4,
           .bits = {d4_(b0), d4_(b1), d4_(static_cast<std::uint8_t>((label >> 1) & 1)), d4_(static_cast<std::uint8_t>(label & 1))},
           .strong = strong};
    if (strong) last_strong_ = s.at;
    if (seg_ == Seg::Data) {
        data_level_sum_ += st.level_dbm0;
        ++data_level_n_;
    }
    auto read = [&](Reading& r, const Sym& h) {
        for (std::size_t i = 0; i < h.n; ++i) r.zeros = (r.zeros << 1) | ((h.bits[i] == 0 || usb) ? 1u : 0u);
        r.n_bits = std::min(r.n_bits + h.n, kSbWindowBits);
        r.recent[r.recent_pos] = h;
        r.recent_pos = (r.recent_pos + 1) % r.recent.size();
    };
    read(r2_, h2);
    read(r4_, h4);
    // Bits are 40/3 samples per symbol apart divided by bits per symbol: time of the bit k back.
    auto bit_time = [&](int k, int bits_per_symbol) {
        return s.at - kHalfSymbol - static_cast<SampleTime>(k * v22::kSymbolNum / (bits_per_symbol * v22::kSymbolDen));
    };
    auto sb1 = [&](const Reading& r) { return r.n_bits >= kSbWindowBits && popcount64(r.zeros) <= kSbMaxZeros; };
    auto data_from = [&](const Reading& r, int bps) -> SampleTime {
        const std::uint64_t z = r.zeros & kDataMask;
        if (popcount64(z) < kDataMinZeros) return kNever;
        int oldest = 15;
        while (((z >> oldest) & 1u) == 0) --oldest;
        return bit_time(oldest, bps);
    };
    const bool sb1_2400 = rx_.sixteen_point() && sb1(r4_);
    const SampleTime sb1_2400_since = bit_time(kSbWindowBits - 1, 4);

    // S1 (V.22bis 6.2), also during data: a retrain. Until it has lasted kMinS1 everything goes on
    // as before (data symbols wait in the delay line, so none is lost if it is a real S1).
    if (st.s1_since != kNever) {
        last_s1_ = s.at;
        if (seg_ == Seg::S1) return;
        if (s.at - st.s1_since >= kMinS1) {
            close(std::max(st.s1_since, seg_start_), out);
            reset_segments();
            open(Seg::S1, st.s1_since);
            return;
        }
    } else if (seg_ == Seg::S1) {
        close(last_s1_ + kHalfSymbol, out);
        sixteen_at_ = last_s1_ + kSixteenAfterS1;
    }
    if (sixteen_at_ != kNever && s.at >= sixteen_at_) {
        rx_.set_sixteen_point(true);
        sixteen_at_ = kNever;
    }
    // USB1 (or USB0).
    if (usb) {
        last_usb_ = s.at;
        if (seg_ != Seg::Usb1 && s.at - st.usb1_since >= kMinUsb1) {
            close(std::max(st.usb1_since, seg_start_), out);
            open(Seg::Usb1, st.usb1_since);
        }
        return;
    }
    if (seg_ == Seg::Usb1) close(last_usb_ + kHalfSymbol, out);

    // The last 16 symbols of a reading, oldest first, from time `from` on.
    auto recent = [&](const Reading& r, SampleTime from, auto&& take) {
        for (std::size_t i = 0; i < r.recent.size(); ++i) {
            const Sym& h = r.recent[(r.recent_pos + i) % r.recent.size()];
            if (h.n > 0 && h.at + kHalfSymbol >= from) take(h);
        }
    };
    switch (seg_) {
    case Seg::None:
        if (sb1_2400) open(Seg::Sb2400, sb1_2400_since);
        else if (sb1(r2_)) open(Seg::Sb1200, bit_time(kSbWindowBits - 1, 2));
        return;
    case Seg::Sb1200:
        if (sb1_2400) {
            close(sb1_2400_since, out);
            open(Seg::Sb2400, sb1_2400_since);
            zero_at_ = kNever;
            held_.clear();
            return;
        }
        if (zero_at_ == kNever) {
            const SampleTime at = data_from(r2_, 2);
            if (at == kNever) return;
            if (!rx_.sixteen_point() && sixteen_at_ == kNever) {  // no S1 before: V.22, data at 1200
                close(at, out);
                start_data(1200, at);
                recent(r2_, at, [&](const Sym& h) { feed(h); });
                return;
            }
            zero_at_ = at;  // after S1: 2400 may still follow
            held_.clear();
            recent(r2_, at, [&](const Sym& h) { held_.push_back(h); });
            return;
        }
        held_.push_back(h2);
        if (static_cast<int>(held_.size()) > kHoldSymbols) {
            const SampleTime at = zero_at_;
            close(at, out);
            start_data(1200, at);
            for (const Sym& h : held_) feed(h);
            held_.clear();
            zero_at_ = kNever;
        }
        return;
    case Seg::Sb2400:
        if (const SampleTime z = data_from(r4_, 4); z != kNever || s.at - seg_start_ >= kSb2400Duration) {
            const SampleTime at = z != kNever ? z : s.at - kHalfSymbol;
            close(at, out);
            start_data(2400, at);
            recent(r4_, at, [&](const Sym& h) { feed(h); });
        }
        return;
    case Seg::Data: feed(rate_ == 2400 ? h4 : h2); return;
    case Seg::Usb1:
    case Seg::S1: return;
    }
}

}  // namespace modem::decode
