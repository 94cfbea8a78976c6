// SPDX-License-Identifier: MIT
/// \file
/// V.8 message codec: category coding, framing and the bit-level deframer.
#include "modem/v8/messages.hpp"

#include <algorithm>

namespace modem::v8 {

namespace {
// Modulation-mode bit positions (V.8 Table 2, protocols.md 3.3): octet index 0..2 and bit.
struct ModBit {
    Modulation mod;
    std::uint8_t octet;
    std::uint8_t bit;
};
constexpr std::array<ModBit, kModulationCount> kModBits{{
    {Modulation::Pcm, 0, 5},    {Modulation::V34, 0, 6},    {Modulation::V34Hdx, 0, 7},
    {Modulation::V32bis, 1, 0}, {Modulation::V22bis, 1, 1}, {Modulation::V17, 1, 2},
    {Modulation::V29Hdx, 1, 6}, {Modulation::V27ter, 1, 7}, {Modulation::V26ter, 2, 0},
    {Modulation::V26bis, 2, 1}, {Modulation::V23, 2, 2},    {Modulation::V23Hdx, 2, 6},
    {Modulation::V21, 2, 7},
}};
// More modulation extension octets than V.8 defines today are padded/skipped up to this many.
constexpr std::uint8_t kMaxModulationOctets = 8;  // project choice

constexpr std::uint8_t category(std::uint8_t tag, unsigned value3) noexcept {
    return static_cast<std::uint8_t>(tag | ((value3 & 7u) << 5));
}
constexpr std::uint8_t option_bits(bool b5, bool b6, bool b7) noexcept {
    return static_cast<std::uint8_t>((b5 ? 0x20 : 0) | (b6 ? 0x40 : 0) | (b7 ? 0x80 : 0));
}

// Deframer patterns: the newest bit is bit 0 of the window, so a time-order string
// b0 b1 ... b(n-1) reads as the binary number b0 b1 ... b(n-1).
constexpr std::uint32_t kSyncMask = 0xFFFFF;        // 20 bits: ten ones + 10-bit sync
constexpr std::uint32_t kSyncCi = 0xFFC01;          // 1111111111 0000000001
constexpr std::uint32_t kSyncCmJm = 0xFFC0F;        // 1111111111 0000001111
constexpr std::uint32_t kSyncV92 = 0xFFD55;         // 1111111111 0101010101
constexpr std::uint32_t kCjMask = 0x3FFFFFFF;       // 30 bits
constexpr std::uint32_t kCjPattern = 0x00100401;    // 0000000001 0000000001 0000000001
}  // namespace

// ---- Octets, Units

Octets::Octets(std::initializer_list<std::uint8_t> init) noexcept {
    for (auto v : init) push_back(v);
}

bool Octets::push_back(std::uint8_t v) noexcept {
    if (size == data.size()) return false;
    data[size++] = v;
    return true;
}

bool Octets::operator==(const Octets& o) const noexcept {
    return size == o.size && std::equal(data.begin(), data.begin() + size, o.data.begin());
}

bool Units::operator==(const Units& o) const noexcept {
    return size == o.size && std::equal(data.begin(), data.begin() + size, o.data.begin());
}

// ---- Names

std::string_view to_string(CallFunction f) noexcept {
    switch (f) {
    case CallFunction::Tbs: return "tbs";
    case CallFunction::H324: return "H.324";
    case CallFunction::V18: return "V.18";
    case CallFunction::T101: return "T.101";
    case CallFunction::T30Tx: return "T.30-tx";
    case CallFunction::T30Rx: return "T.30-rx";
    case CallFunction::VSeries: return "V-series";
    case CallFunction::Extension: return "extension";
    }
    return "?";
}

std::string_view to_string(Modulation m) noexcept {
    switch (m) {
    case Modulation::V34: return "V.34";
    case Modulation::V34Hdx: return "V.34hdx";
    case Modulation::V32bis: return "V.32bis";
    case Modulation::V22bis: return "V.22bis";
    case Modulation::V17: return "V.17";
    case Modulation::V29Hdx: return "V.29hdx";
    case Modulation::V27ter: return "V.27ter";
    case Modulation::V26ter: return "V.26ter";
    case Modulation::V26bis: return "V.26bis";
    case Modulation::V23: return "V.23";
    case Modulation::V23Hdx: return "V.23hdx";
    case Modulation::V21: return "V.21";
    case Modulation::Pcm: return "PCM";
    }
    return "?";
}

std::string_view to_string(Received::Kind k) noexcept {
    switch (k) {
    case Received::Kind::Ci: return "CI";
    case Received::Kind::CmJm: return "CM/JM";
    case Received::Kind::V92: return "V.92";
    case Received::Kind::Cj: return "CJ";
    }
    return "?";
}

std::optional<Modulation> ModulationSet::best() const noexcept {
    for (std::size_t i = 0; i < kModulationCount; ++i) {
        const auto m = static_cast<Modulation>(i);
        if (has(m)) return m;
    }
    return std::nullopt;
}

std::string ModulationSet::to_string() const {
    std::string s;
    for (std::size_t i = 0; i < kModulationCount; ++i) {
        const auto m = static_cast<Modulation>(i);
        if (!has(m)) continue;
        if (!s.empty()) s += ',';
        s += v8::to_string(m);
    }
    return s.empty() ? "none" : s;
}

// ---- Encoding

Octets encode_ci(CallFunction f) noexcept { return Octets{category(kTagCallFunction, static_cast<unsigned>(f))}; }

Octets encode_menu(const Menu& m) noexcept {
    Octets o;
    o.push_back(category(kTagCallFunction, static_cast<unsigned>(m.call_function)));
    std::array<std::uint8_t, 3> modn{kTagModulation, kExtensionBase, kExtensionBase};
    for (const ModBit& b : kModBits) {
        if (m.modulations.has(b.mod)) modn[b.octet] = static_cast<std::uint8_t>(modn[b.octet] | (1u << b.bit));
    }
    std::uint8_t needed = modn[2] != kExtensionBase ? 3 : (modn[1] != kExtensionBase ? 2 : 1);
    needed = std::max(needed, std::min(m.modulation_octets, kMaxModulationOctets));
    for (std::uint8_t i = 0; i < needed; ++i) o.push_back(i < 3 ? modn[i] : kExtensionBase);
    if (m.lapm) o.push_back(category(kTagProtocols, kProtocolLapm));
    if (m.gstn_access) {
        const auto& g = *m.gstn_access;
        o.push_back(static_cast<std::uint8_t>(kTagGstnAccess | option_bits(g.call_cellular, g.answer_cellular, g.digital)));
    }
    if (m.pcm) {
        const auto& p = *m.pcm;
        o.push_back(static_cast<std::uint8_t>(kTagPcm | option_bits(p.v90_analogue, p.v90_digital, p.v91)));
    }
    return o;
}

// ---- Decoding

DecodeResult decode_menu(std::span<const std::uint8_t> octets, bool require_modulation) noexcept {
    DecodeResult r;
    Menu& m = r.menu;
    bool have_call_function = false;
    bool have_modulation = false;
    if (octets.empty()) {
        r.error = "V.8 message has no octets";
        return r;
    }
    if (is_extension(octets[0])) {
        r.error = "V.8 message starts with an extension octet";
        return r;
    }
    std::size_t i = 0;
    // Counts the extension octets that follow position i, skipping them.
    auto skip_extensions = [&]() {
        while (i < octets.size() && is_extension(octets[i])) {
            ++i;
            ++m.skipped_extensions;
        }
    };
    while (i < octets.size()) {
        const std::uint8_t o = octets[i++];
        if (is_extension(o)) {  // an extension with nothing to extend: cannot happen after skip
            ++m.skipped_extensions;
            continue;
        }
        const std::uint8_t tag = o & 0x1F;
        const unsigned value3 = o >> 5;
        switch (tag) {
        case kTagCallFunction:
            m.call_function = static_cast<CallFunction>(value3);
            have_call_function = true;
            skip_extensions();  // value 7 continues in extension octets we do not interpret
            break;
        case kTagModulation: {
            have_modulation = true;
            std::array<std::uint8_t, 3> modn{o, 0, 0};
            std::uint8_t count = 1;
            while (i < octets.size() && is_extension(octets[i])) {
                if (count < 3) modn[count] = octets[i];
                else ++m.skipped_extensions;
                ++count;
                ++i;
            }
            m.modulation_octets = count;
            ModulationSet set;
            for (const ModBit& b : kModBits) {
                if (b.octet < count && ((modn[b.octet] >> b.bit) & 1u)) set.add(b.mod);
            }
            m.modulations = set;
            break;
        }
        case kTagProtocols:
            if (value3 == kProtocolLapm) m.lapm = true;
            else ++m.skipped_categories;
            skip_extensions();
            break;
        case kTagGstnAccess:
            m.gstn_access = GstnAccess{.call_cellular = (o & 0x20) != 0, .answer_cellular = (o & 0x40) != 0, .digital = (o & 0x80) != 0};
            skip_extensions();
            break;
        case kTagPcm:
            m.pcm = PcmAvailability{.v90_analogue = (o & 0x20) != 0, .v90_digital = (o & 0x40) != 0, .v91 = (o & 0x80) != 0};
            skip_extensions();
            break;
        default:  // T.66, NSF and tags we do not know: skip with their extension octets
            ++m.skipped_categories;
            skip_extensions();
            break;
        }
    }
    if (!have_call_function) {
        r.error = "V.8 message has no call-function category";
        return r;
    }
    if (require_modulation && !have_modulation) {
        r.error = "V.8 CM/JM has no modulation-modes category";
        return r;
    }
    r.ok = true;
    return r;
}

// ---- JM from CM

Menu build_jm(const Menu& cm, const Capabilities& ours) noexcept {
    Menu jm;
    jm.call_function = cm.call_function;
    jm.modulations = ours.accepts(cm.call_function) ? (cm.modulations & ours.modulations) : ModulationSet{};
    jm.modulation_octets = cm.modulation_octets;
    jm.lapm = cm.lapm && ours.lapm;
    if (cm.pcm) jm.pcm = PcmAvailability{};
    return jm;
}

Menu build_cm(const Capabilities& ours, CallFunction f) noexcept {
    Menu cm;
    cm.call_function = f;
    cm.modulations = ours.modulations;
    cm.lapm = ours.lapm;
    return cm;
}

// ---- Framing

Units frame_message(Sync sync, const Octets& octets) noexcept {
    Units u;
    u.data[u.size++] = kPreambleUnit;
    u.data[u.size++] = frame_octet(static_cast<std::uint8_t>(sync));
    for (std::uint8_t i = 0; i < octets.size && u.size < u.data.size(); ++i) u.data[u.size++] = frame_octet(octets.data[i]);
    return u;
}

Units cj_units() noexcept {
    Units u;
    for (int i = 0; i < 3; ++i) u.data[u.size++] = frame_octet(0x00);
    return u;
}

std::vector<std::uint8_t> to_bits(const Units& u) {
    std::vector<std::uint8_t> bits;
    bits.reserve(u.size * 10u);
    for (const std::uint16_t unit : u.view()) {
        for (int b = 0; b < 10; ++b) bits.push_back(static_cast<std::uint8_t>((unit >> b) & 1u));
    }
    return bits;
}

std::string to_bit_string(const Units& u) {
    std::string s;
    for (const std::uint16_t unit : u.view()) {
        if (!s.empty()) s += ' ';
        for (int b = 0; b < 10; ++b) s += ((unit >> b) & 1u) ? '1' : '0';
    }
    return s;
}

// ---- Deframer

void Deframer::reset() noexcept { *this = Deframer{}; }

const Received* Deframer::finish() noexcept {
    state_ = State::Hunt;
    if (current_.octets.empty()) return nullptr;
    out_ = current_;
    return &out_;
}

const Received* Deframer::flush() noexcept {
    window_ = 0;  // stale bits must not join bits after a carrier gap
    if (state_ != State::Body) return nullptr;
    if (frame_bit_ != 0) {  // cut inside an octet
        ++truncated_;
        state_ = State::Hunt;
        return nullptr;
    }
    return finish();
}

const Received* Deframer::push(std::uint8_t bit, SampleTime at) noexcept {
    const std::uint32_t b = bit != 0 ? 1u : 0u;
    window_ = ((window_ << 1) | b) & kCjMask;
    times_[time_pos_] = at;
    time_pos_ = static_cast<std::uint8_t>((time_pos_ + 1) & 31u);
    auto time_back = [&](unsigned k) { return times_[(time_pos_ + 31u - k) & 31u]; };

    if (window_ == kCjPattern) {
        if (state_ == State::Body) ++truncated_;
        state_ = State::Hunt;
        out_ = Received{.kind = Received::Kind::Cj, .octets = {}, .start = time_back(29), .end = at};
        return &out_;
    }
    const std::uint32_t w20 = window_ & kSyncMask;
    if (w20 == kSyncCi || w20 == kSyncCmJm || w20 == kSyncV92) {
        if (state_ == State::Body) ++truncated_;  // ten ones cannot occur inside framed octets
        state_ = State::Body;
        frame_bit_ = 0;
        current_ = Received{};
        current_.kind = w20 == kSyncCi ? Received::Kind::Ci : (w20 == kSyncCmJm ? Received::Kind::CmJm : Received::Kind::V92);
        current_.start = time_back(19);
        current_.end = at;
        return nullptr;
    }
    if (state_ != State::Body) return nullptr;

    if (frame_bit_ == 0) {
        if (b == 1) return finish();  // no start bit: the message is over
        frame_bit_ = 1;
        octet_ = 0;
        return nullptr;
    }
    if (frame_bit_ <= 8) {
        octet_ = static_cast<std::uint8_t>(octet_ | (b << (frame_bit_ - 1)));
        ++frame_bit_;
        return nullptr;
    }
    // Stop bit.
    frame_bit_ = 0;
    if (b == 0) {
        ++framing_errors_;
        state_ = State::Hunt;
        return nullptr;
    }
    if (octet_ == 0x00 && current_.kind != Received::Kind::V92) {
        // Never a menu octet: CJ has begun or the message was cut; its end is unknown.
        ++truncated_;
        state_ = State::Hunt;
        return nullptr;
    }
    if (!current_.octets.push_back(octet_)) {
        ++truncated_;
        state_ = State::Hunt;
        return nullptr;
    }
    current_.end = at;
    return nullptr;
}

}  // namespace modem::v8
