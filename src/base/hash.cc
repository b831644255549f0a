#include "sambench/base/hash.h"

#include <fstream>
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

std::string sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "cannot open file for hashing");

  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash.update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(path, "read error while hashing");
  return hash.hex();
}

std::string sha256_text(const std::string& text) { return Sha256().update(text).hex(); }

}  // namespace sambench
