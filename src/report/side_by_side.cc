#include "sambench/report/side_by_side.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "sambench/base/error.h"
#include "sambench/prompts/prompt_log.h"
#include "sambench/report/escape.h"
#include "sambench/report/tables.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using Comparisons = std::vector<std::pair<std::string, std::vector<Comparison>>>;

bool same_prompt(const Prompt& a, const Prompt& b) {
  if (a.points != b.points || a.labels != b.labels || a.box.has_value() != b.box.has_value()) return false;
  return !a.box || (a.box->top_left == b.box->top_left && a.box->bottom_right == b.box->bottom_right);
}

// "iterative(centroid)@3": a round after the first, whose clicks follow the model's own masks.
bool later_round(const std::string& mode) {
  const size_t at = mode.rfind('@');
  if (at == std::string::npos || at + 1 == mode.size()) return false;
  const std::string round = mode.substr(at + 1);
  return std::all_of(round.begin(), round.end(), [](char c) { return c >= '0' && c <= '9'; }) && round != "1";
}

// The comparison of `set` in one run's list; with first_sets, its only one.
const Comparison* find_set(const std::vector<Comparison>& list, const std::string& set, bool first_sets) {
  if (first_sets) return list.empty() ? nullptr : &list.front();
  for (const Comparison& c : list) {
    if (c.set == set) return &c;
  }
  return nullptr;
}

std::string difference_text(const Stats& s) {
  if (s.count == 0) return "–";
  std::string t = (s.mean >= 0 ? "+" : "") + format_number(s.mean, 3);
  if (!std::isnan(s.ci_low)) t += " [" + format_number(s.ci_low, 3) + ", " + format_number(s.ci_high, 3) + "]";
  return t;
}

void check_paired(const std::string& run, const std::string& reference, const Comparison& c) {
  if (c.only_reference == 0 && c.only_other == 0) return;
  throw Error(run, "does not pair with " + reference + " on '" + c.set + "': " + std::to_string(c.only_reference) +
                       " instance(s) only in the reference, " + std::to_string(c.only_other) +
                       " only in this run; side by side needs the same instances (two runs compare what they share)");
}

// Which run evaluated which model, so that a reader can tell the columns apart.
void write_legend(std::ostringstream& out, const std::vector<RunTables>& runs, const std::vector<std::string>& labels) {
  out << "\n## Runs\n\n| run | folder | model | sha256 |\n|---|---|---|---|\n";
  for (size_t r = 0; r < runs.size(); ++r) {
    const nlohmann::json& s = runs[r].summary;
    auto recorded = [&](const nlohmann::json::json_pointer& at) {
      return s.is_object() ? s.value(at, std::string("?")) : std::string("?");
    };
    const std::string model = recorded("/model/path"_json_pointer);
    const std::string sha = recorded("/model/sha256"_json_pointer);
    out << "| " << markdown_text(labels[r]) << " | " << markdown_code(runs[r].dir.string()) << " | "
        << markdown_code(fs::path(model).filename().string()) << " | " << markdown_text(sha.substr(0, 12)) << " |\n";
  }
}

