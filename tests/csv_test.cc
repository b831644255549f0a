#include "sambench/report/csv.h"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"

namespace sambench {
namespace {

using testing::contains;
using testing::error_of;

TEST(CsvField, QuotesOnlyWhenItMust) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
}

// Security finding 10: "=HYPERLINK(...)" went out as a live formula and a lone CR unquoted.
TEST(CsvField, NeutralisesFormulasQuotesCarriageReturnsAndRoundTrips) {
  EXPECT_EQ(csv_field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(csv_field("+1"), "'+1");
  EXPECT_EQ(csv_field("-2"), "'-2");
  EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_field("a\rb"), "\"a\rb\"");
  EXPECT_EQ(csv_field("a-b=c"), "a-b=c");  // only a leading character counts
  const std::vector<std::string> texts = {"=1+1", "'=1+1", "'", "''x", "'plain", "-", "@", "\tx", "plain", "x\ry", ""};
  std::string table = "name\n";
  for (const auto& t : texts) table += csv_field(t) + "\n";
  CsvTable read(table, "t.csv");
  ASSERT_EQ(read.rows(), texts.size());
  for (size_t r = 0; r < texts.size(); ++r) EXPECT_EQ(read.at(r, "name"), texts[r]) << r;
}

TEST(CsvTable, LooksColumnsUpByName) {
  CsvTable table("image,dice,class\na,0.500000,disk\nb,nan,box\n", "per_instance.csv");
  EXPECT_EQ(table.rows(), 2u);
  EXPECT_EQ(table.header(), (std::vector<std::string>{"image", "dice", "class"}));
  EXPECT_TRUE(table.has_column("dice"));
  EXPECT_FALSE(table.has_column("nsd"));
  EXPECT_EQ(table.at(0, "image"), "a");
  EXPECT_EQ(table.at(1, "class"), "box");
  EXPECT_DOUBLE_EQ(table.number(0, "dice"), 0.5);
  EXPECT_TRUE(std::isnan(table.number(1, "dice")));
  EXPECT_EQ(table.column("image"), (std::vector<std::string>{"a", "b"}));
  // The same table with its columns in another order reads the same.
  CsvTable reordered("class,image,dice\ndisk,a,0.500000\nbox,b,nan\n", "per_instance.csv");
  for (size_t r = 0; r < table.rows(); ++r) {
    for (const auto& column : table.header()) EXPECT_EQ(reordered.at(r, column), table.at(r, column)) << column;
  }
}

TEST(CsvTable, UnknownColumnIsAnErrorNamingTheFileAndTheColumn) {
  CsvTable table("image,dice\na,0.5\n", "run/per_image.csv");
  for (auto lookup : std::vector<std::function<void()>>{[&] { table.at(0, "nsd"); }, [&] { table.column("nsd"); },
                                                         [&] { table.number(0, "nsd"); }}) {
    EXPECT_EQ(error_of(lookup), "run/per_image.csv: no 'nsd' column");
  }
}

TEST(CsvTable, QuotedFieldsKeepTheirCommasQuotesAndNewlines) {
  const std::vector<std::string> names = {"img,1", "left \"lung\"", "two\nlines", ""};
  std::string text = "name,label\n";
  for (size_t i = 0; i < names.size(); ++i) text += csv_field(names[i]) + "," + std::to_string(i) + "\n";
  CsvTable table(text, "t.csv");
  ASSERT_EQ(table.rows(), names.size());
  EXPECT_EQ(table.column("name"), names);
  EXPECT_EQ(table.integer(3, "label"), 3);
}

TEST(CsvTable, MalformedTablesAreErrorsNamingTheFile) {
  EXPECT_EQ(error_of([] { CsvTable("", "t.csv"); }), "t.csv: empty table");
  EXPECT_EQ(error_of([] { CsvTable("a,b\n1,2\n3\n", "t.csv"); }), "t.csv: row 3 has the wrong number of fields");
  CsvTable table("a,b\n1,x\n", "t.csv");
  EXPECT_EQ(error_of([&] { table.number(0, "b"); }), "t.csv: row 2: 'b' is not a number");
  EXPECT_EQ(error_of([&] { table.at(1, "a"); }), "t.csv: no row 3: the table ends at row 2");
}

TEST(CsvTable, ReadsAFileAndNamesAMissingOne) {
  testing::TempDir dir;
  testing::write_text(dir / "per_case.csv", "case,dice\namos_0001,0.25\n");
  CsvTable table = CsvTable::read(dir / "per_case.csv");
  EXPECT_EQ(table.at(0, "case"), "amos_0001");
  EXPECT_TRUE(contains(error_of([&] { table.at(0, "hd95"); }), (dir / "per_case.csv").string() + ": no 'hd95'"));
  EXPECT_TRUE(contains(error_of([&] { CsvTable::read(dir / "none.csv"); }), (dir / "none.csv").string()));
}

}  // namespace
}  // namespace sambench
