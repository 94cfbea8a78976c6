// SPDX-License-Identifier: MIT
/// \file
/// The annotated spectrogram of `squeal decode --png`: spectrogram columns collected in constant
/// memory, then drawn (0-4 kHz) with the decoded timeline over it and written with libpng.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "dsp/types.hpp"
#include "modem/decode/canvas.hpp"
#include "modem/decode/events.hpp"

namespace modem::decode {

/// Pixel size of a written picture.
struct PictureSize {
    int width = 0;
    int height = 0;
};

/// Collects spectrogram columns (as Decoder::Config::on_column delivers them: 129 bins of dB,
/// one column every 128 samples) into at most kMaxColumns image columns. When full, neighbouring
/// columns are averaged in pairs and each image column then stands for twice as many spectrogram
/// columns, so memory stays constant whatever the length of the recording.
///
/// Layout of the image, in pixels:
///   width  = kLeft + plot + kRight, plot = columns * scale, scale = max(1, kMinPlot / columns)
///            (integer division; short files are stretched so labels fit)
///   height = kTop + kSpecHeight + kAxis + kLanes
/// The spectrogram runs 0 Hz (bottom) to 4 kHz (top); each event is outlined in its band on it,
/// and drawn as a labelled bar in its direction's lane below (caller cyan, answerer green,
/// unknown white).
class Picture {
public:
    static constexpr int kMaxColumns = 1600;  ///< project choice: a screen's width
    static constexpr int kMinPlot = 800;      ///< project choice
    static constexpr int kLeft = 48;
    static constexpr int kRight = 8;
    static constexpr int kTop = 14;
    static constexpr int kSpecHeight = 258;   ///< two pixel rows per 31.25 Hz bin
    static constexpr int kAxis = 18;
    static constexpr int kLaneRow = 12;       ///< one bar row
    static constexpr int kRowsPerLane = 3;
    static constexpr int kLaneGap = 4;
    static constexpr int kLanes = 3 * (kRowsPerLane * kLaneRow + kLaneGap);
    static constexpr std::size_t kBins = 129;

    Picture();
    /// Adds one spectrogram column (db.size() == kBins; other sizes are ignored).
    void add_column(SampleTime end, std::span<const float> db);
    /// Image columns collected so far (before drawing; a partial last column not included).
    [[nodiscard]] int columns() const noexcept { return n_cols_; }
    /// Spectrogram columns per image column.
    [[nodiscard]] int columns_per_pixel() const noexcept { return per_; }
    /// Draws and writes the PNG. `total` is the input length in samples (for the time axis).
    /// Throws std::runtime_error (one line) when the file cannot be written.
    PictureSize write_png(const std::string& path, const std::vector<Event>& events, SampleTime total) const;
    /// The title drawn at the top (default: none).
    void set_title(std::string t) { title_ = std::move(t); }

private:
    std::vector<float> cols_;  // kMaxColumns x kBins, linear power
    std::vector<float> acc_;   // kBins
    int acc_n_ = 0;
    int n_cols_ = 0;
    int per_ = 1;
    std::string title_;
};

}  // namespace modem::decode
