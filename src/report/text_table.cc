#include "sambench/report/text_table.h"

#include "sambench/report/escape.h"

namespace sambench {

namespace {

std::string markdown_row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + markdown_text(c) + " |";
  return out + "\n";
}

}  // namespace

std::string markdown_table(const TextTable& table) {
  std::string out = markdown_row(table.header) + "|";
  for (size_t i = 0; i < table.header.size(); ++i) out += i < table.label_columns ? "---|" : "---:|";
  out += "\n";
  for (const auto& row : table.rows) out += markdown_row(row);
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
