// SPDX-License-Identifier: MIT
/// \file
/// Test-only generator of testvectors/decode/spandsp: whole calls between two spandsp modems
/// (V.8 or the V.25 answer tone, then V.22bis/V.22), recorded as a line tap hears them, with the
/// ground truth (V.8 octets, segment times, rates, the bytes each way) taken from spandsp itself.
//
// Usage: squeal-vectorgen-decode OUTPUT_DIR
// Writes <name>.wav (8 kHz mono 16-bit) and <name>.expect (JSON) for every scenario below.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audio/audio_io.hpp"
#include "dsp/hilbert.hpp"
#include "dsp/noise.hpp"
#include "dsp/types.hpp"

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES  // the V.22bis transmitter's training stage
#include "support/spandsp_peer.hpp"         // includes spandsp.h last, undefines ms_to_samples

namespace {

using modem::dsp::cf32;

constexpr std::int64_t kToneGap = 160;   // 20 ms of exact zeros end the answer tone; project choice
constexpr int kBlock = 8;                    // 1 ms lockstep blocks: the time resolution of the truth
constexpr std::int64_t kMaxSamples = 20 * 8000;  // a call that has not finished by then failed
constexpr std::int64_t kTailSamples = 2400;  // 300 ms kept after the last byte arrives; project choice

enum class Law { None, Ulaw, Alaw };

struct Scenario {
    std::string name;
    std::string what;
    bool v8 = true;
    int caller_rate = 2400;
    int answerer_rate = 2400;
    int guard = V22BIS_GUARD_TONE_NONE;
    int data_bits = 8;
    int parity = ASYNC_PARITY_NONE;
    int stop_bits = 1;
    double offset_hz = 0.0;  // frequency offset of the line, each direction
    Law law = Law::None;     // G.711 coding of the line, each direction
    double snr_db = 0.0;     // 0 = no noise; else noise added to the tap recording
    std::uint64_t seed = 0;
};

std::string format_name(const Scenario& s) {
    const char p = s.parity == ASYNC_PARITY_NONE ? 'N' : s.parity == ASYNC_PARITY_EVEN ? 'E' : 'O';
    return std::to_string(s.data_bits) + p + std::to_string(s.stop_bits);
}

const char* guard_name(int g) {
    return g == V22BIS_GUARD_TONE_550HZ ? "550" : g == V22BIS_GUARD_TONE_1800HZ ? "1800" : "none";
}

std::string hex(const std::vector<std::uint8_t>& v) {
    std::string s;
    char b[4];
    for (std::size_t i = 0; i < v.size(); ++i) {
        std::snprintf(b, sizeof b, i ? " %02x" : "%02x", v[i]);
        s += b;
    }
    return s;
}

std::vector<std::uint8_t> bytes_of(const std::string& s, int data_bits) {
    std::vector<std::uint8_t> v(s.begin(), s.end());
    for (auto& b : v) b = static_cast<std::uint8_t>(b & ((1u << data_bits) - 1u));
    return v;
}

/// One direction of the line: frequency offset (analytic signal times a phasor), then G.711.
class LinePath {
public:
    LinePath(double offset_hz, Law law) : offset_hz_(offset_hz), law_(law), hilbert_({}) {}
    std::int16_t step(std::int16_t x) {
        float y = x;
        if (offset_hz_ != 0.0) {
            const cf32 a = hilbert_.step(static_cast<float>(x));
            const double ph = 2.0 * std::numbers::pi * offset_hz_ * static_cast<double>(n_++) / 8000.0;
            y = static_cast<float>(a.real() * std::cos(ph) - a.imag() * std::sin(ph));
        }
        auto s = static_cast<std::int16_t>(std::clamp(std::lround(y), -32768L, 32767L));
        if (law_ == Law::Ulaw) s = ulaw_to_linear(linear_to_ulaw(s));
        if (law_ == Law::Alaw) s = alaw_to_linear(linear_to_alaw(s));
        return s;
    }

private:
    double offset_hz_;
    Law law_;
    modem::dsp::Hilbert hilbert_;
    std::int64_t n_ = 0;
};

/// spandsp's V.21 receiver on one modem's clean transmit signal, keeping every bit and its time.
class V21Bits {
public:
    explicit V21Bits(int channel) {
        rx_ = fsk_rx_init(nullptr, &preset_fsk_specs[channel], FSK_FRAME_MODE_SYNC, &V21Bits::put_bit, this);
        if (!rx_) throw std::runtime_error("spandsp fsk_rx_init failed");
    }
    ~V21Bits() { fsk_rx_free(rx_); }
    V21Bits(const V21Bits&) = delete;
    V21Bits& operator=(const V21Bits&) = delete;
    void sample(std::int16_t x, std::int64_t t) {
        now_ = t;
        fsk_rx(rx_, &x, 1);
    }
    struct Message {
        std::int64_t start = 0;  // first bit of the ten-ones preamble
        std::vector<std::uint8_t> octets;
        bool complete = false;   // followed by a new preamble or by CJ's zero octets
        bool then_cj = false;
    };
    /// CM/JM messages: ten ones, the sync 0000001111 (V.8 section 5), start-stop octets LSB first,
    /// ended by a unit whose start bit is 1 (the next preamble), a zero octet (CJ) or a framing error.
    [[nodiscard]] std::vector<Message> messages() const {
        static constexpr std::uint8_t kSync[10] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
        std::vector<Message> out;
        const std::size_t n = bits_.size();
        for (std::size_t i = 0; i + 20 <= n; ++i) {
            bool match = true;
            for (std::size_t k = 0; k < 10 && match; ++k) match = bits_[i + k] == 1 && bits_[i + 10 + k] == kSync[k];
            if (!match) continue;
            Message m;
            m.start = times_[i];
            std::size_t j = i + 20;
            for (; j + 10 <= n; j += 10) {
                if (bits_[j] != 0) {
                    m.complete = true;
                    break;
                }
                if (bits_[j + 9] != 1) break;
                std::uint8_t o = 0;
                for (int k = 0; k < 8; ++k) o = static_cast<std::uint8_t>(o | (bits_[j + 1 + static_cast<std::size_t>(k)] << k));
                if (o == 0) {
                    m.complete = m.then_cj = true;
                    break;
                }
                m.octets.push_back(o);
            }
            out.push_back(m);
            i = j > i + 20 ? j - 1 : i;
        }
        return out;
    }

private:
    static void put_bit(void* user, int bit) {
        auto* self = static_cast<V21Bits*>(user);
        if (bit < 0) return;  // carrier and training status codes
        self->bits_.push_back(static_cast<std::uint8_t>(bit & 1));
        self->times_.push_back(self->now_);
    }
    fsk_rx_state_t* rx_ = nullptr;
    std::int64_t now_ = 0;
    std::vector<std::uint8_t> bits_;
    std::vector<std::int64_t> times_;
};

const char* stage_kind(int stage) {
    switch (stage) {
    case V22BIS_TX_TRAINING_STAGE_U11: return "v22bis_usb1";
    case V22BIS_TX_TRAINING_STAGE_U0011: return "v22bis_s1";
    case V22BIS_TX_TRAINING_STAGE_S11:
    case V22BIS_TX_TRAINING_STAGE_TIMED_S11: return "v22bis_sb1_1200";
    case V22BIS_TX_TRAINING_STAGE_S1111: return "v22bis_sb1_2400";
    case V22BIS_TX_TRAINING_STAGE_NORMAL_OPERATION: return "data";
    default: return nullptr;  // silences, parked
    }
}

double secs(std::int64_t n) { return static_cast<double>(n) / 8000.0; }

void generate(const Scenario& sc, const std::string& dir) {
    const std::string caller_text = "ATZ OK? Hello from the spandsp caller: 0123456789 the quick brown fox.\r\n";
    const std::string answerer_text = std::string("Answerer <ok>\ttab \\ back") + '\x01' + '\x7f' + " end.\r\n";
    const auto caller_bytes = bytes_of(caller_text, sc.data_bits);
    const auto answerer_bytes = bytes_of(answerer_text, sc.data_bits);
    test::SpandspPeer caller({.answerer = false, .v8 = sc.v8, .rate = sc.caller_rate, .data_bits = sc.data_bits,
                              .parity = sc.parity, .stop_bits = sc.stop_bits, .send = caller_bytes});
    test::SpandspPeer answerer({.answerer = true, .v8 = sc.v8, .rate = sc.answerer_rate, .guard = sc.guard,
                                .data_bits = sc.data_bits, .parity = sc.parity, .stop_bits = sc.stop_bits,
                                .send = answerer_bytes});
    LinePath to_caller(sc.offset_hz, sc.law), to_answerer(sc.offset_hz, sc.law);
    V21Bits ch1(FSK_V21CH1), ch2(FSK_V21CH2);

    // The tap sits at the caller's end: the caller's own signal as sent, the answerer's as received.
    std::vector<float> tap_caller, tap_answerer;
    std::int16_t c_in[kBlock]{}, a_in[kBlock]{}, c_out[kBlock], a_out[kBlock];
    nlohmann::json segments = nlohmann::json::array();
    int stage[2] = {-1, -1};
    std::string last_kind[2];
    std::int64_t first_rx[2] = {-1, -1};  // [0]: caller's bytes arriving at the answerer
    std::int64_t t = 0, done_at = -1;
    // The answer tone (ANSam after V.8's silence, or ANS): the answerer's first sound, up to its
    // first silence of kToneGap samples.
    std::int64_t tone_start = -1, tone_end = -1, zeros = 0;
    for (; t < kMaxSamples; t += kBlock) {
        caller.process(c_in, c_out, kBlock);
        answerer.process(a_in, a_out, kBlock);
        for (int i = 0; i < kBlock; ++i) {
            if (!caller.in_pump()) ch1.sample(c_out[i], t + i);
            if (!answerer.in_pump()) ch2.sample(a_out[i], t + i);
            if (tone_start < 0 && a_out[i] != 0) tone_start = t + i;
            if (tone_start >= 0 && tone_end < 0) {
                zeros = a_out[i] == 0 ? zeros + 1 : 0;
                if (zeros == kToneGap) tone_end = t + i + 1 - kToneGap;
            }
            c_in[i] = to_caller.step(a_out[i]);
            a_in[i] = to_answerer.step(c_out[i]);
            tap_caller.push_back(c_out[i]);
            tap_answerer.push_back(c_in[i]);
        }
        const test::SpandspPeer* peers[2] = {&caller, &answerer};
        for (int d = 0; d < 2; ++d) {
            const auto* st = peers[d]->v22bis_state();
            if (st == nullptr || st->tx.training == stage[d]) continue;
            stage[d] = st->tx.training;
            const char* kind = stage_kind(stage[d]);
            if (kind == nullptr || last_kind[d] == kind) continue;  // S11 then TIMED_S11: one SB1 at 1200
            last_kind[d] = kind;
            segments.push_back({{"direction", d == 0 ? "caller" : "answerer"}, {"kind", kind}, {"start", secs(t + kBlock)}});
        }
        if (first_rx[0] < 0 && !answerer.received().empty()) first_rx[0] = t + kBlock;
        if (first_rx[1] < 0 && !caller.received().empty()) first_rx[1] = t + kBlock;
        if (done_at < 0 && answerer.received().size() >= caller_bytes.size() &&
            caller.received().size() >= answerer_bytes.size())
            done_at = t;
        if (done_at >= 0 && t >= done_at + kTailSamples) break;
    }
    if (done_at < 0) throw std::runtime_error(sc.name + ": the call did not carry every byte within 20 s");
    if (answerer.received() != caller_bytes || caller.received() != answerer_bytes)
        throw std::runtime_error(sc.name + ": spandsp received other bytes than were sent");

    // Noise on the recording: SNR = mean power of one direction's signal (each measured over its
    // last second, in data) over the noise power in 0-4 kHz.
    std::vector<float> tap(tap_caller.size());
    for (std::size_t i = 0; i < tap.size(); ++i) tap[i] = tap_caller[i] + tap_answerer[i];
    nlohmann::json noise = nullptr;
    if (sc.snr_db > 0.0) {
        const auto power = [](const std::vector<float>& x) {
            const std::size_t n = std::min<std::size_t>(x.size(), 8000);
            double p = 0.0;
            for (std::size_t i = x.size() - n; i < x.size(); ++i) p += static_cast<double>(x[i]) * x[i];
            return p / static_cast<double>(n);
        };
        const double p_sig = 0.5 * (power(tap_caller) + power(tap_answerer));
        const double sigma = std::sqrt(p_sig / std::pow(10.0, sc.snr_db / 10.0));
        modem::dsp::Gaussian g(sc.seed);
        for (auto& x : tap) x += static_cast<float>(sigma * g());
        noise = {{"snr_db", sc.snr_db}, {"seed", sc.seed}, {"sigma", sigma}};
    }
    std::vector<std::int16_t> pcm(tap.size());
    for (std::size_t i = 0; i < tap.size(); ++i)
        pcm[i] = static_cast<std::int16_t>(std::clamp(std::lround(tap[i]), -32768L, 32767L));
    {
        modem::audio::SoundFileWriter w(dir + "/" + sc.name + ".wav");
        w.write(std::span<const std::int16_t>(pcm));
        w.close();
    }

    nlohmann::json v8 = nullptr;
    if (sc.v8) {
        v8 = nlohmann::json::object();
        for (const auto& [name, bits] : {std::pair<const char*, V21Bits*>{"cm", &ch1}, {"jm", &ch2}}) {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& m : bits->messages())
                list.push_back({{"start", secs(m.start)}, {"octets", hex(m.octets)}, {"complete", m.complete},
                                {"then_cj", m.then_cj}});
            v8[name] = list;
        }
        v8["caller_status"] = caller.v8_status();
        v8["answerer_status"] = answerer.v8_status();
    }
    const auto data = [&](const std::vector<std::uint8_t>& b, const test::SpandspPeer& p, std::int64_t rx_at) {
        return nlohmann::json{{"rate", p.bit_rate()}, {"format", format_name(sc)}, {"hex", hex(b)},
                              {"first_byte_at_far_end", secs(rx_at)}};
    };
    nlohmann::json e = {
        {"origin", "spandsp"},
        {"what", sc.what},
        {"software", "spandsp 0.0.6 (Debian 12 libspandsp-dev): v8_init/v8_tx/v8_rx, modem_connect_tones_tx, "
                     "v22bis_init/v22bis_tx/v22bis_rx, async_tx/async_rx; V.8 octets read by fsk_rx (V.21) on each "
                     "modem's own transmit signal"},
        {"command", "squeal-vectorgen-decode testvectors/decode/spandsp"},
        {"note", "segment starts are the transmitters' training-stage changes (spandsp's v22bis tx state, 1 ms "
                 "resolution); the line signal lags them by the transmit filter"},
        {"v8_used", sc.v8},
        {"guard_hz", guard_name(sc.guard)},
        {"caller_max_rate", sc.caller_rate},
        {"answerer_max_rate", sc.answerer_rate},
        {"freq_offset_hz", sc.offset_hz},
        {"g711", sc.law == Law::Ulaw ? "ulaw" : sc.law == Law::Alaw ? "alaw" : "none"},
        {"noise", noise},
        {"duration", secs(static_cast<std::int64_t>(pcm.size()))},
        {"answer_tone", {{"kind", sc.v8 ? "ansam_reversals" : "ans_reversals"}, {"start", secs(tone_start)},
                         {"end", secs(tone_end)}}},
        {"v8", v8},
        {"segments", segments},
        {"data", {{"caller", data(caller_bytes, caller, first_rx[0])}, {"answerer", data(answerer_bytes, answerer, first_rx[1])}}},
    };
    std::ofstream(dir + "/" + sc.name + ".expect") << e.dump(1) << '\n';
    std::cout << sc.name << ": " << secs(static_cast<std::int64_t>(pcm.size())) << " s, caller " << caller.bit_rate()
              << " answerer " << answerer.bit_rate() << " bit/s\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: squeal-vectorgen-decode OUTPUT_DIR\n";
        return 2;
    }
    const std::string dir = argv[1];
    const Scenario scenarios[] = {
        {.name = "v8_v22bis_2400", .what = "V.8 (ANSam/) then V.22bis 2400 both ways, no guard tone", .seed = 1},
        {.name = "v8_v22_1200", .what = "V.8 then V.22 at 1200 (both modems limited to 1200), 7E1",
         .caller_rate = 1200, .answerer_rate = 1200, .data_bits = 7, .parity = ASYNC_PARITY_EVEN, .seed = 2},
        {.name = "ans_v22bis_2400", .what = "legacy start: ANS with reversals (2.8 s), then V.22bis 2400, 550 Hz guard",
         .v8 = false, .guard = V22BIS_GUARD_TONE_550HZ, .seed = 3},
        {.name = "v8_fallback_1200", .what = "V.8, caller asks for 2400 (S1), answerer limited to 1200: both at 1200",
         .answerer_rate = 1200, .seed = 4},
        {.name = "v8_v22bis_guard550", .what = "V.8 then V.22bis 2400, 550 Hz guard tone",
         .guard = V22BIS_GUARD_TONE_550HZ, .seed = 5},
        {.name = "v8_v22bis_guard1800", .what = "V.8 then V.22bis 2400, 1800 Hz guard tone",
         .guard = V22BIS_GUARD_TONE_1800HZ, .seed = 6},
        {.name = "v8_v22bis_snr20", .what = "V.8 then V.22bis 2400, noise on the recording at 20 dB SNR",
         .snr_db = 20.0, .seed = 7},
        {.name = "v8_v22bis_snr15", .what = "V.8 then V.22bis 2400, noise on the recording at 15 dB SNR",
         .snr_db = 15.0, .seed = 8},
        {.name = "v8_v22bis_offset", .what = "V.8 then V.22bis 2400, line frequency offset +7 Hz each way, 1800 Hz guard",
         .guard = V22BIS_GUARD_TONE_1800HZ, .offset_hz = 7.0, .seed = 9},
        {.name = "v8_v22bis_ulaw", .what = "V.8 then V.22bis 2400, line G.711 mu-law each way",
         .law = Law::Ulaw, .seed = 10},
        {.name = "ans_v22bis_alaw_snr25", .what = "legacy ANS then V.22bis 2400, line G.711 A-law each way, 25 dB SNR",
         .v8 = false, .law = Law::Alaw, .snr_db = 25.0, .seed = 11},
    };
    try {
        for (const auto& sc : scenarios) generate(sc, dir);
    } catch (const std::exception& ex) {
        std::cerr << "squeal-vectorgen-decode: " << ex.what() << '\n';
        return 1;
    }
    return 0;
}
