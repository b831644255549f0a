#include "sambench/report/study_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/report/run_page.h"
#include "sambench/report/tables.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// "the study, Table 6" → 6; 0 for any other source.
int table_number(const std::string& source) {
  const std::string prefix = "the study, Table ";
  if (source.rfind(prefix, 0) != 0) return 0;
  try {
    return std::stoi(source.substr(prefix.size()));
  } catch (const std::exception&) {
    return 0;
  }
}

// An overlay's caption as the run's report wrote it ("lesion best_1: ISIC_0000000 instance 1,
// Dice 0.556"), found from its file name (figures/overlays/CLASS/RANK_IMAGE_INSTANCE.png, slugged)
// among the run's rows; the file name itself when no row matches.
std::string overlay_caption(const RunTables& tables, const std::string& file) {
  const fs::path p(file);
  const std::string stem = p.stem().string(), folder = p.parent_path().filename().string();
  const size_t rank_end = stem.find('_', stem.find('_') + 1);  // "best_1" | "_IMAGE_INSTANCE"
  if (rank_end == std::string::npos) return folder + ": " + stem;
  const std::string rank = stem.substr(0, rank_end), rest = stem.substr(rank_end + 1);
  for (const auto& r : tables.instances) {
    if (r.result_set != tables.sets.front().first || file_slug(r.class_name) != folder) continue;
    if (file_slug(r.image) + "_" + std::to_string(r.instance) != rest) continue;
    return r.class_name + " " + rank + ": " + r.image + " instance " + std::to_string(r.instance) + ", Dice " +
           format_number(r.dice, 3);
  }
  return folder + ": " + stem;
}

// The figures a run's last report drew, found on disk (study-report never redraws them).
Figures saved_figures(const StudyRun& run) {
  Figures figures;
  for (const auto& [set, levels] : run.levels) {
    const std::string file = "figures/dice_" + file_slug(set) + ".png";
    if (fs::exists(run.tables.dir / file)) figures.charts.emplace_back(set, file);
  }
  std::vector<std::string> overlays;
  std::error_code ec;
  if (fs::is_directory(run.tables.dir / "figures/overlays", ec)) {
    for (const auto& entry : fs::recursive_directory_iterator(run.tables.dir / "figures/overlays", ec)) {
      if (entry.path().extension() == ".png") overlays.push_back(fs::relative(entry.path(), run.tables.dir).generic_string());
    }
  }
  std::sort(overlays.begin(), overlays.end());
  for (const auto& file : overlays) figures.overlays.emplace_back(overlay_caption(run.tables, file), file);
  return figures;
}

std::string samples_cell(long long n) { return n > 0 ? std::to_string(n) : "–"; }

ReportSection samples_section(const std::vector<StudyRun>& runs) {
  ReportSection section;
  section.title = "Table 1: test samples";
  section.paragraphs.push_back(
      "The study's count of test samples beside the images this run evaluated; they match where the data is the "
      "same release and the run was not cut with `--limit`.");
  TextTable t;
  t.header = {"benchmark", "the study", "this run: images", "this run: instances", "same count"};
  for (const auto& run : runs) {
    long long published = 0;
    for (const auto& b : run.baselines) {
      if (b.samples > 0 && table_number(b.source) == 1) published = b.samples;
    }
    const long long images = run.tables.summary.value("/counts/images_done"_json_pointer, 0LL);
    t.rows.push_back({run.name, samples_cell(published), std::to_string(images),
                      std::to_string(run.tables.summary.value("/counts/instances"_json_pointer, 0LL)),
                      published == 0 ? "–" : published == images ? "yes" : "no"});
  }
  section.tables.push_back({"", t});
  return section;
}

void add_run_figures(const StudyRun& run, ReportSection& section) {
  const Figures figures = saved_figures(run);
  for (const auto& [set, file] : figures.charts) {
    section.charts.push_back({run.name + ": Dice per class, " + set, run.link + file, run.tables.dir / file});
  }
  if (figures.overlays.empty()) return;
  ReportSection gallery;
  add_gallery(figures, run.tables.dir, run.link, gallery);
  for (auto& image : gallery.gallery) image.caption = run.name + ", " + image.caption;
  section.gallery.insert(section.gallery.end(), gallery.gallery.begin(), gallery.gallery.end());
  section.gallery_title = gallery.gallery_title;
}

