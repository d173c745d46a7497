// A synthetic corpus for the import benchmarks: small PNGs carrying realistic A1111
// infotext (weighted tags, LoRA tags, CJK and multi-line prompts, negative prompts, the
// usual parameter line). Every file is a pure function of (seed, index), so a corpus is
// reproducible whatever the number of threads that wrote it.
#pragma once

#include <cstdint>
#include <string>

#include "core/record.h"
#include "core/result.h"

namespace provena::bench {

// Files per subfolder: DIR/0000/img-000000.png ... DIR/0001/img-001000.png ...
inline constexpr int64_t kFilesPerFolder = 1000;

// A hidden file in the corpus root (folder scans skip hidden entries) recording how the
// corpus was made, so a benchmark can reuse it instead of writing it again.
inline constexpr const char* kCorpusMarker = ".provena-bench-corpus";

struct CorpusOptions {
  int64_t files = 100000;
  std::string dir;
  uint64_t seed = 1;
  int threads = 0;  // 0 = one per core
};

struct CorpusStats {
  int64_t files = 0;
  int64_t bytes = 0;
  double seconds = 0;
};

// What a corpus marker says; files == 0 when `dir` holds no marker.
struct CorpusMarker {
  int64_t files = 0;
  uint64_t seed = 0;
};

// The record that file `index` of a corpus made with `seed` carries.
Record synthetic_record(uint64_t seed, int64_t index);

// A record for a large library (the search benchmark): synthetic_record() plus a long
// tail of rare tags (artists, characters, styles drawn Zipf-like from ~100k names), a
// creation time spread over two years, and a template use on one record in fifty.
Record synthetic_library_record(uint64_t seed, int64_t index);
// Name `rank` of that long tail (rank 0 is the most frequent).
std::string synthetic_tail_name(size_t rank);

// The PNG bytes of file `index`: a 16x16 RGB image unique to (seed, index), with
// format_infotext(synthetic_record(seed, index)) in a `parameters` text chunk.
Result<std::string> synthetic_png(uint64_t seed, int64_t index);

std::string synthetic_path(const std::string& dir, int64_t index);

// Writes the corpus (folders created as needed) and then its marker.
Result<CorpusStats> make_synthetic_corpus(const CorpusOptions& options);

CorpusMarker read_corpus_marker(const std::string& dir);

}  // namespace provena::bench
