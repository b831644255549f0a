#include "sambench/report/report_document.h"

namespace sambench {

std::string document_markdown(const ReportDocument& document) {
  std::string out = "# " + document.title + "\n\n";
  for (const auto& line : document.lead) out += "- " + line + "\n";
  if (!document.lead.empty()) out += "\n";
  for (const auto& section : document.sections) {
    out += "## " + section.title + "\n\n";
    for (const auto& p : section.paragraphs) out += p + "\n\n";
    for (const auto& t : section.tables) {
      if (!t.caption.empty()) out += "**" + t.caption + "**\n\n";
      out += markdown_table(t.table) + "\n";
    }
    for (const auto& chart : section.charts) out += "![" + chart.caption + "](" + chart.link + ")\n\n";
    if (!section.gallery.empty()) out += "**" + section.gallery_title + "**\n\n";
    for (const auto& image : section.gallery) out += "- [" + image.caption + "](" + image.link + ")\n";
    if (!section.gallery.empty()) out += "\n";
  }
  return out;
}

}  // namespace sambench
