// The `sambench` command as a user meets it: exit codes, one-line errors naming the file, and
// no partial output passed off as complete.

#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/report/figures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"
#include "sambench/report/csv.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using testing::run_sambench;
using testing::write_text;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_demo_dataset(dir_ / "data", {2, 1});
    write_config("c.yaml", "");
  }

  // A config in the temp folder, relative paths and all, as a user would write it.
  fs::path write_config(const std::string& name, const std::string& model_line) {
    std::string model = model_line.empty() ? testing::small_model().string() : model_line;
    write_text(dir_ / name,
               "name: cli\n"
               "dataset:\n  adapter: folder\n  root: data\n  classes: {1: disk, 2: box, 3: crescent}\n"
               "model:\n  path: " + model + "\n  device: cpu\n"
               "instances: {min_area: 10}\n"
               "run: {output: run, threads: 2}\n");
    return dir_ / name;
  }

  std::string config_arg(const std::string& name = "c.yaml") const {
    return "eval --config '" + (dir_ / name).string() + "'";
  }

  // The single error line, and a check that there is exactly one.
  static void expect_one_error_naming(const testing::CommandResult& r, const std::string& file,
                                      const std::string& reason) {
    EXPECT_EQ(r.exit_code, 1) << r.output;
    size_t at = r.output.find("sambench: error: ");
    ASSERT_NE(at, std::string::npos) << r.output;
    std::string line = r.output.substr(at, r.output.find('\n', at) - at);
    EXPECT_NE(line.find(file), std::string::npos) << line;
    EXPECT_NE(line.find(reason), std::string::npos) << line;
    EXPECT_EQ(r.output.find("sambench: error: ", at + 1), std::string::npos) << r.output;
  }

  void expect_failed_run() const {
    EXPECT_FALSE(fs::exists(dir_ / "run/per_instance.csv"));
    EXPECT_NE(read_file(dir_ / "run/summary.json").find("\"status\": \"failed\""), std::string::npos);
  }

  testing::TempDir dir_;
};

