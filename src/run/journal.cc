#include "sambench/run/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>
#include <sstream>

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/base/hash.h"

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
  if (fs::is_regular_file(fs::symlink_status(file, ec))) {
    std::string text = read_regular_file(file, kMaxJournalBytes);
    size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    if (keep != text.size()) fs::resize_file(file, keep, ec);
    if (ec) throw Error(file, "cannot cut the torn last line: " + ec.message());
  }
  // O_NONBLOCK: opening a FIFO for writing would wait for a reader forever (it changes nothing
  // for a regular file).
  fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd_ < 0 && errno == ENXIO) throw Error(file, "is a FIFO, not a regular file: refusing to write the journal there");
  if (fd_ < 0) fail(file, errno);
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISFIFO(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw Error(file, "is a FIFO, not a regular file: refusing to write the journal there");
  }
}

JournalWriter::~JournalWriter() {
  if (fd_ < 0) return;
  if (dirty_) ::fsync(fd_);
  ::close(fd_);
}

void JournalWriter::append(const json& record) {
  const std::string line = journal_line(record) + "\n";
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

std::string journal_line(const json& record) {
  json line = record;
  line.erase(kChecksumKey);
  // dump() sorts the keys: the same record always gives the same text, and the same checksum.
  line[kChecksumKey] = sha256_text(line.dump());
  return line.dump();
}

json parse_journal_line(const std::string& line) {
  json record = json::parse(line);  // throws json::exception on broken JSON
  if (!record.is_object() || !record.contains(kChecksumKey) || !record[kChecksumKey].is_string()) {
    throw Error("it has no checksum");
  }
  const std::string expected = record[kChecksumKey].get<std::string>();
  record.erase(kChecksumKey);
  if (sha256_text(record.dump()) != expected) throw Error("it does not match its checksum");
  if (!record.contains("unit") || !record["unit"].is_number_integer()) throw Error("it names no unit");
  return record;
}

std::map<long long, json> read_journal(const fs::path& file, DamagedLine damaged, int* damaged_lines) {
  std::map<long long, json> records;
  std::error_code ec;
  // symlink_status: a dangling link is refused as a link, not taken for a missing journal.
  if (!fs::exists(fs::symlink_status(file, ec))) return records;
  std::istringstream lines(read_regular_file(file, kMaxJournalBytes));
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (lines.eof()) break;  // no newline: torn by a crash, the unit is redone
    std::string problem;
    try {
      json record = parse_journal_line(line);
      const long long unit = record.at("unit").get<long long>();
      records[unit] = std::move(record);
      continue;
    } catch (const json::exception& e) {
      problem = "it is not valid JSON (" + first_line(e.what()) + ")";
    } catch (const Error& e) {
      problem = e.what();
    }
    const std::string where = "line " + std::to_string(number) + " is damaged: " + problem;
    if (damaged == DamagedLine::kRefuse) throw Error(file, where);
    if (damaged_lines) ++*damaged_lines;
    // Its unit is unknown or untrustworthy: whatever it held is computed again.
    std::fprintf(stderr, "sambench: WARNING: %s: %s; its unit is computed again\n", file.c_str(), where.c_str());
  }
  return records;
}

json read_state(const fs::path& run_dir) {
  const fs::path file = run_dir / kStateFile;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(file, ec))) throw Error(file, "not found: is this a sambench run folder?");
  const std::string text = read_regular_file(file, kMaxStateBytes);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Error(file, "is empty (a crash or a full disk while it was written), so the run cannot be checked: "
                      "start it again with --overwrite (the journal cannot be trusted without it)");
  }
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(file, "is damaged, so the run cannot be checked (invalid JSON: " + first_line(e.what()) +
                          "): start it again with --overwrite");
  }
}

void rewrite_journal(const fs::path& file, const std::map<long long, json>& records) {
  std::string text;
  for (const auto& [unit, record] : records) text += journal_line(record) + "\n";
  write_file_atomic(file, text);
}

void write_state(const fs::path& run_dir, const json& state) {
  write_file_atomic(run_dir / kStateFile, state.dump(2) + "\n");
}

namespace {

// "run.threads 1 -> 2, model.precision 'fp32' -> 'fp16'": the config keys that differ, by JSON
// Patch paths (at most `most` of them).
std::string config_differences(const json& then, const json& now, size_t most = 4) {
  std::vector<std::string> out;
  const json patch = json::diff(then, now);
  for (const auto& op : patch) {
    const std::string path = op.value("path", "");
    std::string key = path.substr(path.empty() ? 0 : 1);
    for (auto& c : key) c = c == '/' ? '.' : c;
    const json::json_pointer pointer(path);
    const std::string before = then.contains(pointer) ? then.at(pointer).dump() : "(none)";
    const std::string after = now.contains(pointer) ? now.at(pointer).dump() : "(none)";
    out.push_back(key + " " + before + " -> " + after);
  }
  if (out.empty()) return "";
  const size_t total = out.size();
  if (total > most) out.resize(most), out.push_back("and " + std::to_string(total - most) + " more");
  return join(out);
}

}  // namespace

void check_same_setup(const json& expected, const json& found, const fs::path& file, const std::string& action) {
  auto differs = [&](const char* key) { return expected.value(key, json()) != found.value(key, json()); };
  auto refuse = [&](const std::string& what) {
    throw Error(file, "made with a different " + what + ": refusing to " + action);
  };
  if (differs("config_sha256")) {
    const std::string keys = config_differences(found.value("config", json::object()), expected.value("config", json::object()));
    refuse("config (" + (keys.empty() ? "config sha256 " + found.value("config_sha256", "") : keys) + ", then -> now)");
  }
  if (differs("sambench")) {
    refuse("sambench version (" + found.value("sambench", json()).dump() + " -> now " + expected.value("sambench", json()).dump() + ")");
  }
  if (differs("model_sha256")) {
    refuse("model (" + found.value("/model/path"_json_pointer, std::string("?")) + " sha256 " +
           found.value("model_sha256", "").substr(0, 12) + " -> now " +
           expected.value("/model/path"_json_pointer, std::string("?")) + " sha256 " +
           expected.value("model_sha256", "").substr(0, 12) + ")");
  }
}

}  // namespace sambench
