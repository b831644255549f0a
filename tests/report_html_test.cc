#include "sambench/report/report_document.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"

namespace sambench {
namespace {

using testing::contains;

TEST(TextTable, MarkdownAndHtmlOfOneTable) {
  TextTable t{{"class", "dice"}, {{"a|b", "0.5"}, {"<c>", "0.25"}}, 1};
  EXPECT_EQ(markdown_table(t), "| class | dice |\n|---|---:|\n| a\\|b | 0.5 |\n| &lt;c&gt; | 0.25 |\n");
  const std::string html = html_table(t);
  EXPECT_TRUE(contains(html, "<table class=\"sortable\">")) << html;
  EXPECT_TRUE(contains(html, "<th class=\"num\" title=\"sort\">dice</th>")) << html;
  EXPECT_TRUE(contains(html, "<td>&lt;c&gt;</td><td class=\"num\">0.25</td>")) << html;
  EXPECT_FALSE(contains(html, "class=\"run\"")) << html;
  t.run_rows_from = 1;  // this run's rows are set apart in the page, not in the Markdown
  EXPECT_TRUE(contains(html_table(t), "<tr>\n<td>a|b</td>") || contains(html_table(t), "<tr><td>a|b</td>"));
  EXPECT_TRUE(contains(html_table(t), "<tr class=\"run\"><td>&lt;c&gt;</td>")) << html_table(t);
  EXPECT_EQ(markdown_table(t), "| class | dice |\n|---|---:|\n| a\\|b | 0.5 |\n| &lt;c&gt; | 0.25 |\n");
}

// One file holds everything: the image as a data: URI, the style and the sorting script; no
// address outside the page.
TEST(ReportHtml, SelfContainedWithEmbeddedImages) {
  testing::TempDir dir;
  write_file_atomic(dir.path() / "chart.png", std::string("\x89PNG\r\n", 6));
  ReportDocument doc;
  doc.title = "T & t";
  doc.lead = {"model: `m.pt`"};
  ReportSection s;
  s.title = "Table 2";
  s.paragraphs = {"use `x`"};
  s.tables = {{"caption", TextTable{{"m", "v"}, {{"SAM", "0.1"}}, 1}}};
  s.charts = {{"Dice", "chart.png", dir.path() / "chart.png"}, {"gone", "missing.png", dir.path() / "missing.png"}};
  doc.sections = {s, s};
  const std::string html = document_html(doc);
  EXPECT_TRUE(contains(html, "<title>T &amp; t</title>")) << html;
  EXPECT_TRUE(contains(html, "src=\"data:image/png;base64,iVBORw0K\"")) << html;  // the 6 bytes, base64
  EXPECT_TRUE(contains(html, "gone: missing.png could not be read")) << html;
  EXPECT_TRUE(contains(html, "<li>model: <code>m.pt</code></li>")) << html;
  EXPECT_TRUE(contains(html, "<nav><a href=\"#s1\">Table 2</a><a href=\"#s2\">Table 2</a></nav>")) << html;
  EXPECT_TRUE(contains(html, "function sortTable")) << html;
  EXPECT_FALSE(contains(html, "http://") || contains(html, "https://") || contains(html, "src=\"figures")) << html;
  const std::string md = document_markdown(doc);
  EXPECT_TRUE(contains(md, "# T & t\n\n- model: `m.pt`\n\n## Table 2\n\nuse `x`\n\n**caption**\n\n| m | v |")) << md;
  EXPECT_TRUE(contains(md, "![Dice](chart.png)")) << md;
}

}  // namespace
}  // namespace sambench
