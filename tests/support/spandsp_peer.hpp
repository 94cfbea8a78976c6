// SPDX-License-Identifier: MIT
/// \file
/// Test-only: a complete far-end modem built from libspandsp (V.8, the V.25 answer tone,
/// V.22bis and its start-stop converters), driven block by block on s16 samples. Used by the
/// session interoperability tests and by the pipe peer program (tests/peer). Include after our
/// own headers: spandsp.h defines a macro that clashes with dsp::ms_to_samples.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include <spandsp.h>
#undef ms_to_samples

namespace test {

class SpandspPeer {
public:
    struct Config {
        bool answerer = true;
        bool v8 = true;
        int rate = 2400;                              ///< 2400 or 1200 (V.22 only)
        int guard = V22BIS_GUARD_TONE_NONE;           ///< answerer only
        int data_bits = 8;
        int parity = ASYNC_PARITY_NONE;
        int stop_bits = 1;
        std::vector<std::uint8_t> send;               ///< bytes to send once connected
    };

    explicit SpandspPeer(Config cfg) : cfg_(std::move(cfg)) {
        for (auto b : cfg_.send) queue_.push_back(b);
        bits_per_char_ = 1 + cfg_.data_bits + (cfg_.parity != ASYNC_PARITY_NONE ? 1 : 0) + cfg_.stop_bits;
        tx_ = async_tx_init(nullptr, cfg_.data_bits, cfg_.parity, cfg_.stop_bits, 1, &SpandspPeer::get_byte, this);
        rx_ = async_rx_init(nullptr, cfg_.data_bits, cfg_.parity, cfg_.stop_bits, 1, &SpandspPeer::put_byte, this);
        if (!tx_ || !rx_) throw std::runtime_error("spandsp async init failed");
        if (cfg_.v8) {
            v8_parms_t parms{};
            parms.modem_connect_tone = MODEM_CONNECT_TONES_ANSAM_PR;
            parms.send_ci = 0;
            parms.v92 = -1;
            parms.call_function = V8_CALL_V_SERIES;
            parms.modulations = V8_MOD_V22;
            parms.protocol = V8_PROTOCOL_NONE;
            parms.pstn_access = 0;
            parms.pcm_modem_availability = 0;
            parms.nsf = -1;
            parms.t66 = -1;
            v8_ = v8_init(nullptr, /*calling_party=*/cfg_.answerer ? 0 : 1, &parms, &SpandspPeer::v8_result, this);
            if (!v8_) throw std::runtime_error("spandsp v8_init failed");
            phase_ = Phase::V8;
        } else if (cfg_.answerer) {
            tone_tx_ = modem_connect_tones_tx_init(nullptr, MODEM_CONNECT_TONES_ANS_PR);
            phase_ = Phase::AnswerTone;
        } else {
            tone_rx_ = modem_connect_tones_rx_init(nullptr, MODEM_CONNECT_TONES_ANS, nullptr, nullptr);
            phase_ = Phase::WaitTone;
        }
    }
    ~SpandspPeer() {
        if (v8_) v8_free(v8_);
        if (v22_) v22bis_free(v22_);
        if (tone_tx_) modem_connect_tones_tx_free(tone_tx_);
        if (tone_rx_) modem_connect_tones_rx_free(tone_rx_);
        async_tx_free(tx_);
        async_rx_free(rx_);
    }
    SpandspPeer(const SpandspPeer&) = delete;
    SpandspPeer& operator=(const SpandspPeer&) = delete;

    /// Hears `in` and writes `out` (same length n).
    void process(const std::int16_t* in, std::int16_t* out, int n) {
        for (int i = 0; i < n; ++i) out[i] = 0;
        switch (phase_) {
        case Phase::V8:
            v8_rx(v8_, in, n);
            v8_tx(v8_, out, n);
            if (v8_done_) {
                if (v8_ok_ || cfg_.answerer) start_v22bis();  // answerer: V.8 failed = legacy caller
                else phase_ = Phase::WaitToneEnd;             // caller heard plain ANS
            }
            break;
        case Phase::AnswerTone:
            if (silence_ > 0) {  // 200 ms before the tone (V.25 billing delay, shortened)
                silence_ -= n;
                break;
            }
            if (modem_connect_tones_tx(tone_tx_, out, n) < n || ++tone_blocks_ * n >= kAnsSamples) start_v22bis();
            break;
        case Phase::WaitTone:
            modem_connect_tones_rx(tone_rx_, in, n);
            if (modem_connect_tones_rx_get(tone_rx_) != MODEM_CONNECT_TONES_NONE) phase_ = Phase::WaitToneEnd;
            break;
        case Phase::WaitToneEnd:
            // The answerer's data signal follows 75 ms after ANS: start when the line goes quiet.
            if (level_dbm0(in, n) < -40.0) start_v22bis();
            break;
        case Phase::Pump:
            v22bis_rx(v22_, in, n);
            {
                const int made = v22bis_tx(v22_, out, n);
                for (int i = made; i < n; ++i) out[i] = 0;
            }
            break;
        }
        samples_ += n;
    }

