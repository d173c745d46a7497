#!/usr/bin/env bash
# A whole GPU lease in one call: builds the generator once against the machine's CUDA
# libtorch, runs the GPU checks (scripts/gpu-check.sh), then trains the embedded model for
# the time that is left (scripts/gpu-train.sh) beside the CPU-only generator tests, and
# scores it. SECONDS is this script's own budget: give the call's timeout a margin above it.
#   here:  scripts/fetch-gpu-debs.sh
#   there: scripts/gpu-session.sh SECONDS [provena-train options, e.g. --init-from assets/tiny-flow]
# What comes back in $OUT: configure.txt, build.txt, check.txt, train.txt, cpu_tests.txt, the model in tiny-flow/.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
budget=${1:?usage: gpu-session.sh SECONDS [provena-train options]}
shift
export OUT=${OUT:-/tmp/provena-gpu-out}
mkdir -p "$OUT"
start=$(date +%s)
left() { echo $((budget - ($(date +%s) - start))); }

out=$OUT
source "$root/scripts/gpu-env.sh"
cmake --build "$build" -j "$(nproc)" \
  --target generator_tests generator_gpu_tests generate_bench sd1_bench provena-train -- -k 0 > "$OUT/build.txt" 2>&1
grep -E -A3 "error|FAILED" "$OUT/build.txt" | head -60
echo "== built after $(($(date +%s) - start)) s"

CPU_TESTS=0 SD1_RUNS=2 SD1_TIMEOUT=100 "$root/scripts/gpu-check.sh" "$OUT"
echo "== checks done after $(($(date +%s) - start)) s"

# The CPU-only generator tests, beside the training (on the CPU cores it leaves).
CUDA_VISIBLE_DEVICES= nice timeout $(($(left) - 20)) "$build/tests/generator_tests" > "$OUT/cpu_tests.txt" 2>&1 &

# Training gets what is left but ~100 s: export, eval on CUDA and the speed on 2 threads.
minutes=$(python3 -c "print(max(0.5, ($(left) - 100) / 60))")
echo "== training for $minutes minutes"
"$root/scripts/gpu-train.sh" "$minutes" "$@"
echo "== done after $(($(date +%s) - start)) s"
wait
tail -3 "$OUT/cpu_tests.txt"
