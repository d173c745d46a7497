#include "generator/threads.h"

#include <torch/torch.h>

#include <thread>

// OpenBLAS's own setter, found at run time when torch's BLAS is OpenBLAS (weak: absent
// with another BLAS, and then there is nothing to set).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace provena {

void use_compute_threads(int threads) {
  if (openblas_set_num_threads) openblas_set_num_threads(1);
  const int n = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  torch::set_num_threads(n > 0 ? n : 1);
}

}  // namespace provena
