// Every published number in configs/*.yaml (and the study test's fixture suite) against the study's tables as ../shared/study_tables.md
// holds them: the Markdown is parsed here, never copied, so a typo in a config fails.

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/config.h"
#include "sambench/report/baselines.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;

struct StudyTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  size_t position = 0;  // which of the heading's tables ("Tables 6 and 7": 6 is 0, 7 is 1)
  std::string text;     // the section's prose (AMOS's ids are named there)
};

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] != '|') {
      cell += line[i];
      continue;
    }
    const size_t a = cell.find_first_not_of(' '), b = cell.find_last_not_of(' ');
    out.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
    cell.clear();
  }
  return out;
}

// "## Tables 6 and 7: ..." → {6, 7}; the section's one table is theirs.
std::map<int, StudyTable> parse_study_tables(const std::string& markdown) {
  std::map<int, StudyTable> out;
  std::vector<int> numbers;
  StudyTable current;
  auto flush = [&] {
    for (size_t i = 0; i < numbers.size(); ++i) {
      out[numbers[i]] = current;
      out[numbers[i]].position = i;
    }
    numbers.clear();
    current = StudyTable{};
  };
  std::istringstream in(markdown);
  std::string line;
  const std::regex heading(R"(^## Tables? (\d+)(?: and (\d+))?)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("## ", 0) == 0) {
      flush();
      if (std::regex_search(line, m, heading)) {
        for (size_t g = 1; g < m.size(); ++g) {
          if (m[g].matched) numbers.push_back(std::stoi(m[g]));
        }
      }
    } else if (line.rfind("|", 0) == 0) {
      if (line.find("---") != std::string::npos) continue;
      if (current.header.empty()) {
        current.header = cells(line);
      } else {
        current.rows.push_back(cells(line));
      }
    } else {
      current.text += line + "\n";
    }
  }
  flush();
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The study writes "ILM-IPL/INL" where the adapter says "ILM–IPL/INL", and "under BM" for
// "under BM (choroid/sclera)".
std::string plain_class(std::string name) {
  for (size_t at; (at = name.find("–")) != std::string::npos;) name.replace(at, std::string("–").size(), "-");
  const size_t paren = name.find(" (");
  return paren == std::string::npos ? name : name.substr(0, paren);
}

// AMOS's "1 spleen, 2 right kidney, ..." → name → id.
// The prose wraps lines, so a name may span two ("12 left\nadrenal gland").
std::map<std::string, std::string> amos_ids(std::string text) {
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  std::map<std::string, std::string> out;
  const std::regex item(R"((\d+) ([a-z][a-z /]*[a-z]))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), item); it != std::sregex_iterator(); ++it) {
    out[(*it)[2]] = (*it)[1];
  }
  return out;
}

// What a baseline's value must equal, or why it cannot be found.
struct Lookup {
  std::string cell, problem;
};

Lookup find_cell(const StudyTable& t, const std::string& row_label, const std::string& column) {
  size_t col = t.header.size();
  for (size_t c = 0; c < t.header.size(); ++c) {
    if (t.header[c] == column) col = c;
  }
  if (col == t.header.size()) return {"", "no column '" + column + "'"};
  for (const auto& row : t.rows) {
    if (row.size() > col && row[0] == row_label) return {row[col], ""};
  }
  return {"", "no row '" + row_label + "'"};
}

// The column of a metric: "Dice", or in a section of two tables "CT Dice" / "MRI Dice" by position.
std::string metric_column(const StudyTable& t, const std::string& metric) {
  std::vector<std::string> candidates;
  for (const auto& h : t.header) {
    if (lower(h) == lower(metric) || lower(h).find(" " + lower(metric)) != std::string::npos) candidates.push_back(h);
  }
  if (candidates.empty()) return metric;
  return candidates[std::min(t.position, candidates.size() - 1)];
}

std::string initials(const std::string& name) {  // "optic cup" → "OC"
  std::string out;
  bool start = true;
  for (char c : name) {
    if (start && c != ' ') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    start = c == ' ';
  }
  return out;
}

// Where the study prints the value of `b` for `key` (a class name, or empty for the average).
Lookup locate(const StudyTable& t, const Baseline& b, const std::string& key, const Config& config) {
  const std::string first = t.header.empty() ? "" : t.header[0];
  const std::string metric = b.metric == Metric::kIoU ? "IoU" : "Dice";
  if (first == "method" && t.header.size() > 3 && t.header[1].rfind("D1", 0) == 0) {  // Table 3: domains
    const std::string column = key.empty() ? "mean" : "D" + b.group.substr(b.group.size() - 1) + " " + initials(key);
    return find_cell(t, b.method, column);
  }
  if (first == "method") return find_cell(t, b.method, metric_column(t, metric));
  if (first == "class") return find_cell(t, key.empty() ? "Average" : plain_class(key), metric_column(t, metric));
  if (first == "id") {
    const auto ids = amos_ids(t.text);
    if (!key.empty() && !ids.count(key)) return {"", "no AMOS id named '" + key + "'"};
    return find_cell(t, key.empty() ? "Average" : ids.at(key), metric_column(t, metric));
  }
  if (first == "dataset") {  // Table 10: the row of the config's vessel layout
    std::string layout = lower(config.dataset.value("layout", std::string()));
    for (const auto& row : t.rows) {
      if (lower(row[0]).rfind(layout, 0) == 0) {
        const bool tuned = b.method.find("fine-tuned") != std::string::npos;
        return find_cell(t, row[0], metric + (tuned ? " fine-tuned" : " manual"));
      }
    }
    return {"", "no dataset row for layout '" + layout + "'"};
  }
  return {"", "a table of unknown shape (first column '" + first + "')"};
}

