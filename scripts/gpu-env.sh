# Sourced by the GPU scripts (gpu-check.sh, gpu-train.sh) on a lent GPU machine: unpacks
# the carried .debs beside the system, points the build at the Python torch's libtorch
# (CUDA) and configures a generator-only build in $build. Expects $root and $out.
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
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
# torch 2.12 and later need C++20 in code that includes its headers; the project is C++17.
cxx_standard=$(python3 -c 'import torch; v = tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2]); print(20 if v >= (2, 12) else 17)')

# Configured once per machine (torch's CUDA config takes a while); cmake --build redoes it
# where the CMake files change.
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPROVENA_GENERATOR_ONLY=ON \
    -DCMAKE_PREFIX_PATH="$torch_cmake;$prefix/usr" -DPNG_PNG_INCLUDE_DIR="$prefix/usr/include" \
    -DCMAKE_CXX_STANDARD="$cxx_standard" -DCMAKE_CUDA_ARCHITECTURES=90 > "$out/configure.txt" 2>&1
  configured=$?
  tail -5 "$out/configure.txt"
  [ "$configured" = 0 ]
fi
