// SPDX-License-Identifier: MIT
/// \file
/// Bank of V.22bis modems: contiguous storage, planar audio, per-channel or batched conversion.
#include "modem/bank/bank.hpp"

#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "dsp/kernels/kernels.hpp"

namespace modem::bank {

Bank::Bank(const Config& cfg) : cfg_(cfg), n_(cfg.channels.size()) {
    if (n_ == 0) throw std::invalid_argument("bank: needs at least one channel");
    if (cfg.block == 0) throw std::invalid_argument("bank: block must be > 0");
    constexpr std::size_t align = alignof(v22bis::Modem) > 64 ? alignof(v22bis::Modem) : 64;  // cache line
    slot_ = (sizeof(v22bis::Modem) + align - 1) / align * align;
    storage_ = std::make_unique<std::byte[]>(n_ * slot_ + align);
    auto addr = reinterpret_cast<std::uintptr_t>(storage_.get());
    base_ = storage_.get() + ((align - addr % align) % align);
    try {
        for (; built_ < n_; ++built_) new (base_ + built_ * slot_) v22bis::Modem(cfg.channels[built_]);
    } catch (...) {
        for (std::size_t c = built_; c-- > 0;) at(c)->~Modem();
        throw;
    }
    const std::size_t planes = cfg.conversion == Conversion::Batched ? n_ : 1;
    fin_.assign(planes * cfg.block, 0.0f);
    fout_.assign(planes * cfg.block, 0.0f);
}

Bank::~Bank() {
    for (std::size_t c = built_; c-- > 0;) at(c)->~Modem();
}

v22bis::Modem* Bank::at(std::size_t c) const noexcept {
    return std::launder(reinterpret_cast<v22bis::Modem*>(base_ + c * slot_));
}

v22bis::Modem& Bank::modem(std::size_t c) {
    if (c >= n_) throw std::out_of_range("bank: no channel " + std::to_string(c));
    return *at(c);
}

const v22bis::Modem& Bank::modem(std::size_t c) const {
    if (c >= n_) throw std::out_of_range("bank: no channel " + std::to_string(c));
    return *at(c);
}

void Bank::process(std::span<const std::int16_t> in, std::span<std::int16_t> out) {
    const std::size_t b = cfg_.block;
    if (in.size() != n_ * b || out.size() != n_ * b)
        throw std::invalid_argument("bank: process needs channels * block samples in and out");
    if (cfg_.conversion == Conversion::Batched) {
        dsp::kernels::s16_to_f32(in, fin_);
        for (std::size_t c = 0; c < n_; ++c)
            at(c)->process(std::span<const float>(fin_).subspan(c * b, b), std::span<float>(fout_).subspan(c * b, b));
        dsp::kernels::f32_to_s16(fout_, out);
        return;
    }
    for (std::size_t c = 0; c < n_; ++c) {
        dsp::kernels::s16_to_f32(in.subspan(c * b, b), fin_);
        at(c)->process(fin_, fout_);
        dsp::kernels::f32_to_s16(fout_, out.subspan(c * b, b));
    }
}

}  // namespace modem::bank
