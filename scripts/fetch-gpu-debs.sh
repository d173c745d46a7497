#!/usr/bin/env bash
# Downloads (here, where apt works) the few Debian packages that a generator-only build
# needs and a GPU machine lacks, into .debs/ (git-ignored), for scripts/gpu-check.sh there;
# and CLIP's vocabulary from ../shared (the SD 1.5 benchmark's tokenizer; not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .debs
cd .debs
if [ -f ../../shared/fixtures/generator/bpe_simple_vocab_16e6.txt.gz ]; then
  cp ../../shared/fixtures/generator/bpe_simple_vocab_16e6.txt.gz .
fi
apt-get download libpng-dev libpng16-16 zlib1g-dev libxxhash-dev libxxhash0 nlohmann-json3-dev libgtest-dev
ls -la
