// SPDX-License-Identifier: MIT
/// \file
/// libFuzzer target for the AT command engine: an input is a script of DTE byte runs, call
/// session events and clock steps; nothing may throw, and afterwards a reset engine answers "AT".
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "modem/at/at.hpp"

namespace at = modem::at;

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_at_engine: property failed: %s\n", what);
        std::abort();
    }
}

/// Reads the script: each step is an opcode byte and its operands (see LLVMFuzzerTestOneInput).
class Script {
public:
    explicit Script(std::span<const std::uint8_t> d) : d_(d) {}
    [[nodiscard]] bool done() const { return pos_ >= d_.size(); }
    std::uint8_t byte() { return pos_ < d_.size() ? d_[pos_++] : 0; }
    std::span<const std::uint8_t> run(std::size_t n) {
        n = std::min(n, d_.size() - pos_);
        const auto s = d_.subspan(pos_, n);
        pos_ += n;
        return s;
    }

private:
    std::span<const std::uint8_t> d_;
    std::size_t pos_ = 0;
};

bool is_command_letter(int c) {
    return c == 'A' || c == 'a' || c == 'T' || c == 't' || c == 'Z' || c == 'z';
}

}  // namespace

/// Script steps (opcode byte & 3):
///   0: DTE bytes: the next (operand % 64) bytes are fed as they are;
///   1: DTE text up to and including the next '\r' (or the end), so command lines stay intact;
///   2: a session event, chosen by the operand;
///   3: the clock steps by operand * 20 ms, or back by 500 ms when the operand is 255.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    at::Engine e;
    Script s({data, size});
    std::int64_t now = 0;
    while (!s.done()) {
        const std::uint8_t op = s.byte();
        switch (op & 3) {
        case 0: e.feed(s.run(op >> 2), now); break;
        case 1: {
            std::vector<std::uint8_t> line;
            while (!s.done()) {
                line.push_back(s.byte());
                if (line.back() == '\r') break;
            }
            e.feed(line, now);
            break;
        }
        case 2: {
            const std::uint8_t ev = s.byte();
            switch (ev % 9) {
            case 0: e.on_connect(2400, at::CallParams{}.format); break;
            case 1: e.on_connect(static_cast<int>(ev) * 20, e.call_params().format); break;
            case 2: e.on_connect(1200, modem::v14::Format{.data_bits = 3}); break;  // invalid format
            case 3: e.on_no_carrier(); break;
            case 4: e.on_ring(); break;
            case 5: e.on_busy(); break;
            case 6: e.on_no_dialtone(); break;
            case 7: e.on_no_answer(); break;
            case 8: e.on_dial_complete(); break;
            }
            break;
        }
        case 3: {
            const std::uint8_t step = s.byte();
            now += step == 255 ? -500 : static_cast<std::int64_t>(step) * 20;
            e.tick(now);
            break;
        }
        }
        (void)e.take_output();
        (void)e.take_data();
        for (const at::Action& a : e.take_actions()) {
            if (const auto* d = std::get_if<at::Dial>(&a)) require(d->number.size() <= 255, "a dial string fits a command line");
        }
        for (int n = 0; n < at::kNumSRegisters; ++n) {
            if (const auto info = at::sreg_info(n)) require(e.sreg(n) >= info->min && e.sreg(n) <= info->max, "S-registers stay in range");
        }
    }

    // Whatever state it is in: end the line (which may itself change S3), drop the call, reset;
    // a plain "AT" then gets OK. (Not checked when S3 or S5 is a letter of "ATZ" or S3 is S5:
    // the reset line would then be cut or edited, as the user asked.)
    now += 5000;
    e.feed(std::vector<std::uint8_t>{static_cast<std::uint8_t>(e.sreg(3))}, now);
    e.on_no_carrier();
    const int s3 = e.sreg(3), s5 = e.sreg(5);
    if (is_command_letter(s3) || is_command_letter(s5) || s3 == s5) return 0;
    e.feed(std::vector<std::uint8_t>{'A', 'T', 'Z', static_cast<std::uint8_t>(s3)}, now);
    require(e.settings() == at::Settings::factory(), "ATZ restores the factory settings");
    (void)e.take_output();
    const std::string line = "AT\r";
    e.feed(std::vector<std::uint8_t>(line.begin(), line.end()), now + 1);
    require(e.take_output() == "AT\r\r\nOK\r\n", "a reset engine answers AT with OK");
    require(e.mode() == at::Engine::Mode::Command, "a reset engine is in command mode");
    return 0;
}
