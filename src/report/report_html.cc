// document_html: the self-contained page. Everything a browser needs is in the one file, so that
// a report can be mailed or archived beside a paper and still show its charts.

#include <string>

#include "sambench/base/file_io.h"
#include "sambench/report/escape.h"
#include "sambench/report/report_document.h"

namespace sambench {

namespace {

const char* kStyle = R"css(
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --band: #f4f6fa; --accent: #2f5fb3; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink);
  font: 15px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 64px; }
h1 { font-size: 26px; margin: 0 0 10px; }
h2 { font-size: 20px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
ul.lead { color: var(--muted); padding-left: 18px; margin: 0 0 16px; }
nav { display: flex; flex-wrap: wrap; gap: 4px 18px; background: var(--band); border-radius: 6px; padding: 10px 16px;
  margin: 12px 0 8px; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
p { margin: 8px 0; max-width: 900px; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 13px; background: var(--band); padding: 1px 4px;
  border-radius: 3px; }
.caption { font-weight: 600; margin: 22px 0 6px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0 0 8px; font-size: 14px; }
th, td { padding: 4px 12px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: var(--band); font-weight: 600; cursor: pointer; user-select: none; vertical-align: bottom;
  white-space: normal; max-width: 190px; border-bottom: 2px solid #b9c1cf; }
th:hover { background: #e6eaf2; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
th[aria-sort=ascending]::after { content: " \25B2"; color: var(--accent); font-size: 11px; }
th[aria-sort=descending]::after { content: " \25BC"; color: var(--accent); font-size: 11px; }
tbody tr:nth-child(even) { background: #fafbfd; }
tbody tr:hover { background: #eef3fb; }
tr.run td { background: #eef3fb; font-weight: 600; }
tbody tr:not(.run) + tr.run td { border-top: 2px solid #b9c1cf; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 16px; margin: 16px 0; }
.charts figure { margin: 0; }
.charts img { width: 100%; border: 1px solid var(--line); border-radius: 4px; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 10px; margin: 8px 0 16px; }
.gallery figure { margin: 0; }
.gallery img { width: 100%; height: 120px; object-fit: cover; border-radius: 4px; border: 1px solid var(--line); }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; overflow-wrap: anywhere; }
.note { color: var(--muted); font-style: italic; }
)css";

// Sorting by a click on a header; `#sort=T.C.asc|desc` in the address sorts table T (from 0) by
// column C when the page opens, so that a saved link shows the same order.
const char* kScript = R"js(
(function () {
  function key(cell) {
    var m = cell.textContent.trim().replace('\u2212', '-').match(/^[+-]?\d+(\.\d+)?/);
    return m ? parseFloat(m[0]) : null;
  }
  function sortTable(table, col, dir) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      if (x === null && y !== null) return 1;
      if (y === null && x !== null) return -1;
      var r = x !== null ? x - y : a.cells[col].textContent.localeCompare(b.cells[col].textContent);
      return dir === 'desc' ? -r : r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute('aria-sort');
    heads[col].setAttribute('aria-sort', dir === 'desc' ? 'descending' : 'ascending');
  }
  var tables = document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.addEventListener('click', function () {
        sortTable(table, col, th.getAttribute('aria-sort') === 'ascending' ? 'desc' : 'asc');
      });
    });
  });
  var m = location.hash.match(/^#sort=(\d+)\.(\d+)\.(asc|desc)$/);
  if (m && tables[+m[1]]) sortTable(tables[+m[1]], +m[2], m[3]);
  document.body.setAttribute('data-sortable-tables', String(tables.length));
})();
)js";

std::string base64(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63]};
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// `code` spans of the Markdown text as <code>; everything else escaped.
std::string inline_html(const std::string& text) {
  std::string out;
  bool in_code = false;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '`') continue;
    out += html_text(text.substr(start, i - start));
    if (i < text.size()) out += in_code ? "</code>" : "<code>";
    in_code = !in_code;
    start = i + 1;
  }
  return out;
}

std::string figure(const ReportImage& image) {
  std::string bytes;
  try {
    bytes = read_file(image.file);
  } catch (const std::exception&) {
    return "<p class=\"note\">" + html_text(image.caption) + ": " + html_text(image.link) + " could not be read</p>\n";
  }
  return "<figure><img alt=\"" + html_text(image.caption) + "\" src=\"data:image/png;base64," + base64(bytes) +
         "\"><figcaption>" + html_text(image.caption) + "</figcaption></figure>\n";
}

std::string section_html(const ReportSection& section, size_t index) {
  std::string out = "<section id=\"s" + std::to_string(index + 1) + "\">\n<h2>" + html_text(section.title) + "</h2>\n";
  for (const auto& p : section.paragraphs) out += "<p>" + inline_html(p) + "</p>\n";
  for (const auto& t : section.tables) {
    if (!t.caption.empty()) out += "<div class=\"caption\">" + html_text(t.caption) + "</div>\n";
    out += "<div class=\"scroll\">" + html_table(t.table) + "</div>\n";
  }
  if (!section.charts.empty()) {
    out += "<div class=\"charts\">\n";
    for (const auto& chart : section.charts) out += figure(chart);
    out += "</div>\n";
  }
  if (!section.gallery.empty()) {
    out += "<div class=\"caption\">" + html_text(section.gallery_title) + "</div>\n<div class=\"gallery\">\n";
    for (const auto& image : section.gallery) out += figure(image);
    out += "</div>\n";
  }
  return out + "</section>\n";
}

}  // namespace

std::string document_html(const ReportDocument& document) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
                    html_text(document.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<main>\n";
  out += "<h1>" + html_text(document.title) + "</h1>\n";
  if (!document.lead.empty()) {
    out += "<ul class=\"lead\">\n";
    for (const auto& line : document.lead) out += "<li>" + inline_html(line) + "</li>\n";
    out += "</ul>\n";
  }
  if (document.sections.size() > 1) {
    out += "<nav>";
    for (size_t i = 0; i < document.sections.size(); ++i) {
      out += "<a href=\"#s" + std::to_string(i + 1) + "\">" + html_text(document.sections[i].title) + "</a>";
    }
    out += "</nav>\n";
  }
  for (size_t i = 0; i < document.sections.size(); ++i) out += section_html(document.sections[i], i);
  return out + "</main>\n<script>" + kScript + "</script>\n</body>\n</html>\n";
}

}  // namespace sambench
