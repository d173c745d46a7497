#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   ./setup.sh run    install what is missing, build, run the main job (provena demo)
#   ./setup.sh test   install what is missing, build, run the test suite
#   ./setup.sh build  install what is missing and build
# Environment: BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo).
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-run}
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}

# Every dependency is a Debian package.
packages=(
  build-essential cmake ninja-build pkg-config ccache
  libsqlite3-dev libsqlitecpp-dev libpng-dev libjpeg-dev libwebp-dev zlib1g-dev libexiv2-dev nlohmann-json3-dev libxxhash-dev libzstd-dev
  libgoogle-perftools-dev
  libtorch-dev libopenblas0-pthread
  libgtest-dev libgmock-dev libbenchmark-dev
  libimgui-dev libglfw3-dev libgl-dev libgl1-mesa-dri libglx-mesa0 fonts-noto-cjk
  xvfb xauth
  libimage-exiftool-perl
)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
  cmake --build "$BUILD_DIR"
}

case "$mode" in
  run)
    install_missing
    build
    shift || true
    "$BUILD_DIR/provena" demo "$@"
    # With a display, the demo library opens in the desktop app.
    if [ -n "${DISPLAY:-}" ] && [ -x "$BUILD_DIR/provena-gui" ]; then
      exec "$BUILD_DIR/provena" --library provena-demo/library gui
    fi
    ;;
  test)
    install_missing
    build
    cd "$BUILD_DIR"
    exec ctest --output-on-failure -j "$(nproc)"
    ;;
  build)
    install_missing
    build
    ;;
  *)
    echo "usage: ./setup.sh run|test|build" >&2
    exit 2
    ;;
esac
