#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/limits.h"

namespace provena {

Status read_file_into(const std::string& path, std::string& buffer) {
  FileStat ignored;
  return read_file_into(path, buffer, ignored);
}

Status read_file_into(const std::string& path, std::string& buffer, FileStat& stat) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(path + ": not a regular file");
  }
  if (static_cast<size_t>(st.st_size) > limits::kMaxImportFileBytes) {
    ::close(fd);
    return make_error(path + ": file larger than " + std::to_string(limits::kMaxImportFileBytes >> 20) + " MiB");
  }
  stat = FileStat{static_cast<int64_t>(st.st_size), int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  buffer.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < buffer.size()) {
    ssize_t n = ::read(fd, buffer.data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return make_error(path + ": read failed (" + (n < 0 ? std::strerror(errno) : "file shrank") + ")");
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  return Ok{};
}

Status read_file_into(const std::string& path, std::string& buffer, size_t expected_size) {
  if (expected_size > limits::kMaxImportFileBytes)
    return make_error(path + ": file larger than " + std::to_string(limits::kMaxImportFileBytes >> 20) + " MiB");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path + ": cannot open (" + std::strerror(errno) + ")");
  // One byte of slack tells whether the file grew since it was scanned.
  buffer.resize(expected_size + 1);
  size_t got = 0;
  while (true) {
    ssize_t n = ::read(fd, buffer.data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return make_error(path + ": read failed (" + std::strerror(err) + ")");
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
    // A regular file reads short only at its end: the size the scan saw, read at once, is
    // the whole file, without a second read to see the end (a syscall per file).
    if (got == expected_size && static_cast<size_t>(n) == expected_size) break;
    if (got == buffer.size()) {
      if (buffer.size() > limits::kMaxImportFileBytes) {
        ::close(fd);
        return make_error(path + ": file larger than " + std::to_string(limits::kMaxImportFileBytes >> 20) + " MiB");
      }
      buffer.resize(buffer.size() * 2);
    }
  }
  ::close(fd);
  buffer.resize(got);
  return Ok{};
}

Result<std::string> read_file(const std::string& path) {
  std::string buffer;
  auto st = read_file_into(path, buffer);
  if (!st) return st.error();
  return buffer;
}

Status write_file_atomic(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return make_error(path + ": cannot create (" + std::strerror(errno) + ")");
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    return make_error(path + ": write failed (" + std::strerror(err) + ")");
  }
  return Ok{};
}

}  // namespace provena
