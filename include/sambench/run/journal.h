#pragma once

// A run folder's crash-safe record: journal.jsonl holds one JSON line per finished unit (a case or
// a 2D image), appended as the run goes and fsync'd in batches; run_state.json says whether the
// run is running, complete or failed, and what made it (config, code and model, by hash), so
// that a resume or a merge never mixes results of different setups.

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace sambench {

inline constexpr const char* kJournalFile = "journal.jsonl";
inline constexpr const char* kStateFile = "run_state.json";

// Bounds on reading a run folder's own state back (a shard or run folder may come from someone
// else): far above what a real run writes, so that a hostile file costs bounded memory.
inline constexpr size_t kMaxJournalBytes = size_t{1} << 32;  // 4 GiB
inline constexpr size_t kMaxStateBytes = size_t{64} << 20;   // 64 MiB

// Appends records to a journal. Opening cuts a torn last line (a crash mid-write) away.
class JournalWriter {
 public:
  explicit JournalWriter(const std::filesystem::path& file);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Writes one line; syncs when the last sync is a second old or more, so that many small cases
  // cost few fsyncs. A SIGKILL loses nothing written; a power loss may lose the records since
  // the last sync. Throws Error naming the file (a full disk included).
  void append(const nlohmann::json& record);
  void sync();

 private:
  std::filesystem::path file_;
  int fd_ = -1;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point last_sync_;
};

// Each journal line carries the SHA-256 of its record (the key "sha256"): one flipped digit in a
// row's counts is a damaged line, never a trusted one.
inline constexpr const char* kChecksumKey = "sha256";

// A record as one journal line, its checksum added (no newline).
std::string journal_line(const nlohmann::json& record);

// The record of one journal line, its checksum checked and removed. Throws Error ("it does not
// match its checksum", ...) or json::exception (not JSON).
nlohmann::json parse_journal_line(const std::string& line);

// A resumed run recomputes the unit of a damaged line (it warns); merge refuses the shard,
// whose units it cannot compute.
enum class DamagedLine { kRecompute, kRefuse };

// The journal's records by unit index, the last one for each; a torn last line is ignored.
// A missing file has no records; a symlink, FIFO or device is an Error (it is read without
// blocking, and sambench never writes one there). A damaged line (not JSON, no or a wrong checksum) is dropped
// with a warning (kRecompute) or an Error naming the file and line (kRefuse).
// damaged_lines (if given) counts the lines dropped.
std::map<long long, nlohmann::json> read_journal(const std::filesystem::path& file,
                                                 DamagedLine damaged = DamagedLine::kRefuse,
                                                 int* damaged_lines = nullptr);

// Replaces the journal with these records, in unit order (after damaged lines were dropped).
void rewrite_journal(const std::filesystem::path& file, const std::map<long long, nlohmann::json>& records);

// run_state.json of a run folder. read_state throws Error naming the file when it is missing,
// damaged, or not a regular file (a symlink, FIFO or device, refused unread).
nlohmann::json read_state(const std::filesystem::path& run_dir);
void write_state(const std::filesystem::path& run_dir, const nlohmann::json& state);

// Throws Error(file, ...) unless `found` (a state) was made with the same config, code version
// and model as `expected`; `action` ("resume", "merge") goes into the message, with the config
// keys that differ (run.threads 1 -> 2), or the versions, or the models' paths and hashes.
void check_same_setup(const nlohmann::json& expected, const nlohmann::json& found,
                      const std::filesystem::path& file, const std::string& action);

}  // namespace sambench
