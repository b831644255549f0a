#include "run/run_folder.h"

#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/base/manifest.h"
#include "sambench/run/journal.h"

namespace sambench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Every name sambench writes at the top of a run folder. An earlier run's files of these names
// would be mistaken for this run's: a new run removes them (remove_earlier_run).
const std::vector<std::string>& own_files() {
  static const std::vector<std::string> names = {
      "per_instance.csv", "per_image.csv",  "per_case.csv",  "per_class.csv",
      "per_class_image.csv", "per_class_case.csv", "per_group.csv", "per_instance.partial.csv",
      "prompts.jsonl",    "timings.json",   "summary.json",  "report.md",     "report.html",
      kJournalFile,       kStateFile,       kManifestFile,   kLockFile};
  return names;
}

bool is_own_name(const std::string& name) {
  if (name == "predictions" || name == "figures") return true;
  for (const auto& own : own_files()) {
    if (name == own) return true;
    // write_file_atomic's temporaries ("<name>.tmp.<pid>") that a kill left behind
    if (name.rfind(own + ".tmp.", 0) == 0) return true;
  }
  return false;
}

bool is_regular(const fs::path& file) {
  std::error_code ec;
  return fs::is_regular_file(fs::symlink_status(file, ec));
}

// Up to three of the folder's entries that sambench does not write, for the message.
std::vector<std::string> foreign_entries(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!is_own_name(name)) names.push_back("'" + name + "'");
  }
  std::sort(names.begin(), names.end());
  if (names.size() > 3) names.resize(3), names.push_back("...");
  return names;
}

std::string status_of(const fs::path& dir) {
  try {
    return read_state(dir).value("status", "unknown");
  } catch (const Error&) {
    return "unreadable";
  }
}

// The saved files an earlier run's journal lists, read leniently: a damaged line lists nothing.
std::vector<std::string> journaled_files(const fs::path& dir) {
  std::vector<std::string> files;
  if (!is_regular(dir / kJournalFile)) return files;
  std::istringstream lines(read_regular_file(dir / kJournalFile, kMaxJournalBytes));
  std::string line;
  while (std::getline(lines, line)) {
    json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object() || !record.contains("saved") || !record["saved"].is_array()) continue;
    for (const auto& name : record["saved"]) {
      if (name.is_string() && name.get<std::string>().rfind("predictions/", 0) == 0) files.push_back(name);
    }
  }
  return files;
}

void refuse_special_folders(const fs::path& dir) {
  if (dir.empty()) throw Error("the output folder is empty (''): name a folder for the run");
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(fs::absolute(dir), ec);
  if (resolved == resolved.root_path()) {
    throw Error(dir, "is the root folder: a run needs a folder of its own (e.g. runs/NAME)");
  }
  const char* home = std::getenv("HOME");
  if (home && *home && fs::equivalent(resolved, home, ec)) {
    throw Error(dir, "is your home folder: a run needs a folder of its own (e.g. runs/NAME)");
  }
  if (fs::exists(fs::symlink_status(dir, ec)) && !fs::is_directory(dir, ec)) {
    throw Error(dir, "exists and is not a folder");
  }
}

// A resumed run writes into the folder's files and subfolders: a link planted there would send
// its writes elsewhere.
void refuse_links(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_symlink(ec)) {
      throw Error(it->path(), "is a symbolic link, and a run folder holds none: refusing to resume "
                              "(remove it, or start again with --overwrite)");
    }
  }
}

void check_fresh(const fs::path& dir) {
  if (is_regular(dir / kStateFile)) {
    const std::string status = status_of(dir);
    if (status == "complete") {
      throw Error(dir, "holds a complete run: give --overwrite to replace it, or another output folder");
    }
    throw Error(dir, "holds an unfinished run (status '" + status +
                         "'): continue it with --resume, or replace it with --overwrite");
  }
  if (is_regular(dir / kJournalFile)) {
    throw Error(dir, "holds a run's journal.jsonl without its run_state.json: give --overwrite to "
                     "replace it, or another output folder");
  }
  const auto foreign = foreign_entries(dir);
  if (!foreign.empty()) {
    throw Error(dir, "holds files sambench did not write (" + join(foreign) +
                         "): give a new or empty folder, or --overwrite (which removes only sambench's own files)");
  }
}

void check_resumable(const fs::path& dir) {
  const auto foreign = foreign_entries(dir);
  if (!foreign.empty()) {
    throw Error(dir, "holds files sambench did not write (" + join(foreign) + "): it is not a run folder; "
                     "refusing to resume");
  }
  if (!is_regular(dir / kStateFile) && is_regular(dir / kJournalFile)) {
    throw Error(dir / kStateFile, "is missing, but journal.jsonl is there: the run cannot be checked, so it "
                                  "cannot be resumed; restore run_state.json, or start again with --overwrite "
                                  "(the journal is kept until then)");
  }
  refuse_links(dir);
}

}  // namespace

RunFolderClaim::RunFolderClaim(const fs::path& dir, bool created)
    : dir_(dir), created_(created), lock_(std::make_unique<RunLock>(dir)) {}

RunFolderClaim::~RunFolderClaim() {
  lock_.reset();  // removes run.lock
  std::error_code ec;
  if (created_ && fs::is_empty(dir_, ec) && !ec) fs::remove(dir_, ec);
}

std::unique_ptr<RunFolderClaim> claim_run_folder(const fs::path& dir, FolderUse use) {
  refuse_special_folders(dir);
  std::error_code ec;
  const bool created = !fs::exists(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir, "cannot create output folder: " + ec.message());
  auto claim = std::make_unique<RunFolderClaim>(dir, created);
  if (use == FolderUse::kFresh) check_fresh(dir);
  if (use == FolderUse::kResume) check_resumable(dir);
  return claim;
}

void remove_earlier_run(const fs::path& dir, bool resume) {
  std::error_code ec;
  if (resume) {
    fs::remove(dir / "per_instance.partial.csv", ec);
    remove_interrupted_writes(dir);
    return;
  }
  std::vector<std::string> files = read_manifest(dir);
  for (const auto& name : journaled_files(dir)) files.push_back(name);
  for (const auto& name : own_files()) {
    if (name != kLockFile) files.push_back(name);
  }
  remove_listed_files(dir, files);
  remove_interrupted_writes(dir);
}

}  // namespace sambench