TEST_F(CliTest, EvalRunsAndPrintsTheTable) {
  auto r = run_sambench(config_arg());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mean over classes"), std::string::npos);
  EXPECT_NE(r.output.find("WARNING: random-weight model"), std::string::npos);
  // Security finding 4: the header says what a .pt is when the model is no official export.
  EXPECT_NE(r.output.find("its metadata records no checkpoint (random weights), so it is not a sambench export of "
                          "an official SAM checkpoint. A .pt is code"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("a hint only: metadata can be forged"), std::string::npos);
  EXPECT_NE(read_file(dir_ / "run/summary.json").find("\"status\": \"complete\""), std::string::npos);
  EXPECT_EQ(r.output.find("finetune:"), std::string::npos) << r.output;
}

// The table's columns line up whatever the class names' lengths (UTF-8 dashes included).
TEST_F(CliTest, TableColumnsLineUpWithLongClassNames) {
  std::string config = read_file(dir_ / "c.yaml");
  config.replace(config.find("1: disk"), 7, "1: \"optic disc rim \u2013 a name of thirty-six\"");
  write_text(dir_ / "c.yaml", config);
  auto r = run_sambench(config_arg() + " --limit 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::vector<size_t> widths;
  bool in_table = false;
  for (std::string line; std::getline(lines, line);) {
    in_table |= line.rfind("class ", 0) == 0;
    if (!in_table) continue;
    size_t columns = 0;
    for (unsigned char ch : line) columns += (ch & 0xC0) != 0x80;
    widths.push_back(columns);
    if (line.rfind("mean over rows", 0) == 0) break;
  }
  ASSERT_EQ(widths.size(), 1u + 3u + 2u) << r.output;  // header, 3 classes, 2 means
  for (size_t w : widths) EXPECT_EQ(w, widths.front()) << r.output;
}

// A fine-tuning config evaluates its base model; eval says so rather than leave it to be guessed.
TEST_F(CliTest, EvalOfAFinetuneConfigSaysItEvaluatesTheBaseModel) {
  write_text(dir_ / "c.yaml", read_file(dir_ / "c.yaml") + "finetune: {epochs: 2}\n");
  auto r = run_sambench(config_arg() + " --limit 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(testing::contains(r.output, "note: the config's finetune: section is for `sambench finetune`"))
      << r.output;
}

TEST_F(CliTest, OverridesTakePrecedenceOverTheConfig) {
  auto r = run_sambench(config_arg() + " --limit 1 --threads 1 --output '" + (dir_ / "other").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string csv = read_file(dir_ / "other/per_instance.csv");
  EXPECT_NE(csv.find("demo_000"), std::string::npos);
  EXPECT_EQ(csv.find("demo_001"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "run"));
}

TEST_F(CliTest, DatasetsListsEveryAdapterWithItsLayout) {
  auto r = run_sambench("datasets");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* part : {"amos\n", "labelsTr|labelsVa/amos_XXXX.nii.gz", "vessels\n", "1st_manual/NN_manual1.gif",
                           "endovis\n", "parts", "configs: drive.yaml"}) {
    EXPECT_TRUE(testing::contains(r.output, part)) << part;
  }
}

TEST_F(CliTest, InspectCountsWithoutTheModel) {
  write_config("nomodel.yaml", (dir_ / "absent.pt").string());
  fs::path json = dir_ / "inspect.json";
  auto r = run_sambench("inspect --config '" + (dir_ / "nomodel.yaml").string() + "' --json '" + json.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(testing::contains(r.output, "adapter folder: 2 sample(s) in 2 case(s); 0 without any instance")) << r.output;
  EXPECT_TRUE(testing::contains(r.output, "model input (RGB uint8 after preprocessing): min ")) << r.output;
  EXPECT_TRUE(testing::contains(read_file(json), "\"samples\": 2"));
  fs::remove_all(dir_ / "data/masks");
  expect_one_error_naming(run_sambench("inspect --config '" + (dir_ / "nomodel.yaml").string() + "'"),
                          "data/masks", "folder not found");
}

TEST_F(CliTest, MissingImagesFolder) {
  fs::remove_all(dir_ / "data/images");
  expect_one_error_naming(run_sambench(config_arg()), "data/images", "folder not found");
}

TEST_F(CliTest, EmptyDataset) {
  for (const char* folder : {"data/images", "data/masks"}) {
    fs::remove_all(dir_ / folder);
    fs::create_directories(dir_ / folder);
  }
  expect_one_error_naming(run_sambench(config_arg()), (dir_ / "data").string(), "the dataset lists no samples");
}

TEST_F(CliTest, UnreadableImage) {
  write_text(dir_ / "data/images/demo_001.png", "not a png");
  expect_one_error_naming(run_sambench(config_arg()), "demo_001.png", "cannot decode image");
  expect_failed_run();
}

TEST_F(CliTest, MaskOfAnotherSize) {
  cv::imwrite((dir_ / "data/masks/demo_000.png").string(), cv::Mat::zeros(10, 10, CV_8U));
  expect_one_error_naming(run_sambench(config_arg()), "masks/demo_000.png", "mask is 10x10 but its image is");
  expect_failed_run();
}

TEST_F(CliTest, MaskValueNotInClassMap) {
  cv::Mat labels = cv::imread((dir_ / "data/masks/demo_000.png").string(), cv::IMREAD_UNCHANGED);
  labels.at<uchar>(0, 0) = 9;
  cv::imwrite((dir_ / "data/masks/demo_000.png").string(), labels);
  expect_one_error_naming(run_sambench(config_arg()), "masks/demo_000.png", "label value(s) 9 not in the class map");
  expect_failed_run();
}

TEST_F(CliTest, EmptyConfig) {
  write_text(dir_ / "empty.yaml", "");
  expect_one_error_naming(run_sambench(config_arg("empty.yaml")), "empty.yaml", "config is empty");
}

TEST_F(CliTest, InvalidConfig) {
  write_text(dir_ / "bad.yaml", "dataset: [unclosed\n");
  expect_one_error_naming(run_sambench(config_arg("bad.yaml")), "bad.yaml", "invalid YAML");
}

TEST_F(CliTest, MissingConfig) {
  expect_one_error_naming(run_sambench(config_arg("none.yaml")), "none.yaml", "config file not found");
}

TEST_F(CliTest, WrongModelFile) {
  write_text(dir_ / "fake.pt", "definitely not TorchScript");
  write_config("c.yaml", (dir_ / "fake.pt").string());
  expect_one_error_naming(run_sambench(config_arg()), "fake.pt", "not a loadable TorchScript model");
  EXPECT_FALSE(fs::exists(dir_ / "run"));  // nothing was started
}

TEST_F(CliTest, MissingModelFile) {
  write_config("c.yaml", (dir_ / "absent.pt").string());
  expect_one_error_naming(run_sambench(config_arg()), "absent.pt", "model file not found");
}

TEST_F(CliTest, UsageErrorsExitNonZero) {
  EXPECT_NE(run_sambench("").exit_code, 0);
  EXPECT_NE(run_sambench("eval").exit_code, 0);  // --config is required
  EXPECT_NE(run_sambench(config_arg() + " --threads -1").exit_code, 0);
}

TEST_F(CliTest, SavePredictionsThenRescoreWithoutTheModel) {
  auto r = run_sambench(config_arg() + " --save-predictions");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir_ / "run/predictions/demo_000/labels.png"));
  auto rescore = run_sambench("rescore '" + (dir_ / "run").string() + "'");
  EXPECT_EQ(rescore.exit_code, 0) << rescore.output;
  EXPECT_NE(rescore.output.find("per_instance.csv       identical"), std::string::npos) << rescore.output;
  EXPECT_EQ(rescore.output.find("DIFFERS"), std::string::npos);
}

// report rebuilds eval's class tables bit for bit from the saved rows, without the model, and
// draws the overlays from the saved masks.
TEST_F(CliTest, ReportRegeneratesTablesAndFiguresWithoutTheModel) {
  auto r = run_sambench(config_arg() + " --save-predictions");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path run = dir_ / "run";
  ASSERT_TRUE(fs::exists(run / "report.md"));
  const std::string per_class = read_file(run / "per_class.csv");
  const std::string summary = read_file(run / "summary.json");
  EXPECT_NE(summary.find("\"foreground_mean\""), std::string::npos);
  EXPECT_NE(summary.find("\"metric_per_case\""), std::string::npos);
  fs::remove(run / "per_class.csv");
  fs::remove(run / "report.md");
  fs::remove_all(run / "figures");

  auto report = run_sambench("report '" + run.string() + "' --overlays 1");
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_EQ(read_file(run / "per_class.csv"), per_class);
  const std::string md = read_file(run / "report.md");
  EXPECT_NE(md.find("| disk |"), std::string::npos) << md;
  EXPECT_NE(md.find("figures/overlays/disk/best_1_demo_"), std::string::npos) << md;
  size_t overlays = 0;
  for (const auto& entry : fs::recursive_directory_iterator(run / "figures/overlays")) {
    if (entry.path().extension() != ".png") continue;
    ++overlays;
    // <rank>_<image>_<instance>.png, the size of its own image (the demo's sizes vary), upscaled
    // by a whole factor when it is small.
    const std::string name = entry.path().filename().string();
    const std::string image = name.substr(name.find("demo_"), std::string("demo_000").size());
    const cv::Size size = cv::imread((dir_ / "data/images" / (image + ".png")).string()).size();
    EXPECT_EQ(cv::imread(entry.path().string()).size(), size * overlay_scale(size)) << entry.path();
  }
  EXPECT_GE(overlays, 3u);  // best and worst of each class with two or more instances
}

// A dataset with groups (fundus domains): report rebuilds per_group.csv bit for bit too.
TEST_F(CliTest, ReportRegeneratesThePerGroupTable) {
  testing::write_fundus_case(dir_.path(), "Domain1", "a", 64, {30, 34});
  testing::write_fundus_case(dir_.path(), "Domain2", "b", 64, {34, 30});
  write_text(dir_ / "fundus.yaml", "name: groups\ndataset: {adapter: fundus, root: Fundus, domains: [Domain1, Domain2]}\n"
                                   "model: {path: " + testing::small_model().string() + ", device: cpu}\n"
                                   "run: {output: run, threads: 2}\n");
  auto r = run_sambench("eval --config '" + (dir_ / "fundus.yaml").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path run = dir_ / "run";
  const std::string per_group = read_file(run / "per_group.csv");
  EXPECT_NE(per_group.find("Domain1"), std::string::npos) << per_group;
  EXPECT_NE(per_group.find("Domain2"), std::string::npos) << per_group;
  fs::remove(run / "per_group.csv");
  auto report = run_sambench("report '" + run.string() + "'");
  ASSERT_EQ(report.exit_code, 0) << report.output;
  ASSERT_TRUE(fs::exists(run / "per_group.csv"));
  EXPECT_EQ(read_file(run / "per_group.csv"), per_group);
}

TEST_F(CliTest, CompareARunWithItselfFindsNoDifference) {
  ASSERT_EQ(run_sambench(config_arg()).exit_code, 0);
  const std::string run = "'" + (dir_ / "run").string() + "'";
  auto r = run_sambench("compare " + run + " " + run + " -o '" + (dir_ / "cmp").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("# sambench compare"), std::string::npos);
  CsvTable rows = CsvTable::read(dir_ / "cmp/compare.csv");
  ASSERT_GT(rows.rows(), 0u);
  for (size_t i = 0; i < rows.rows(); ++i) {
    if (rows.at(i, "dice_difference") != "nan") EXPECT_EQ(rows.at(i, "dice_difference"), "0.000000") << i;
  }
  EXPECT_NE(run_sambench("compare " + run).exit_code, 0);  // one run is not a comparison
}

TEST_F(CliTest, RescoreOfAFolderThatIsNoRun) {
  expect_one_error_naming(run_sambench("rescore '" + (dir_ / "data").string() + "'"), "summary.json",
                          "is this a sambench run folder?");
}

TEST_F(CliTest, MakeDemoWritesTheLayout) {
  auto r = run_sambench("make-demo --images 2 --output '" + (dir_ / "demo").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir_ / "demo/images/demo_001.png"));
  EXPECT_TRUE(fs::exists(dir_ / "demo/masks/demo_001.png"));
}

}  // namespace
}  // namespace sambench
