#include "sambench/report/csv.h"

#include <cstdlib>

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"

namespace sambench {

namespace {

// A spreadsheet takes a cell that starts with one of these as a formula ("=HYPERLINK(...)").
// A field starting with one gets a leading apostrophe, which the reader takes off again; the
// apostrophe itself is in the list so that the round trip is exact.
bool starts_like_formula(const std::string& s) {
  return !s.empty() && std::string("=+-@\t\r'").find(s.front()) != std::string::npos;
}

}  // namespace

std::string csv_field(const std::string& raw) {
  const std::string s = starts_like_formula(raw) ? "'" + raw : raw;
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_text(const std::string& field) {
  return field.size() > 1 && field.front() == '\'' && starts_like_formula(field.substr(1)) ? field.substr(1) : field;
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

CsvTable::CsvTable(const std::string& text, std::filesystem::path file)
    : file_(std::move(file)), rows_(parse_csv(text)) {
  if (rows_.empty()) throw Error(file_, "empty table");
  for (auto& row : rows_) {
    for (auto& field : row) field = csv_text(field);
  }
  for (size_t i = 0; i < rows_[0].size(); ++i) index_[rows_[0][i]] = i;
  for (size_t r = 1; r < rows_.size(); ++r) {
    if (rows_[r].size() != rows_[0].size()) {
      throw Error(file_, "row " + std::to_string(r + 1) + " has the wrong number of fields");
    }
  }
}

// A run folder may come from someone else: a FIFO or device in place of a table must not hang or
// exhaust the reader. No table sambench writes comes near the limit.
constexpr size_t kMaxTableBytes = size_t{16} << 30;

CsvTable CsvTable::read(const std::filesystem::path& file) {
  return CsvTable(read_regular_file(file, kMaxTableBytes, Symlinks::kFollow), file);
}

size_t CsvTable::index_of(const std::string& column) const {
  auto it = index_.find(column);
  if (it == index_.end()) throw Error(file_, "no '" + column + "' column");
  return it->second;
}

const std::string& CsvTable::at(size_t row, const std::string& column) const {
  const size_t index = index_of(column);
  if (row >= rows()) {
    throw Error(file_, "no row " + std::to_string(row + 2) + ": the table ends at row " + std::to_string(rows() + 1));
  }
  return rows_[row + 1][index];
}

double CsvTable::number(size_t row, const std::string& column) const {
  const std::string& text = at(row, column);
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end) throw Error(file_, "row " + std::to_string(row + 2) + ": '" + column + "' is not a number");
  return value;
}

long long CsvTable::integer(size_t row, const std::string& column) const {
  return static_cast<long long>(number(row, column));
}

std::vector<std::string> CsvTable::column(const std::string& name) const {
  const size_t index = index_of(name);
  std::vector<std::string> out;
  for (size_t r = 1; r < rows_.size(); ++r) out.push_back(rows_[r][index]);
  return out;
}

}  // namespace sambench
