// SPDX-License-Identifier: MIT
/// \file
/// A small RGB drawing surface with a 5x7 bitmap font of our own and PNG output (libpng), shared
/// by the decoder's annotated spectrogram and the bench's BER plots.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modem::decode {

struct Rgb {
    std::uint8_t r, g, b;
};
inline constexpr Rgb kBackground{16, 16, 20};  ///< project choice: near-black
inline constexpr Rgb kInk{220, 220, 220};      ///< project choice: text and axes
inline constexpr int kCharW = 6;               ///< font advance: 5 pixels and a space
inline constexpr int kCharH = 7;

/// Width in pixels of `text` drawn with the built-in 5x7 font (6 px per character).
int text_width(std::string_view text) noexcept;

/// Pixels in row-major order; drawing outside the surface is clipped.
class Canvas {
public:
    Canvas(int w, int h, Rgb background = kBackground);
    void set(int x, int y, Rgb c);
    void fill(int x0, int y0, int x1, int y1, Rgb c);
    void frame(int x0, int y0, int x1, int y1, Rgb c);
    /// A straight line (Bresenham) between two points, both included.
    void line(int x0, int y0, int x1, int y1, Rgb c);
    /// Text with its top-left corner at (x, y); only pixels with from_x <= x < clip_x are drawn.
    /// Letters are drawn upper case; a character the font lacks is drawn as a box.
    void text(int x, int y, std::string_view s, Rgb c, int clip_x = 1 << 30, int from_x = -(1 << 30));
    [[nodiscard]] int width() const { return w_; }
    [[nodiscard]] int height() const { return h_; }
    [[nodiscard]] const Rgb* row(int y) const { return &px_[static_cast<std::size_t>(y) * static_cast<std::size_t>(w_)]; }

private:
    int w_, h_;
    std::vector<Rgb> px_;
};

/// Writes the canvas as an 8-bit RGB PNG. Throws std::runtime_error (one line) on failure.
void write_png(const std::string& path, const Canvas& c);

}  // namespace modem::decode
