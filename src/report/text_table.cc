#include "sambench/report/text_table.h"

#include "sambench/report/escape.h"

namespace sambench {

namespace {

// Names (headers, label columns) may come from a dataset or a run folder, so they are made inert;
// the number columns are the report's own text, where escaping would only clutter the source
// ("[0.50, 0.70]" stays readable), but a '|' or a line break would still break the row.
std::string number_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' || c == '\r' ? ' ' : c;
  }
  return out;
}

std::string markdown_row(const std::vector<std::string>& cells, size_t label_columns) {
  std::string out = "|";
  for (size_t i = 0; i < cells.size(); ++i) {
    out += " " + (i < label_columns ? markdown_text(cells[i]) : number_cell(cells[i])) + " |";
  }
  return out + "\n";
}

}  // namespace

std::string markdown_table(const TextTable& table) {
  std::string out = markdown_row(table.header, table.header.size()) + "|";
  for (size_t i = 0; i < table.header.size(); ++i) out += i < table.label_columns ? "---|" : "---:|";
  out += "\n";
  for (const auto& row : table.rows) out += markdown_row(row, table.label_columns);
  return out;
}

std::string html_table(const TextTable& table) {
  std::string out = "<table class=\"sortable\">\n<thead><tr>";
  for (size_t i = 0; i < table.header.size(); ++i) {
    out += std::string("<th") + (i < table.label_columns ? "" : " class=\"num\"") + " title=\"sort\">" +
           html_text(table.header[i]) + "</th>";
  }
  out += "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    out += r >= table.run_rows_from ? "<tr class=\"run\">" : "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      out += std::string("<td") + (i < table.label_columns ? "" : " class=\"num\"") + ">" + html_text(row[i]) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

}  // namespace sambench
