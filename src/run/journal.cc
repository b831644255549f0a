#include "sambench/run/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"

namespace sambench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

[[noreturn]] void fail(const fs::path& file, int err) {
  throw Error(file, std::string("cannot write: ") + std::strerror(err));
}

}  // namespace

JournalWriter::JournalWriter(const fs::path& file) : file_(file), last_sync_(std::chrono::steady_clock::now()) {
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) {
    std::string text = read_file(file);
    size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    if (keep != text.size()) fs::resize_file(file, keep, ec);
    if (ec) throw Error(file, "cannot cut the torn last line: " + ec.message());
  }
  fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(file, errno);
}

JournalWriter::~JournalWriter() {
  if (fd_ < 0) return;
  if (dirty_) ::fsync(fd_);
  ::close(fd_);
}

void JournalWriter::append(const json& record) {
  const std::string line = record.dump() + "\n";
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(file_, errno);
    data += n;
    left -= static_cast<size_t>(n);
  }
  dirty_ = true;
  if (std::chrono::steady_clock::now() - last_sync_ >= std::chrono::seconds(1)) sync();
}

void JournalWriter::sync() {
  if (dirty_ && ::fsync(fd_) != 0) fail(file_, errno);
  dirty_ = false;
  last_sync_ = std::chrono::steady_clock::now();
}

std::map<long long, json> read_journal(const fs::path& file) {
  std::map<long long, json> records;
  std::error_code ec;
  if (!fs::exists(file, ec)) return records;
  std::istringstream lines(read_file(file));
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (lines.eof()) break;  // no newline: torn by a crash, the unit is redone
    try {
      json record = json::parse(line);
      const long long unit = record.at("unit").get<long long>();
      records[unit] = std::move(record);
    } catch (const json::exception& e) {
      throw Error(file, "line " + std::to_string(number) + " is damaged: " + first_line(e.what()));
    }
  }
  return records;
}

json read_state(const fs::path& run_dir) {
  const fs::path file = run_dir / kStateFile;
  std::error_code ec;
  if (!fs::exists(file, ec)) throw Error(file, "not found: is this a sambench run folder?");
  try {
    return json::parse(read_file(file));
  } catch (const json::exception& e) {
    throw Error(file, "invalid JSON: " + first_line(e.what()));
  }
}

void write_state(const fs::path& run_dir, const json& state) {
  write_file_atomic(run_dir / kStateFile, state.dump(2) + "\n");
}

void check_same_setup(const json& expected, const json& found, const fs::path& file, const std::string& action) {
  auto differs = [&](const char* key) { return expected.value(key, json()) != found.value(key, json()); };
  auto refuse = [&](const std::string& what, const char* key) {
    throw Error(file, "made with a different " + what + " (" + found.value(key, json()).dump() + ", now " +
                          expected.value(key, json()).dump() + "): refusing to " + action);
  };
  if (differs("config_sha256")) refuse("config", "config_sha256");
  if (differs("sambench")) refuse("sambench version", "sambench");
  if (differs("model_sha256")) refuse("model", "model_sha256");
}

}  // namespace sambench
