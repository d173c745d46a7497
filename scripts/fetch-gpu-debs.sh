#!/usr/bin/env bash
# Downloads (here, where apt works) the few Debian packages that a generator-only build
# needs and a GPU machine lacks, into .debs/ (git-ignored), for scripts/gpu-check.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .debs
cd .debs
apt-get download libpng-dev libpng16-16 zlib1g-dev libxxhash-dev libxxhash0 nlohmann-json3-dev libgtest-dev
ls -la
