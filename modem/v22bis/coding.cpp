// SPDX-License-Identifier: MIT
/// \file
/// Slicers for the V.22bis 16-point and 4-point (1200 bit/s) constellations.
#include "modem/v22bis/coding.hpp"

namespace modem::v22bis {

namespace {
int slice_axis(float v) noexcept {
    if (v >= 2.0f) return 3;
    if (v >= 0.0f) return 1;
    if (v >= -2.0f) return -1;
    return -3;
}
}  // namespace

Point slice16(cf32 y) noexcept { return {slice_axis(y.real()), slice_axis(y.imag())}; }

int slice4(cf32 y) noexcept {
    // The 1200 bit/s points are (3,1) turned by q * 90 degrees: pick the largest projection.
    int best = 0;
    float best_proj = -1e30f;
    for (int q = 0; q < 4; ++q) {
        const Point p = point_of(q, kPoint1200);
        const float proj = y.real() * static_cast<float>(p.i) + y.imag() * static_cast<float>(p.q);
        if (proj > best_proj) {
            best_proj = proj;
            best = q;
        }
    }
    return best;
}

}  // namespace modem::v22bis
