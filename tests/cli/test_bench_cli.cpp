// SPDX-License-Identifier: MIT
/// \file
/// End-to-end: `squeal bench` prints the side-by-side figure table and writes the BER CSV and PNG;
/// bad bench options are one line and a non-zero exit.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/process.hpp"

namespace fs = std::filesystem;

namespace {
const std::string kSqueal = SQUEAL_BINARY;

fs::path scratch_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / "squeal-bench-cli" / name;
    fs::remove_all(dir);
    return dir;
}
}  // namespace

TEST_CASE("cli bench: --quick --skip-spandsp prints the figure table and writes CSV and PNG") {
    const fs::path dir = scratch_dir("quick");
    // Fewer bits and calls than --quick alone, to keep the suite fast; the path is the same.
    const auto r = test::run({kSqueal, "bench", "--quick", "--skip-spandsp", "--skip-kernels", "--trials", "2",
                              "--bits", "20000", "--out-dir", dir.string()});
    CAPTURE(r.err);
    CAPTURE(r.out);
    REQUIRE(r.exit_code == 0);
    for (const char* row : {"SNR for BER 1e-5, 2400, caller receives", "SNR for BER 1e-5, 2400, answerer receives",
                            "SNR for BER 1e-5, 1200, caller receives", "SNR for BER 1e-5, 1200, answerer receives",
                            "Calls reaching 2400 at 16 dB", "Receiver ns/sample", "skipped (--skip-spandsp)"})
        CHECK(r.out.find(row) != std::string::npos);
    CHECK(r.out.find("2/2") != std::string::npos);  // both calls reach 2400 (our handshake at 16 dB)
    std::ifstream csv(dir / "ber_curves.csv");
    std::string header;
    std::getline(csv, header);
    CHECK(header == "implementation,rate_bps,receiver,snr_db,bits,errors,ber,aligned");
    std::string row;
    CHECK(std::getline(csv, row));
    CHECK(row.rfind("squeal,2400,caller,", 0) == 0);
    CHECK(fs::file_size(dir / "ber_curves.png") > 1000);
    fs::remove_all(dir);
}

TEST_CASE("cli bench: bad options are one line and a non-zero exit") {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--trials", "0"}, {"--bits", "5"}, {"--seed", "x"}, {"--out-dir", "/proc/no-such-dir/x"}}) {
        std::vector<std::string> argv{kSqueal, "bench", "--skip-spandsp", "--skip-kernels"};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto r = test::run(argv);
        CAPTURE(r.err);
        CHECK(r.signal == 0);
        CHECK(r.exit_code > 0);
        CHECK(test::count_lines(r.err) == 1);
        CHECK(r.err.rfind("squeal: ", 0) == 0);
        CHECK(r.out.empty());
    }
}
