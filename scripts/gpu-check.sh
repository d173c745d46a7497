#!/usr/bin/env bash
# The GPU checks of the generator, for a lent GPU machine (CUDA libtorch from its Python
# torch; none of the catalog's libraries): builds generator/ alone against that torch,
# runs the generator tests (the `gpu`-labelled ones included) and the generation benchmark
# on CUDA and on the CPU. Prints CUDA vs CPU images/s and the CPU<->GPU PSNR per image, and
# SD 1.5's speed (sd1_bench: its shapes with random weights, 512x512, CFG, 50 steps) in
# fp16 and fp32.
#   here:  scripts/fetch-gpu-debs.sh          (once: libpng, xxhash, nlohmann-json, gtest)
#   there: scripts/gpu-check.sh [OUT_DIR]     (run with .debs carried along)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${OUT:-/tmp/provena-gpu-out}}
mkdir -p "$out"
source "$root/scripts/gpu-env.sh"
cmake --build "$build" -j "$(nproc)" --target generator_tests generator_gpu_tests generate_bench sd1_bench 2>&1 | tail -3

set +e
status=0
"$build/tests/generator_gpu_tests" 2>&1 | tee "$out/gpu_tests.txt" || status=1
"$build/tests/generator_tests" 2>&1 | tail -5 | tee "$out/generator_tests.txt" || status=1
for device in cuda cpu; do
  echo "== generate_bench --device $device" | tee -a "$out/bench.txt"
  "$build/bench/generate_bench" --device "$device" --prompts 200 2>&1 | tee -a "$out/bench.txt" || status=1
done
vocab=$root/.debs/bpe_simple_vocab_16e6.txt.gz
if [ -f "$vocab" ]; then
  for precision in fp16 fp32; do
    echo "== sd1_bench --precision $precision" | tee -a "$out/sd1_bench.txt"
    PROVENA_CLIP_TOKENIZER=$vocab "$build/bench/sd1_bench" --device cuda --precision "$precision" --steps 50 --runs 3 2>&1 |
      tee -a "$out/sd1_bench.txt" || status=1
  done
else
  echo "no CLIP vocabulary in .debs: sd1_bench skipped (run scripts/fetch-gpu-debs.sh with ../shared present)"
fi
exit $status
