#pragma once

// The run's side of the journal (journal.h): what a finished unit adds to the Run, recorded as
// one journal line, and read back into a resumed or merged Run with the same bytes in every table.

#include <functional>

#include "run/run.h"
#include "sambench/base/error.h"

namespace sambench {

// An error that --on-error skip must not skip: the results cannot be written, or the user
// interrupted the run.
class FatalError : public Error {
 public:
  using Error::Error;
};

// Runs f; any failure becomes a FatalError with the same message.
void fatal_on_error(const std::function<void()>& f);

UnitMark mark_unit(const Run& run);

// The run's identity and state, as written to run_state.json.
nlohmann::json run_state(const Run& run, const std::string& status);

// Opens the run folder: fresh, or (resume) checks that the earlier run had the same setup and
// reads its journal. Writes run_state.json "running".
void open_run(Run& run, bool resume);

// A unit the journal already holds (a resumed run): adds its rows to the run; false if none.
bool restore_unit(Run& run, const Unit& unit);

// After a unit's last sample: writes its case volume; the unit is journaled once its metrics
// are done (settle).
void finish_unit(Run& run, const Unit& unit, const UnitMark& mark);

// Fills in the metrics the workers have finished (with wait, all of them), then journals the
// finished units whose rows are all final, in order. A failing metric is a FatalError.
void settle(Run& run, bool wait);

// After a failure: the rows whose metrics never arrived are removed, so that partial results
// hold final values only.
void drop_unsettled(Run& run);

// --on-error skip: takes back what the unit added (rows, written files) and records it skipped.
void skip_unit(Run& run, const Unit& unit, const UnitMark& mark, const std::string& error);

// Adds a journal record's rows to the run (restore_unit, sambench merge).
void apply_unit_record(Run& run, const nlohmann::json& record);

// Syncs the journal and marks the run complete in run_state.json.
void complete_run(Run& run);

// Marks a run opened by open_run failed; never throws (it runs while an error is on its way).
void fail_run(Run& run, const std::string& error);

// summary.json's list of skipped units, and the images in them.
nlohmann::json skipped_json(const Run& run);
long long skipped_images(const Run& run);

}  // namespace sambench
