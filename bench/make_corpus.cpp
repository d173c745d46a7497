// make_corpus N DIR [--seed S] [--threads T]
// Writes N small PNGs with A1111 infotext into DIR (1000 per subfolder), the same corpus
// ingest_bench makes for itself; useful for trying the CLI or exiftool on it by hand.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/synthetic_corpus.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: make_corpus N DIR [--seed S] [--threads T]\n");
  return 2;
}

bool parse_int(const char* s, long long& out) {
  char* end = nullptr;
  out = std::strtoll(s, &end, 10);
  return end != s && *end == '\0' && out >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  provena::bench::CorpusOptions options;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    long long v = 0;
    if ((a == "--seed" || a == "--threads") && i + 1 < argc) {
      if (!parse_int(argv[++i], v)) return usage();
      if (a == "--seed") options.seed = static_cast<uint64_t>(v);
      else options.threads = static_cast<int>(v);
    } else if (!a.empty() && a[0] == '-') {
      return usage();
    } else {
      positional.push_back(a);
    }
  }
  long long n = 0;
  if (positional.size() != 2 || !parse_int(positional[0].c_str(), n) || n == 0) return usage();
  options.files = n;
  options.dir = positional[1];

  auto stats = provena::bench::make_synthetic_corpus(options);
  if (!stats) {
    std::fprintf(stderr, "make_corpus: %s\n", stats.error().message.c_str());
    return 1;
  }
  std::printf("wrote %lld files (%.1f MB, %.0f bytes/file) to %s in %.2f s (%.0f files/s), seed %llu\n",
              static_cast<long long>(stats->files), static_cast<double>(stats->bytes) / 1e6,
              static_cast<double>(stats->bytes) / static_cast<double>(stats->files), options.dir.c_str(),
              stats->seconds, static_cast<double>(stats->files) / stats->seconds,
              static_cast<unsigned long long>(options.seed));
  return 0;
}
