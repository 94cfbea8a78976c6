// SPDX-License-Identifier: MIT
/// \file
/// Bit-error counter with alignment, BER threshold interpolation and SNR grids for the bench.
#include "modem/bench/ber.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace modem::bench {

BerCounter::BerCounter(std::span<const std::uint8_t> sent, const Config& cfg) : sent_(sent), cfg_(cfg) {
    if (cfg.align_window == 0 || cfg.max_bits == 0)
        throw std::invalid_argument("ber counter: align_window and max_bits must be positive");
    if (sent.size() < cfg.skip_bits + cfg.align_window)
        throw std::invalid_argument("ber counter: fewer sent bits than skip_bits + align_window");
    if (!(cfg.align_min_match > 0.5 && cfg.align_min_match <= 1.0))
        throw std::invalid_argument("ber counter: align_min_match must be in (0.5, 1]");
    limit_ = std::min(cfg.max_bits, sent.size() - cfg.skip_bits);
    min_match_ = static_cast<std::size_t>(std::ceil(cfg.align_min_match * static_cast<double>(cfg.align_window)));
    pending_.reserve(cfg.max_lead + cfg.skip_bits + cfg.align_window);
    next_ = cfg.skip_bits;
}

void BerCounter::push(std::uint8_t bit) {
    const std::uint8_t b = bit ? 1 : 0;
    if (aligned_) {
        if (bits_ >= limit_) return;
        errors_ += b != sent_[next_];
        ++next_;
        ++bits_;
        return;
    }
    if (gave_up_) return;
    pending_.push_back(b);
    // The newest bit completes the window of exactly one candidate lead.
    const std::size_t need = cfg_.skip_bits + cfg_.align_window;
    if (pending_.size() < need) return;
    const std::size_t lead = pending_.size() - need;
    std::size_t match = 0;
    for (std::size_t i = 0; i < cfg_.align_window; ++i)
        match += pending_[lead + cfg_.skip_bits + i] == sent_[cfg_.skip_bits + i];
    if (match >= min_match_) {
        aligned_ = true;
        lead_ = lead;
        for (std::size_t k = lead + cfg_.skip_bits; k < pending_.size() && bits_ < limit_; ++k) {
            errors_ += pending_[k] != sent_[next_];
            ++next_;
            ++bits_;
        }
        pending_.clear();
        pending_.shrink_to_fit();
    } else if (lead >= cfg_.max_lead) {
        gave_up_ = true;
        pending_.clear();
    }
}

BerPoint BerCounter::result(double snr_db, bool count_missing) const noexcept {
    BerPoint p{.snr_db = snr_db, .bits = bits_, .errors = errors_, .aligned = aligned_};
    if (!aligned_) {
        p.bits = limit_;
        p.errors = limit_ / 2;
        return p;
    }
    if (count_missing && bits_ < limit_) {
        p.errors += limit_ - bits_;
        p.bits = limit_;
    }
    return p;
}

std::string_view to_string(Threshold::Kind k) noexcept {
    switch (k) {
    case Threshold::Kind::Found: return "found";
    case Threshold::Kind::BelowGrid: return "below_grid";
    case Threshold::Kind::AboveGrid: return "above_grid";
    case Threshold::Kind::NoData: return "no_data";
    }
    return "?";
}

Threshold snr_at_ber(std::span<const BerPoint> points, double target) {
    if (!(target > 0.0 && target < 1.0)) throw std::invalid_argument("snr_at_ber: target must be in (0, 1)");
    std::vector<BerPoint> p(points.begin(), points.end());
    std::erase_if(p, [](const BerPoint& x) { return x.bits == 0; });
    if (p.empty()) return {};
    std::sort(p.begin(), p.end(), [](const BerPoint& a, const BerPoint& b) { return a.snr_db < b.snr_db; });
    auto est = [](const BerPoint& x) {
        return x.errors > 0 ? x.ber() : 0.5 / static_cast<double>(x.bits);
    };
    // The highest-SNR point still above the target: the curve may wiggle below it earlier.
    std::size_t last_above = p.size();
    for (std::size_t i = 0; i < p.size(); ++i)
        if (est(p[i]) > target) last_above = i;
    if (last_above == p.size()) return {Threshold::Kind::BelowGrid, p.front().snr_db};
    if (last_above + 1 == p.size()) return {Threshold::Kind::AboveGrid, p.back().snr_db};
    const BerPoint& a = p[last_above];
    const BerPoint& b = p[last_above + 1];
    const double la = std::log10(est(a)), lb = std::log10(est(b)), lt = std::log10(target);
    // la > lt >= lb, so la != lb.
    return {Threshold::Kind::Found, a.snr_db + (lt - la) / (lb - la) * (b.snr_db - a.snr_db)};
}

std::vector<double> snr_grid(double from_db, double to_db, double step_db) {
    if (!(step_db > 0.0) || !(to_db >= from_db)) throw std::invalid_argument("snr_grid: need step > 0 and to >= from");
    std::vector<double> g;
    for (int i = 0;; ++i) {
        const double s = from_db + i * step_db;
        if (s > to_db + 1e-9) break;
        g.push_back(s);
    }
    return g;
}

}  // namespace modem::bench