bool same_number(const std::string& cell, double value) {
  char* end = nullptr;
  const double published = std::strtod(cell.c_str(), &end);
  return end != cell.c_str() && std::fabs(published - value) < 1e-9;
}

// Table 1's counts: "15,361 slices" → 15361; "51, 60, 160" → 51, 60 and 160.
std::set<long long> sample_counts(const StudyTable& t) {
  std::set<long long> out;
  for (const auto& row : t.rows) {
    std::string digits;
    for (char c : row.back() + " ") {
      if (std::isdigit(static_cast<unsigned char>(c))) {
        digits += c;
      } else if (c != ',' || digits.empty()) {
        if (!digits.empty()) out.insert(std::stoll(digits));
        digits.clear();
      } else if (c == ',') {
        // "15,361": a thousands comma is followed by three digits; "51, 60": by a space.
      }
    }
  }
  return out;
}

fs::path study_tables_file() {
  const char* env = std::getenv("SAMBENCH_STUDY_TABLES");
  if (env) return env;
  const fs::path data = testing::shared_data();
  return data.empty() ? fs::path() : data.parent_path() / "study_tables.md";
}

std::vector<Config> every_config() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(SAMBENCH_SOURCE_DIR) / "configs")) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  files.push_back(fs::path(SAMBENCH_SOURCE_DIR) / "tests/fixtures/study_samples.yaml");
  std::vector<Config> out;
  for (const auto& f : files) {
    for (const auto& c : expand_suite(load_config(f))) out.push_back(c);
  }
  return out;
}

TEST(StudyBaselines, ParsesTheTablesOfTheMarkdown) {
  const auto tables = parse_study_tables(
      "# t\n## Table 2: x\n| method | Dice | IoU |\n|---|---|---|\n| U-Net | 0.8550 | 0.7850 |\n"
      "## Tables 6 and 7: y\n1 spleen, 2 right\nkidney.\n| id | CT Dice | CT IoU | MRI Dice | MRI IoU |\n"
      "|---|---|---|---|---|\n| 1 | 0.1 | 0.2 | 0.3 | 0.4 |\n");
  ASSERT_EQ(tables.size(), 3u);
  EXPECT_EQ(tables.at(2).rows.at(0).at(1), "0.8550");
  EXPECT_EQ(metric_column(tables.at(7), "IoU"), "MRI IoU");
  EXPECT_EQ(amos_ids(tables.at(6).text).at("right kidney"), "2");
  Baseline b;
  b.metric = Metric::kDice;
  Config config;
  EXPECT_EQ(locate(tables.at(7), b, "spleen", config).cell, "0.3");
  EXPECT_FALSE(locate(tables.at(7), b, "liver", config).problem.empty());
}

TEST(StudyBaselines, EveryConfigNumberIsTheStudys) {
  const fs::path file = study_tables_file();
  if (file.empty() || !fs::exists(file)) {
    GTEST_SKIP() << "the study's tables (../shared/study_tables.md, or $SAMBENCH_STUDY_TABLES) are absent";
  }
  const auto tables = parse_study_tables(read_file(file));
  ASSERT_TRUE(tables.count(1) && tables.count(2)) << file << ": no Table 1 or 2 found";
  const std::regex cite(R"(^the study, Table (\d+)$)");
  std::set<std::string> citing;
  int checked = 0;
  for (const Config& config : every_config()) {
    for (const Baseline& b : parse_baselines(config.baselines)) {
      const std::string where = config.file.filename().string() + " (" + config.name + ", " + b.method + ")";
      std::smatch m;
      ASSERT_TRUE(std::regex_match(b.source, m, cite)) << where << ": source '" << b.source << "'";
      const int number = std::stoi(m[1]);
      ASSERT_TRUE(tables.count(number)) << where << ": cites Table " << number << ", which the study's copy lacks";
      const StudyTable& t = tables.at(number);
      citing.insert(config.name);
      if (b.samples > 0) {
        EXPECT_TRUE(sample_counts(t).count(b.samples)) << where << ": " << b.samples << " is not in Table " << number;
        ++checked;
      }
      for (const auto& [key, value] : b.values) {
        const Lookup at = locate(t, b, key, config);
        EXPECT_TRUE(at.problem.empty()) << where << ", " << key << ": " << at.problem;
        EXPECT_TRUE(at.problem.empty() && same_number(at.cell, value))
            << where << ", " << key << ": " << value << " but Table " << number << " says " << at.cell;
        ++checked;
      }
      if (b.average) {
        const Lookup at = locate(t, b, "", config);
        EXPECT_TRUE(at.problem.empty() && same_number(at.cell, *b.average))
            << where << ", average: " << *b.average << " but Table " << number << " says " << at.cell << at.problem;
        ++checked;
      }
    }
  }
  // The configs of a benchmark with a study table carry its numbers.
  for (const char* name : {"isic2018", "fundus_dofe", "aroi", "amos_ct", "amos_mri", "montgomery", "drive",
                           "drive_finetuned", "chase_finetuned", "hrf_finetuned", "stare_finetuned", "study/isic_259",
                           "study/amos_ct", "study/stare_finetuned"}) {
    EXPECT_TRUE(citing.count(name)) << name << " cites no table of the study";
  }
  std::printf("checked %d published numbers against %s\n", checked, file.c_str());
  EXPECT_GT(checked, 300);
}

}  // namespace
}  // namespace sambench
