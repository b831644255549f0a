#pragma once

// A report as a document: a title, lead lines, and sections of paragraphs, tables, charts and
// an image gallery. study_report.md, study_report.html and a run's report.html are all drawn
// from one of these, so that the Markdown and the HTML never say different things.

#include <filesystem>
#include <string>
#include <vector>

#include "sambench/report/text_table.h"

namespace sambench {

struct ReportImage {
  std::string caption;
  std::string link;             // as the Markdown links it: relative to the document's folder
  std::filesystem::path file;   // where it is read from to embed it in the HTML
};

struct ReportTable {
  std::string caption;
  TextTable table;
};

struct ReportSection {
  std::string title;
  std::vector<std::string> paragraphs;  // plain text; `code` spans are kept as written
  std::vector<ReportTable> tables;
  std::vector<ReportImage> charts;
  std::vector<ReportImage> gallery;     // best and worst cases
  std::string gallery_title;
};

struct ReportDocument {
  std::string title;
  std::vector<std::string> lead;  // one line each, a bullet list under the title
  std::vector<ReportSection> sections;
};

std::string document_markdown(const ReportDocument& document);

// One self-contained HTML page: the style, the table-sorting script and every image (as a
// data: URI) are inside it. An image that cannot be read is named in a note instead.
std::string document_html(const ReportDocument& document);

}  // namespace sambench
