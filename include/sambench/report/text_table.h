#pragma once

// A table of already formatted cells, rendered as Markdown or as an HTML <table>: the one
// shape that report.md, study_report.md and the HTML pages share, so that each table is built
// once and drawn twice.

#include <string>
#include <vector>

namespace sambench {

struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as long as the header
  size_t label_columns = 1;                    // leading text columns; the others are numbers
  // Rows from this one on are this run's, below the published ones: the HTML sets them apart
  // (Markdown has no way to, and a table pasted from it needs none). rows.size(): none.
  size_t run_rows_from = static_cast<size_t>(-1);
};

// GitHub-flavoured Markdown, numbers right-aligned; '|' in a cell is escaped.
std::string markdown_table(const TextTable& table);

// An HTML <table class="sortable"> with <thead> and <tbody>; cells are HTML-escaped, and the
// run's rows are <tr class="run">.
std::string html_table(const TextTable& table);

}  // namespace sambench
