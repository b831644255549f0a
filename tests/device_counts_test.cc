// Dice and IoU from counts taken where the masks are (the evaluator's post-decode job with
// surface metrics off, nothing saved, no iterative round) against the host path (surface metrics
// on: every kept mask comes to the host and is counted there): the rows and summaries must be
// the same bytes but for the NSD and HD95 columns, and timings.json's host_masks says how many
// full-size masks came to the host.

#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"
#include "sambench/data/image_io.h"
#include "sambench/report/csv.h"
#include "sambench/run/eval.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const EvalOptions kReplace = [] {
  EvalOptions o;
  o.overwrite = true;
  return o;
}();

// A table's text without the columns that only the host path fills (or that name saved files).
std::string without(const fs::path& file, const std::set<std::string>& dropped) {
  const CsvTable table = CsvTable::read(file);
  std::string out;
  auto add_line = [&](const std::vector<std::string>& fields) {
    for (const std::string& field : fields) out += field + ",";
    out += "\n";
  };
  auto kept = [&](const std::string& column) {
    for (const std::string& d : dropped) {
      if (column.find(d) != std::string::npos) return false;
    }
    return true;
  };
  std::vector<std::string> header;
  for (const std::string& column : table.header()) {
    if (kept(column)) header.push_back(column);
  }
  add_line(header);
  for (size_t r = 0; r < table.rows(); ++r) {
    std::vector<std::string> fields;
    for (const std::string& column : header) fields.push_back(table.at(r, column));
    add_line(fields);
  }
  return out;
}

json without_surface(json j) {
  if (j.is_object()) {
    j.erase("nsd");
    j.erase("hd95");
    for (auto& [key, value] : j.items()) value = without_surface(value);
  } else if (j.is_array()) {
    for (auto& value : j) value = without_surface(value);
  }
  return j;
}

const std::set<std::string> kSurface = {"nsd", "hd95"};
const char* const kTables[] = {"per_instance.csv", "per_image.csv", "per_class.csv", "per_class_image.csv"};

struct Outcome {
  std::map<std::string, std::string> tables;  // without the surface columns
  json summaries;                             // summary.json's per-set summaries, without NSD and HD95
  long long host_masks = 0;
  size_t rows = 0;
};

Outcome evaluate(Config c, const std::set<std::string>& dropped = kSurface) {
  const EvalResult result = run_eval(c, kReplace);
  Outcome r;
  for (const char* table : kTables) r.tables[table] = without(c.run.output / table, dropped);
  r.summaries = without_surface(json::parse(read_file(c.run.output / "summary.json"))["prompts"]);
  r.host_masks = json::parse(read_file(c.run.output / "timings.json"))["host_masks"].get<long long>();
  EXPECT_EQ(r.host_masks, result.timings["host_masks"].get<long long>());
  r.rows = CsvTable::read(c.run.output / "per_instance.csv").rows();
  return r;
}

void expect_same_rows(const Outcome& device, const Outcome& host) {
  for (const auto& [table, text] : host.tables) EXPECT_EQ(device.tables.at(table), text) << table;
  EXPECT_EQ(device.summaries, host.summaries);
}

class DeviceCounts : public ::testing::Test {
 protected:
  void SetUp() override { make_demo_dataset(dir_ / "data", {3, 0}); }

  // Three classes, two prompt modes, three mask policies (the single output is upscaled alone,
  // the others grouped; the oracle also compares on the device).
  Config config() const {
    Config c = testing::demo_config(dir_.path(), "device_counts_test");
    c.prompt = parse_prompt_modes(json::array({"centroid", {{"mode", "box"}, {"margin", 5}}}));
    c.mask_policy = parse_mask_policy_names(json::array({"best_score", "single", "oracle"}));
    return c;
  }

  // Runs `c` without surface metrics (rows from the device's counts, no mask to the host) and
  // with them (rows from the host's masks); the rows must agree. Returns the host run.
  Outcome expect_device_rows_are_the_hosts(Config c) {
    c.metrics.surface = false;
    const Outcome device = evaluate(c);
    c.metrics.surface = true;
    Outcome host = evaluate(c);
    EXPECT_GT(host.rows, 0u);
    expect_same_rows(device, host);
    EXPECT_EQ(device.host_masks, 0);
    return host;
  }

  testing::TempDir dir_;
};

TEST_F(DeviceCounts, WithoutSurfaceMetricsTheRowsAreTheHostPathsAndNoMaskComesBack) {
  const Outcome host = expect_device_rows_are_the_hosts(config());
  EXPECT_EQ(host.host_masks, static_cast<long long>(host.rows));  // one per kept mask, each policy's
}

// Saved masks are read on the host: they all come back (a run that saves has one mode and one
// policy), and the rows are the same.
TEST_F(DeviceCounts, SavingBringsTheMasksBack) {
  Config c = testing::demo_config(dir_.path(), "device_counts_test");
  c.metrics.surface = false;
  const std::set<std::string> dropped = {"nsd", "hd95", "mask_file"};
  const Outcome device = evaluate(c, dropped);
  c.run.save_predictions = true;
  const Outcome saving = evaluate(c, dropped);
  expect_same_rows(device, saving);
  EXPECT_EQ(device.host_masks, 0);
  EXPECT_EQ(saving.host_masks, static_cast<long long>(saving.rows));
}

// An iterative mode's clicks read the last round's masks: they all come to the host.
TEST_F(DeviceCounts, IterativeRoundsBringTheirMasksBack) {
  Config c = testing::demo_config(dir_.path(), "device_counts_test");
  c.run.limit = 1;
  c.metrics.surface = false;
  c.prompt = parse_prompt_modes({{"mode", "iterative"}, {"rounds", 2}});
  const Outcome device = evaluate(c);
  EXPECT_EQ(device.host_masks, static_cast<long long>(device.rows));
}

// A DRIVE-layout image whose field of view is its left half: the cut is made on the device as
// on the host.
TEST_F(DeviceCounts, TheFieldOfViewIsCutTheSameWay) {
  testing::write_drive_left_half(dir_ / "data", dir_ / "DRIVE");

  Config c = config();
  c.dataset = {{"adapter", "vessels"}, {"layout", "drive"}, {"root", "DRIVE"}};
  c.instances.whole_class = true;
  const Outcome host = expect_device_rows_are_the_hosts(c);
  EXPECT_GT(host.host_masks, 0);
}

// bench --model none's stand-in takes the same path with its CPU tensors.
TEST_F(DeviceCounts, TheStandInCountsTheSameWay) {
  Config c = config();
  c.model.path = "none";
  EvalOptions stand_in = kReplace;
  stand_in.stand_in_model = true;
  auto run_stand_in = [&](bool surface) {
    c.metrics.surface = surface;
    c.run.output = dir_ / (surface ? "host" : "device");
    const EvalResult result = run_eval(c, stand_in);
    Outcome r;
    for (const char* table : kTables) r.tables[table] = without(c.run.output / table, kSurface);
    r.summaries = without_surface(json::parse(read_file(c.run.output / "summary.json"))["prompts"]);
    r.host_masks = result.timings["host_masks"].get<long long>();
    return r;
  };
  const Outcome device = run_stand_in(false);
  const Outcome host = run_stand_in(true);
  expect_same_rows(device, host);
  EXPECT_EQ(device.host_masks, 0);
  EXPECT_GT(host.host_masks, 0);
}

}  // namespace
}  // namespace sambench
