#!/usr/bin/env bash
# The GPU checks of the generator, for a lent GPU machine (CUDA libtorch from its Python
# torch; none of the catalog's libraries): builds generator/ alone against that torch,
# runs the generator tests (the `gpu`-labelled ones included) and the generation benchmark
# on CUDA and on the CPU. Prints CUDA vs CPU images/s and the CPU<->GPU PSNR per image, and
# SD 1.5's speed (sd1_bench: its shapes with random weights, 512x512, CFG, 50 steps) in
# fp16 and fp32. Everything it prints also goes to $OUT/check.txt.
#   here:  scripts/fetch-gpu-debs.sh          (once: libpng, xxhash, nlohmann-json, gtest)
#   there: scripts/gpu-check.sh [OUT_DIR]     (run with .debs carried along)
# Environment: SD1_RUNS (measured runs per precision, default 3), SD1_TIMEOUT (seconds per
# precision, default 300); CPU_TESTS=0 skips the CPU-only generator tests
# (scripts/gpu-session.sh runs them beside the training instead).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${OUT:-/tmp/provena-gpu-out}}
mkdir -p "$out"
exec > >(tee -a "$out/check.txt") 2>&1
source "$root/scripts/gpu-env.sh"
cmake --build "$build" -j "$(nproc)" --target generator_tests generator_gpu_tests generate_bench sd1_bench 2>&1 | tail -3

set +e
status=0
echo "== generator_gpu_tests"
timeout 300 "$build/tests/generator_gpu_tests" || status=1
if [ "${CPU_TESTS:-1}" != 0 ]; then
  echo "== generator_tests"
  timeout 600 "$build/tests/generator_tests" 2>&1 | tail -5 || status=1
fi
for device in cuda cpu; do
  echo "== generate_bench --device $device"
  timeout 300 "$build/bench/generate_bench" --device "$device" --prompts 200 || status=1
done
vocab=$root/.debs/bpe_simple_vocab_16e6.txt.gz
if [ -f "$vocab" ]; then
  for precision in fp16 fp32; do
    echo "== sd1_bench --precision $precision"
    PROVENA_CLIP_TOKENIZER=$vocab timeout "${SD1_TIMEOUT:-300}" "$build/bench/sd1_bench" --device cuda --precision "$precision" --steps 50 \
      --runs "${SD1_RUNS:-3}" || status=1
  done
else
  echo "no CLIP vocabulary in .debs: sd1_bench skipped (run scripts/fetch-gpu-debs.sh with ../shared present)"
fi
exit $status
