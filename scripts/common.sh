# Shared by scripts/run and scripts/test (sourced, not run): Debian packages, configure and build.
# shellcheck shell=bash

ATTNSCOPE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# What building and testing needs on a fresh Debian 12 machine.
ATTNSCOPE_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-svg-dev libgl-dev
  libeigen3-dev libsentencepiece-dev libbenchmark-dev
  libsimdjson-dev libpcre2-dev libutf8proc-dev libcurl4-openssl-dev libssl-dev
  fonts-dejavu-core ca-certificates curl
  # Tokens of every script: Noto for Greek, Cyrillic, Arabic, Hebrew, Devanagari and more, CJK, and colour emoji
  # (Qt falls back to them glyph by glyph where DejaVu has none).
  fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji
)

# What the fuzz preset adds (scripts/fuzz, CI's fuzzing step): Clang with libFuzzer and the OpenMP runtime, and
# Python to write the binary seeds (fuzz/make_seeds.py).
ATTNSCOPE_FUZZ_PACKAGES=(clang libclang-rt-14-dev libomp-14-dev python3)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ensure_packages [extra packages...]: installs whatever is missing, with sudo when not root.
ensure_packages() {
  local missing=() p
  for p in "${ATTNSCOPE_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Need root (or sudo) to install: ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  log "Installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build_preset PRESET [targets...]
build_preset() {
  local preset=$1; shift
  log "Configuring ($preset)"
  cmake -S "$ATTNSCOPE_ROOT" --preset "$preset" >/dev/null
  log "Building ($preset)"
  if [ $# -gt 0 ]; then
    cmake --build "$ATTNSCOPE_ROOT/build/$preset" --target "$@"
  else
    cmake --build "$ATTNSCOPE_ROOT/build/$preset"
  fi
}
