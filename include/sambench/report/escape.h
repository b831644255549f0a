#pragma once

// Text from a dataset or a run folder (class names, image ids, paths), made inert in the formats
// the reports write: it shows as the text it is and never becomes markup, a formula or a link.

#include <string>

namespace sambench {

// For Markdown prose and table cells: the characters that make emphasis, links, code, tables
// (\ ` * _ [ ] | ~) are backslash-escaped, HTML's < > & become entities, and line breaks and
// tabs become spaces, so a name cannot start a heading or a new row.
std::string markdown_text(const std::string& text);

// A Markdown code span of `text`: its fence is longer than any run of backticks inside, and line
// breaks become spaces.
std::string markdown_code(const std::string& text);

// For HTML text and attribute values: & < > " ' as entities.
std::string html_text(const std::string& text);

}  // namespace sambench