// One set: a row per class the reference scored, then the two overall means.
void write_set(std::ostringstream& out, const std::string& title, const std::vector<const Comparison*>& columns,
               const std::vector<std::string>& labels) {
  const Comparison& first = *columns.front();
  out << "\n## Side by side: " << markdown_text(title) << "\n\n" << first.shared
      << " instances, the same in every run. Dice per run; Δ is the run's difference to "
      << markdown_text(labels.front()) << " with its paired 95% bootstrap interval.\n\n"
      << "| class | instances | " << markdown_text(labels.front());
  for (size_t r = 1; r < labels.size(); ++r) out << " | " << markdown_text(labels[r]) << " | Δ " << markdown_text(labels[r]);
  out << " |\n|---|---:|---:";
  for (size_t r = 1; r < labels.size(); ++r) out << "|---:|---:";
  out << "|\n";
  const size_t dice = static_cast<size_t>(Metric::kDice);
  auto line = [&](const std::string& name, long long count, auto reference_of, auto other_of, auto difference_of) {
    out << "| " << name << " | " << count << " | " << format_number(reference_of(first).mean, 3);
    for (const Comparison* c : columns) {
      out << " | " << format_number(other_of(*c).mean, 3) << " | " << difference_text(difference_of(*c));
    }
    out << " |\n";
  };
  for (size_t k = 0; k < first.difference.classes.size(); ++k) {
    if (first.difference.classes[k].count == 0) continue;
    line(markdown_text(first.difference.classes[k].info.name), first.difference.classes[k].count,
         [&](const Comparison& c) { return c.reference.classes[k].metrics[dice]; },
         [&](const Comparison& c) { return c.other.classes[k].metrics[dice]; },
         [&](const Comparison& c) { return c.difference.classes[k].metrics[dice]; });
  }
  line("**mean over classes**", first.shared, [&](const Comparison& c) { return c.reference.overall.over_classes[dice]; },
       [&](const Comparison& c) { return c.other.overall.over_classes[dice]; },
       [&](const Comparison& c) { return c.difference.overall.over_classes[dice]; });
  line("**mean over instances**", first.shared, [&](const Comparison& c) { return c.reference.overall.over_rows[dice]; },
       [&](const Comparison& c) { return c.other.overall.over_rows[dice]; },
       [&](const Comparison& c) { return c.difference.overall.over_rows[dice]; });
}

}  // namespace

void check_same_prompts(const RunTables& reference, const RunTables& other) {
  const auto mine = read_prompt_log(reference.dir / "prompts.jsonl");
  const fs::path file = other.dir / "prompts.jsonl";
  for (const auto& [key, prompt] : read_prompt_log(file)) {
    auto it = mine.find(key);
    if (it == mine.end() || later_round(key.mode) || same_prompt(it->second, prompt)) continue;
    throw Error(file, "prompts differ from " + reference.dir.string() + "'s: " + key.image + " class " +
                          std::to_string(key.class_label) + " instance " + std::to_string(key.instance) + " mode " +
                          key.mode + " (compare runs given the same prompts: eval --prompts replays a run's)");
  }
}

std::vector<std::string> run_labels(const std::vector<std::string>& runs) {
  for (size_t depth = 1;; ++depth) {
    std::vector<std::string> labels;
    bool whole = true;  // every label is already its whole path: deeper cannot tell them apart
    for (const auto& run : runs) {
      std::vector<std::string> parts;
      for (const auto& part : fs::path(run).lexically_normal()) {
        if (!part.empty() && part != "/") parts.push_back(part.string());
      }
      while (!parts.empty() && parts.back().empty()) parts.pop_back();
      const size_t from = parts.size() > depth ? parts.size() - depth : 0;
      whole &= from == 0;
      std::string label;
      for (size_t i = from; i < parts.size(); ++i) label += (label.empty() ? "" : "/") + parts[i];
      labels.push_back(label);
    }
    std::vector<std::string> sorted = labels;
    std::sort(sorted.begin(), sorted.end());
    if (whole || std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()) return labels;
  }
}

std::string side_by_side_markdown(const std::vector<RunTables>& runs, const Comparisons& comparisons,
                                  bool first_sets) {
  std::vector<std::string> dirs;
  for (const RunTables& run : runs) dirs.push_back(run.dir.string());
  const std::vector<std::string> labels = run_labels(dirs);
  std::ostringstream out;
  write_legend(out, runs, labels);
  size_t tables = 0;
  for (const Comparison& candidate : comparisons.front().second) {
    std::vector<const Comparison*> columns;
    for (const auto& [run, list] : comparisons) {
      const Comparison* c = find_set(list, candidate.set, first_sets);
      if (c == nullptr) break;
      check_paired(run, dirs.front(), *c);
      columns.push_back(c);
    }
    if (columns.size() != comparisons.size()) continue;
    write_set(out, first_sets ? "each run's first prompt mode" : candidate.set, columns, labels);
    ++tables;
    if (first_sets) break;
  }
  if (tables == 0) throw Error(dirs.front(), "no prompt mode is shared by every run: nothing to put side by side");
  return out.str();
}

}  // namespace sambench
