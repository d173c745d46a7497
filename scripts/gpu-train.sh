#!/usr/bin/env bash
# Trains the embedded model (tiny-flow) on a lent GPU machine for a fixed number of
# minutes, exports it, and scores it: the eval on CUDA (200 held-out prompts) and the speed
# on 2 CPU threads (the README's target machine has 2 cores). What comes back in $OUT:
# the exported model (model.safetensors, model.json, model.sha256: the layout of
# assets/tiny-flow, and a valid --init-from for more training anywhere) and train.txt, the log.
#   here:  scripts/fetch-gpu-debs.sh          (once: libpng, xxhash, nlohmann-json, gtest)
#   there: scripts/gpu-train.sh MINUTES [provena-train options, e.g. --init-from assets/tiny-flow]
# The learning rate's cosine runs over the MINUTES (--lr-by-clock), so give --steps more
# than the GPU can do in them. Sized for a 15-minute lease: configure and build ~2 min on
# 16 cores, then MINUTES of training, then ~1 min of eval.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-/tmp/provena-gpu-out}
minutes=${1:?usage: gpu-train.sh MINUTES [provena-train options]}
shift
mkdir -p "$out"
exec > >(tee -a "$out/train.txt") 2>&1
source "$root/scripts/gpu-env.sh"
cmake --build "$build" -j "$(nproc)" --target provena-train generate_bench 2>&1 | tail -3

ckpt=/tmp/provena-gpu-ckpt
set +e
"$build/provena-train" --dir "$ckpt" --device cuda --max-minutes "$minutes" --lr-by-clock "$@"
status=$?
"$build/provena-train" --dir "$ckpt" --export "$out/tiny-flow" || status=1
echo "== eval on cuda"
"$build/bench/generate_bench" --model "$out/tiny-flow" --device cuda --prompts 200
echo "== speed on 2 CPU threads"
"$build/bench/generate_bench" --model "$out/tiny-flow" --device cpu --threads 2 --prompts 8
exit "$status"
