#include "sambench/report/text_table.h"

namespace sambench {

namespace {

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string markdown_row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + markdown_cell(c) + " |";
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

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string html_table(const TextTable& table) {
  std::string out = "<table class=\"sortable\">\n<thead><tr>";
  for (size_t i = 0; i < table.header.size(); ++i) {
    out += std::string("<th") + (i < table.label_columns ? "" : " class=\"num\"") + " title=\"sort\">" +
           html_escape(table.header[i]) + "</th>";
  }
  out += "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    out += r >= table.run_rows_from ? "<tr class=\"run\">" : "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      out += std::string("<td") + (i < table.label_columns ? "" : " class=\"num\"") + ">" + html_escape(row[i]) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

}  // namespace sambench
