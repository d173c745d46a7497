// How the generator uses the CPU's cores.
#pragma once

namespace provena {

// Torch's intra-op pool gets `threads` threads (0: all cores) and the BLAS library under it
// one: Debian's libtorch calls OpenBLAS (the pthread build) from inside its own OpenMP
// threads, and two pools on the same cores spend their time waiting on each other (measured
// on 2 cores: training 49 -> 89 images/s). Call it before the first torch operation.
void use_compute_threads(int threads);

}  // namespace provena