// A run's comparison table into its section. Tables with classes as rows that share their
// caption and columns with one already there join it, one row per run and class, as the study
// prints several datasets in one table (Table 8's two X-ray sets, Table 10's vessel sets).
void add_run_table(const std::string& run_name, ReportTable table, ReportSection& section) {
  TextTable& t = table.table;
  if (t.header.empty() || t.header[0] != "class") {
    table.caption = run_name + ": " + table.caption;
    section.tables.push_back(std::move(table));
    return;
  }
  t.header.insert(t.header.begin(), "benchmark");
  for (auto& row : t.rows) row.insert(row.begin(), run_name);
  t.label_columns = 2;
  for (auto& existing : section.tables) {
    if (existing.caption != table.caption || existing.table.header != t.header) continue;
    existing.table.rows.insert(existing.table.rows.end(), t.rows.begin(), t.rows.end());
    return;
  }
  section.tables.push_back(std::move(table));
}

// A joined table that holds one run only needs no benchmark column: its caption names the run.
void drop_single_benchmark(ReportTable& table) {
  TextTable& t = table.table;
  if (t.header.empty() || t.header[0] != "benchmark" || t.rows.empty()) return;
  for (const auto& row : t.rows) {
    if (row[0] != t.rows.front()[0]) return;
  }
  table.caption = t.rows.front()[0] + ": " + table.caption;
  t.header.erase(t.header.begin());
  for (auto& row : t.rows) row.erase(row.begin());
  t.label_columns = 1;
}

ReportSection table_section(int number, const std::vector<const StudyRun*>& runs) {
  ReportSection section;
  std::string names;
  for (const auto* run : runs) names += (names.empty() ? "" : ", ") + run->name;
  section.title = (number > 0 ? "Table " + std::to_string(number) : std::string("Other published baselines")) +
                  ": " + names;
  for (const auto* run : runs) {
    std::vector<PublishedComparison> cited;
    for (const auto& c : run->comparisons) {
      if (table_number(c.source) == number) cited.push_back(c);
    }
    for (const auto& [set, levels] : run->levels) {
      ReportSection part;
      add_comparisons(cited, set, "", part);
      const std::string name = run->name + (run->levels.size() > 1 ? " (" + set + ")" : "");
      for (auto& table : part.tables) add_run_table(name, std::move(table), section);
      for (const auto& p : part.paragraphs) {
        if (std::find(section.paragraphs.begin(), section.paragraphs.end(), p) == section.paragraphs.end()) {
          section.paragraphs.push_back(p);
        }
      }
    }
    add_run_figures(*run, section);
  }
  for (auto& table : section.tables) drop_single_benchmark(table);
  return section;
}

// The study's two metrics, each mean beside its 95% interval, per class and over the level; each
// run's report.md has the other metrics.
TextTable dice_iou_table(const LevelSummary& level) {
  auto cells = [](const std::string& name, long long count, const std::array<Stats, kMetricCount>& stats) {
    std::vector<std::string> row = {name, std::to_string(count)};
    for (Metric m : {Metric::kDice, Metric::kIoU}) {
      const Stats& s = stats[static_cast<size_t>(m)];
      row.push_back(s.count == 0 ? "–" : format_number(s.mean, 4));
      row.push_back(s.count == 0 || std::isnan(s.ci_low)
                        ? "–"
                        : "[" + format_number(s.ci_low, 4) + ", " + format_number(s.ci_high, 4) + "]");
    }
    return row;
  };
  TextTable t;
  t.header = {"class", level.rows, "Dice", "Dice: 95% CI", "IoU", "IoU: 95% CI"};
  for (const auto& c : level.classes) t.rows.push_back(cells(c.info.name, c.count, c.metrics));
  t.rows.push_back(cells("mean over classes", level.overall.over_classes[0].count, level.overall.over_classes));
  t.rows.push_back(cells("mean over " + level.rows, level.overall.over_rows[0].count, level.overall.over_rows));
  return t;
}

ReportSection unpublished_section(const std::vector<const StudyRun*>& runs) {
  ReportSection section;
  section.title = "Runs without published numbers";
  section.paragraphs.push_back("These runs' configs cite no published scores (the study's Tables 4 and 9 are not "
                               "available to sambench; their sample counts are in Table 1), so they stand alone: "
                               "instance level, first result set, the study's two metrics (each run's report.md has "
                               "the others).");
  for (const auto* run : runs) {
    if (run->levels.empty() || run->levels.front().second.empty()) continue;
    section.tables.push_back({run->name, dice_iou_table(run->levels.front().second.front())});
    add_run_figures(*run, section);
  }
  return section;
}

