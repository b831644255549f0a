#pragma once

// CSV as the tables are written (RFC 4180 quoting), and read back with columns looked up by name.

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sambench {

// A CSV field, quoted only when it must be (RFC 4180: a comma, quote, line feed or carriage
// return). A text that a spreadsheet would run as a formula (a leading = + - @, tab or CR) gets a
// leading apostrophe, as does one that starts with an apostrophe; csv_text takes it off.
std::string csv_field(const std::string& s);
// The text that csv_field wrote as `field` (after unquoting). CsvTable applies it to every field.
std::string csv_text(const std::string& field);

// Splits CSV text as the writers here produce it (RFC 4180 quoting) into rows of fields.
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

// A CSV table with a header row, whose fields are looked up by column name, so that a reader
// keeps working when columns are added or reordered. Rows count from 0, the header excluded.
// Every failure (empty text, a row of the wrong width, an unknown column, a field that is not a
// number) is an Error naming the file.
class CsvTable {
 public:
  // `file` is where `text` came from, for the messages.
  CsvTable(const std::string& text, std::filesystem::path file);
  static CsvTable read(const std::filesystem::path& file);

  size_t rows() const { return rows_.size() - 1; }
  const std::vector<std::string>& header() const { return rows_.front(); }
  bool has_column(const std::string& name) const { return index_.count(name) > 0; }

  const std::string& at(size_t row, const std::string& column) const;
  double number(size_t row, const std::string& column) const;
  long long integer(size_t row, const std::string& column) const;
  // Every row's field of `name`, in row order.
  std::vector<std::string> column(const std::string& name) const;

 private:
  size_t index_of(const std::string& column) const;

  std::filesystem::path file_;
  std::vector<std::vector<std::string>> rows_;  // rows_[0] is the header
  std::map<std::string, size_t> index_;         // column name → field index
};

}  // namespace sambench
