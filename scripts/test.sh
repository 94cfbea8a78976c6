#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, from a fresh clone: installs what is missing, builds, starts the private
# PulseAudio daemon with the virtual cables (sound-card tests need it), runs ctest, stops it.
#   scripts/test.sh              the default run (everything but tests labelled slow)
#   scripts/test.sh -L slow      extra ctest arguments are passed through
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SQUEAL_BUILD_DIR:-$here/build}
export SQUEAL_BUILD_DIR=$build

SQUEAL_CMAKE_ARGS="-DSQUEAL_WERROR=ON ${SQUEAL_CMAKE_ARGS:-}" "$here/scripts/setup.sh"

. "$here/scripts/cables-for-tests.sh"
cables_for_tests "$here"

args=("$@")
[ ${#args[@]} -eq 0 ] && args=(-LE slow)
cd "$build"
ctest --output-on-failure -j2 "${args[@]}"
