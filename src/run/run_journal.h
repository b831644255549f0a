#pragma once

// The run's side of the journal (journal.h): a finished unit's output (eval_output.h), recorded
// as one journal line, and read back into a resumed or merged run with the same bytes in every
// table.

#include <functional>

#include "run/run.h"
#include "sambench/base/error.h"
#include "sambench/run/fatal_error.h"

namespace sambench {


// Runs f; any failure becomes a FatalError with the same message.
void fatal_on_error(const std::function<void()>& f);

// The run's identity and state, as written to run_state.json.
nlohmann::json run_state(const RunSetup& setup, const std::string& status);

// Opens the run folder: fresh, or (resume) checks that the earlier run had the same setup and
// reads its journal into progress.journaled. Writes run_state.json "running".
void open_run(const RunSetup& setup, RunProgress& progress, bool resume);

// True if the journal holds the unit finished (a resumed run); a skipped unit is tried again.
bool has_record(const RunProgress& progress, const Unit& unit);

// A unit the journal already holds (a resumed run): adds its output to the results; false if
// none.
bool restore_unit(const RunProgress& progress, RunResults& results, const Unit& unit);

// After a unit's last sample: writes its case volume and closes its 3D surfaces once its jobs
// are settled, and queues progress.open_unit, to be journaled and added to the results once its
// metrics are done (settle).
void finish_unit(const RunSetup& setup, RunProgress& progress, RunResults& results, const Unit& unit);

// Fills in the metrics the workers have finished (with wait, all of them), then journals the
// finished units whose rows are all final, in order, and appends their output to the results.
// A failing metric is a FatalError.
void settle(RunProgress& progress, RunResults& results, bool wait);

// After a failure: the unfinished units' output (queued ones, then the open one) is added to
// the results, unjournaled, so that the partial results hold what was computed. With
// `drop_unsettled` (a metric failed) their rows whose metrics never arrived are left out, so
// that partial results hold final values only.
void keep_partial(RunProgress& progress, RunResults& results, bool drop_unsettled);

// --on-error skip: drops the open unit's output (and removes its written files) and records
// the unit skipped.
void skip_unit(const RunSetup& setup, RunProgress& progress, RunResults& results, const Unit& unit,
               const std::string& error);

// Adds a journal record's output to the results (restore_unit, sambench merge).
void apply_unit_record(RunResults& results, const nlohmann::json& record);

// Syncs the journal and marks the run complete in run_state.json.
void complete_run(const RunSetup& setup, RunProgress& progress);

// Marks a run opened by open_run `status` ("failed" or "interrupted") in run_state.json, with the
// error; false if it could not (no run opened, or the write failed). Never throws: it runs while
// an error is on its way.
bool fail_run(const RunSetup& setup, RunProgress& progress, const std::string& error, const std::string& status);

// summary.json's list of skipped units, and the images in them.
nlohmann::json skipped_json(const RunResults& results);
long long skipped_images(const RunResults& results);

}  // namespace sambench
