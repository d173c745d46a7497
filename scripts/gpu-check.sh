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
prefix=/tmp/provena-debroot
build=/tmp/provena-gpu-build

# The carried packages, unpacked beside the system (never over it).
if compgen -G "$root/.debs/*.deb" >/dev/null; then
  mkdir -p "$prefix"
  for f in "$root"/.debs/*.deb; do dpkg -x "$f" "$prefix"; done
fi
multiarch=$prefix/usr/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH=$multiarch${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PKG_CONFIG_PATH=$multiarch/pkgconfig:$prefix/usr/share/pkgconfig
torch_cmake=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
torch_lib=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH=$torch_lib:$LD_LIBRARY_PATH
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt" || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' | tee -a "$out/gpu.txt"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPROVENA_GENERATOR_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$torch_cmake;$prefix/usr" -DPNG_PNG_INCLUDE_DIR="$prefix/usr/include" \
  -DCMAKE_CUDA_ARCHITECTURES=90 2>&1 | tail -5
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