std::vector<std::string> study_lead(const std::vector<StudyRun>& runs) {
  std::set<std::string> models;
  for (const auto& run : runs) {
    const json& s = run.tables.summary;
    // The file name and its hash: the folder is this machine's, the hash names the weights anywhere.
    models.insert("`" + fs::path(s.value("/model/path"_json_pointer, std::string())).filename().string() + "` (sha256 " +
                  s.value("/model/sha256"_json_pointer, std::string()).substr(0, 12) + ")");
  }
  std::vector<std::string> lead = {std::to_string(runs.size()) + " run(s)"};
  for (const auto& m : models) lead.push_back("model: " + m);
  if (!runs.empty()) {
    const json& s = runs.front().tables.summary;
    lead.push_back("sambench " + s.value("/sambench/version"_json_pointer, std::string()) + " (" +
                   s.value("/sambench/git_commit"_json_pointer, std::string()) + ")");
  }
  lead.push_back("published numbers as printed in the study; this run: mean [95% bootstrap interval]");
  return lead;
}

}  // namespace

std::vector<fs::path> find_runs(const std::vector<fs::path>& paths) {
  std::vector<fs::path> out;
  for (const auto& path : paths) {
    if (fs::exists(path / "summary.json")) {
      out.push_back(path);
      continue;
    }
    std::vector<fs::path> below;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        if (fs::exists(entry.path() / "summary.json")) below.push_back(entry.path());
      }
    }
    if (below.empty()) throw Error(path, "no run here: neither a summary.json nor run folders holding one");
    std::sort(below.begin(), below.end());
    out.insert(out.end(), below.begin(), below.end());
  }
  return out;
}

StudyRun read_study_run(const fs::path& run_dir, const fs::path& report_dir) {
  StudyRun run;
  run.tables = read_run_tables(run_dir);
  const json& s = run.tables.summary;
  run.name = s.value("/config/name"_json_pointer, run_dir.filename().string());
  run.link = fs::relative(fs::absolute(run_dir), fs::absolute(report_dir)).generic_string() + "/";
  const int samples = s.value("/config/metrics/bootstrap"_json_pointer, 0);
  const auto seed = s.value("/config/metrics/bootstrap_seed"_json_pointer, 0ULL);
  run.levels = summarize_sets(run.tables, samples, seed);
  try {
    run.baselines = parse_baselines(s.value("/config/baselines"_json_pointer, json::array()));
  } catch (const Error& e) {
    throw Error(run_dir / "summary.json", e.what());
  }
  SetGroups groups;
  if (needs_groups(run.baselines)) groups = summarize_groups(run.tables, samples, seed);
  run.comparisons = compare_with_published(run.baselines, run.levels, groups);
  return run;
}

ReportDocument study_document(const std::vector<StudyRun>& runs) {
  ReportDocument doc;
  doc.title = "Reproduction of the study \"SAM on zero-shot medical segmentation\"";
  doc.lead = study_lead(runs);
  doc.sections.push_back(samples_section(runs));
  std::map<int, std::vector<const StudyRun*>> by_table;  // 0 (other sources) sorts first; moved last below
  std::vector<const StudyRun*> alone;
  for (const auto& run : runs) {
    std::set<int> numbers;
    for (const auto& c : run.comparisons) numbers.insert(table_number(c.source));
    for (int n : numbers) by_table[n].push_back(&run);
    if (numbers.empty()) alone.push_back(&run);
  }
  for (const auto& [number, cited] : by_table) {
    if (number > 0) doc.sections.push_back(table_section(number, cited));
  }
  if (by_table.count(0)) doc.sections.push_back(table_section(0, by_table[0]));
  if (!alone.empty()) doc.sections.push_back(unpublished_section(alone));
  return doc;
}

std::vector<StudyRun> write_study_report(const std::vector<fs::path>& paths, const fs::path& out_dir) {
  std::vector<StudyRun> runs;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw Error(out_dir, "cannot create: " + ec.message());
  for (const auto& dir : find_runs(paths)) runs.push_back(read_study_run(dir, out_dir));
  const ReportDocument doc = study_document(runs);
  write_file_atomic(out_dir / "study_report.md", document_markdown(doc));
  write_file_atomic(out_dir / "study_report.html", document_html(doc));
  return runs;
}

}  // namespace sambench
