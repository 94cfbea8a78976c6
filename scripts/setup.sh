#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every Debian 12 package squeal needs (non-interactive) and builds it in ./build.
#   scripts/setup.sh            install + build (Release)
#   SQUEAL_NO_INSTALL=1 ...     skip apt-get (packages already present)
#   SQUEAL_BUILD_DIR=dir ...    build somewhere else
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SQUEAL_BUILD_DIR:-$here/build}

packages=(
  build-essential cmake pkg-config git
  libliquid-dev libfftw3-dev portaudio19-dev libsndfile1-dev libsamplerate0-dev
  doctest-dev libcli11-dev nlohmann-json3-dev libpng-dev
  libspandsp-dev
  clang libclang-rt-14-dev   # libFuzzer (libclang_rt.fuzzer) for the fuzz targets in fuzz/
  pulseaudio pulseaudio-utils libasound2-plugins alsa-utils
  tmux
)

if [ "${SQUEAL_NO_INSTALL:-0}" != 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "setup: missing packages (${missing[*]}); run as root to install them" >&2
      exit 1
    fi
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release ${SQUEAL_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)"
