#include "sambench/base/hash.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#ifndef SAMBENCH_NO_OPENSSL
#include <openssl/evp.h>
#endif

#include "sambench/base/error.h"

namespace sambench {

#ifdef SAMBENCH_NO_OPENSSL

bool sha256_available() { return false; }

struct Sha256::Impl {};

Sha256::Sha256() { throw Error("SHA-256: this model-only build has no OpenSSL"); }

Sha256::~Sha256() = default;

Sha256& Sha256::update(const void*, size_t) { return *this; }

std::string Sha256::hex() { return ""; }

#else

bool sha256_available() { return true; }

struct Sha256::Impl {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) { EVP_DigestInit_ex(impl_->ctx.get(), EVP_sha256(), nullptr); }

Sha256::~Sha256() = default;

Sha256& Sha256::update(const void* data, size_t size) {
  EVP_DigestUpdate(impl_->ctx.get(), data, size);
  return *this;
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(impl_->ctx.get(), digest, &length);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

#endif

namespace {

// Closes the descriptor however the hashing ends.
struct OpenFile {
  int fd;
  ~OpenFile() { ::close(fd); }
};

// Why `fd` is not a file to hash, or "": a folder opens and then fails every read, and a FIFO or
// device would give the hash of whatever it streams (or never end).
std::string not_hashable(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return std::string("cannot hash: ") + std::strerror(errno);
  if (S_ISDIR(st.st_mode)) return "is a folder, not a file; cannot hash it";
  if (!S_ISREG(st.st_mode)) return "is not a regular file (a FIFO or device); refusing to hash it";
  return "";
}

}  // namespace

// Read to the end (not to the size fstat gave): a file that grows or shrinks meanwhile still
// hashes the bytes read, and every failed read() is an Error rather than a short hash.
std::string sha256_file(const std::filesystem::path& path) {
  // O_NONBLOCK: a FIFO opens at once (and is then refused) instead of waiting for a writer.
  const OpenFile file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (file.fd < 0) throw Error(path, std::string("cannot open for hashing: ") + std::strerror(errno));
  const std::string reason = not_hashable(file.fd);
  if (!reason.empty()) throw Error(path, reason);
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t n = ::read(file.fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(path, std::string("read error while hashing: ") + std::strerror(errno));
    if (n == 0) break;
    hash.update(buffer.data(), static_cast<size_t>(n));
  }
  return hash.hex();
}

std::string sha256_text(const std::string& text) { return Sha256().update(text).hex(); }

}  // namespace sambench