    [[nodiscard]] bool in_pump() const { return phase_ == Phase::Pump; }
    [[nodiscard]] int bit_rate() const { return v22_ ? v22bis_get_current_bit_rate(v22_) : 0; }
    [[nodiscard]] bool trained() const { return trained_; }
    [[nodiscard]] bool sent_all() const { return queue_.empty() && bit_in_char_ == 0; }
    [[nodiscard]] const std::vector<std::uint8_t>& received() const { return received_; }
    [[nodiscard]] std::int64_t samples() const { return samples_; }
    [[nodiscard]] int v8_status() const { return v8_status_; }
    /// spandsp's V.22bis state (nullptr before the pump starts), for generators that read its
    /// training stage (define SPANDSP_EXPOSE_INTERNAL_STRUCTURES before including this header).
    [[nodiscard]] const v22bis_state_t* v22bis_state() const { return v22_; }
    /// dBm0 of a block (a full-scale sine is +3.14 dBm0).
    static double level_dbm0(const std::int16_t* x, int n) {
        double p = 0;
        for (int i = 0; i < n; ++i) p += static_cast<double>(x[i]) * x[i];
        p /= n > 0 ? n : 1;
        return 10.0 * std::log10(p / (32767.0 * 32767.0 / 2.0) + 1e-20) + 3.14;
    }

private:
    enum class Phase { V8, AnswerTone, WaitTone, WaitToneEnd, Pump };
    static constexpr int kAnsSamples = 2800 * 8;  // 2.8 s of ANS (spandsp-notes)

    void start_v22bis() {
        v22_ = v22bis_init(nullptr, cfg_.rate, cfg_.answerer ? cfg_.guard : V22BIS_GUARD_TONE_NONE, cfg_.answerer ? 0 : 1,
                           &SpandspPeer::get_bit, this, &SpandspPeer::put_bit, this);
        if (!v22_) throw std::runtime_error("spandsp v22bis_init failed");
        v22bis_set_modem_status_handler(v22_, &SpandspPeer::status, this);
        phase_ = Phase::Pump;
    }
    static void v8_result(void* user, v8_parms_t* r) {
        auto* self = static_cast<SpandspPeer*>(user);
        if (r->status == V8_STATUS_V8_OFFERED) {
            r->modulations &= V8_MOD_V22;  // JM = CM and our own modes (spandsp-notes)
            r->protocol = V8_PROTOCOL_NONE;
            return;
        }
        self->v8_status_ = r->status;
        self->v8_done_ = true;
        self->v8_ok_ = r->status == V8_STATUS_V8_CALL;
    }
    static void status(void* user, int st) {
        if (st == SIG_STATUS_TRAINING_SUCCEEDED) static_cast<SpandspPeer*>(user)->trained_ = true;
    }
    static int get_byte(void* user) {
        auto* self = static_cast<SpandspPeer*>(user);
        if (self->queue_.empty()) return 0xFF;  // not reached: get_bit sends marks between characters
        const int b = self->queue_.front();
        self->queue_.pop_front();
        return b;
    }
    static void put_byte(void* user, int byte) {
        if (byte >= 0) static_cast<SpandspPeer*>(user)->received_.push_back(static_cast<std::uint8_t>(byte));
    }
    /// Marks between characters when there is nothing to send: async_tx has no end of data.
    static int get_bit(void* user) {
        auto* self = static_cast<SpandspPeer*>(user);
        if (!self->trained_) return 1;
        if (self->bit_in_char_ == 0 && self->queue_.empty()) return 1;
        const int bit = async_tx_get_bit(self->tx_);
        self->bit_in_char_ = (self->bit_in_char_ + 1) % self->bits_per_char_;
        return bit;
    }
    static void put_bit(void* user, int bit) {
        auto* self = static_cast<SpandspPeer*>(user);
        if (bit < 0) return;  // status codes
        async_rx_put_bit(self->rx_, bit);
    }

    Config cfg_;
    Phase phase_ = Phase::V8;
    v8_state_t* v8_ = nullptr;
    v22bis_state_t* v22_ = nullptr;
    modem_connect_tones_tx_state_t* tone_tx_ = nullptr;
    modem_connect_tones_rx_state_t* tone_rx_ = nullptr;
    async_tx_state_t* tx_ = nullptr;
    async_rx_state_t* rx_ = nullptr;
    std::deque<std::uint8_t> queue_;
    std::vector<std::uint8_t> received_;
    int bits_per_char_ = 10;
    int bit_in_char_ = 0;
    bool v8_done_ = false, v8_ok_ = false, trained_ = false;
    int v8_status_ = -1;
    int silence_ = 1600;
    std::int64_t tone_blocks_ = 0;
    std::int64_t samples_ = 0;
};

}  // namespace test
