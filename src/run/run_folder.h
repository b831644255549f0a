#pragma once

// Which folder a run may write into, and what of an earlier run there it removes. A run folder
// is the user's: sambench refuses `/` and the home folder, refuses to replace a finished run or
// a folder of other files unless told to (--overwrite), refuses to resume through planted
// symbolic links, and deletes only the files an earlier run's manifest and journal list.

#include <filesystem>
#include <memory>

#include "run/run_lock.h"

namespace sambench {

enum class FolderUse {
  kFresh,      // a new run: in a new or empty folder (or one only sambench's leftovers fill)
  kResume,     // --resume: continue the run there (or start one in an empty folder)
  kOverwrite,  // --overwrite: replace whatever run is there
};

// A claimed output folder: locked for the claim's lifetime; a folder the claim created is
// removed again when nothing was written into it (a run that failed before it started).
class RunFolderClaim {
 public:
  RunFolderClaim(const std::filesystem::path& dir, bool created);
  ~RunFolderClaim();
  RunFolderClaim(const RunFolderClaim&) = delete;
  RunFolderClaim& operator=(const RunFolderClaim&) = delete;

 private:
  std::filesystem::path dir_;
  bool created_;
  std::unique_ptr<RunLock> lock_;
};

// Checks that `dir` may take a run used so, creates it, and locks it (RunLock) for as long as
// the returned claim lives. Throws Error naming the folder and the reason:
// - `/` or $HOME;
// - another live process holds the folder;
// - kFresh: the folder holds a run (finished or not) or files sambench did not write;
// - kResume: the folder holds files sambench did not write, a journal without its
//   run_state.json, or a symbolic link anywhere inside.
std::unique_ptr<RunFolderClaim> claim_run_folder(const std::filesystem::path& dir, FolderUse use);

// Removes the files of an earlier run in `dir` (its manifest's, its journal's saved files and
// sambench's own file names), never anything else; what a resume keeps (the journal, the state,
// the saved predictions) stays when `resume`.
void remove_earlier_run(const std::filesystem::path& dir, bool resume);

}  // namespace sambench
