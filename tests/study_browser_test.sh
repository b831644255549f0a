#!/usr/bin/env bash
# The study report in a real browser (Debian's chromium, headless): the DOM after the page's own
# scripts ran (its tables, their row counts against study_report.md, a sort that the page applies
# from its address), and a screenshot that is neither blank nor cut. Needs the report that
# study_script_test.sh leaves in BUILD/study_test/runs/; exits 77 (skipped) when chromium is
# missing and cannot be installed.
set -euo pipefail
build=$(cd "$1" && pwd)  # chromium needs an absolute file:// address
report=$build/study_test/runs
html=$report/study_report.html
[ -s "$html" ] || { echo "FAIL: $html missing (the study_script test makes it)"; exit 1; }
if ! command -v chromium > /dev/null; then
  echo "chromium is missing: installing Debian's chromium"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
  $sudo apt-get install -y chromium > /dev/null 2>&1 || true
fi
command -v chromium > /dev/null || { echo "SKIP: chromium is not installed and apt-get could not install it"; exit 77; }
browser=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=3000)

# Table 1 (the first table), sorted by its third column ("this run: images"), descending.
"${browser[@]}" --dump-dom "file://$html#sort=0.2.desc" > "$report/dom.html" 2> "$report/chromium.log"
/usr/bin/python3 - "$report/dom.html" "$report/study_report.md" <<'PY'
import re, sys
from html.parser import HTMLParser

class Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.cell, self.in_body, self.body_attrs = [], None, False, {}
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body": self.body_attrs = attrs
        if tag == "table" and "sortable" in attrs.get("class", ""): self.tables.append({"head": [], "rows": [], "sort": {}})
        if tag == "tbody": self.in_body = True
        if tag == "tr" and self.in_body: self.tables[-1]["rows"].append([])
        if tag in ("td", "th"): self.cell = ""
        if tag == "th" and "aria-sort" in attrs: self.tables[-1]["sort"] = {len(self.tables[-1]["head"]): attrs["aria-sort"]}
    def handle_endtag(self, tag):
        if tag == "tbody": self.in_body = False
        if tag == "th": self.tables[-1]["head"].append(self.cell); self.cell = None
        if tag == "td": self.tables[-1]["rows"][-1].append(self.cell); self.cell = None
    def handle_data(self, data):
        if self.cell is not None: self.cell += data

dom = Tables(); dom.feed(open(sys.argv[1]).read())
markdown = open(sys.argv[2]).read().split("\n")
# The Markdown's tables: a header line, a |---| line, then rows.
md_rows = []
for i, line in enumerate(markdown):
    if re.match(r"^\|(-+:?\|)+$", line):
        n = 0
        while i + 1 + n < len(markdown) and markdown[i + 1 + n].startswith("|"): n += 1
        md_rows.append(n)
def check(ok, what):
    if not ok: print("FAIL:", what); sys.exit(1)
check(dom.body_attrs.get("data-sortable-tables") == str(len(dom.tables)), "the page's script did not run")
check(len(dom.tables) == len(md_rows) and len(dom.tables) > 0,
      f"{len(dom.tables)} tables in the page, {len(md_rows)} in study_report.md")
for k, (t, n) in enumerate(zip(dom.tables, md_rows)):
    check(len(t["rows"]) == n, f"table {k}: {len(t['rows'])} rows, study_report.md has {n}")
first = dom.tables[0]
check(first["sort"] == {2: "descending"}, f"table 0 not marked sorted by column 2: {first['sort']}")
images = [int(r[2]) for r in first["rows"]]
check(images == sorted(images, reverse=True), f"table 0 not sorted by images: {images}")
names = [r[0] for r in first["rows"]]
check(len(set(names)) == len(names), "rows lost or duplicated by the sort")
print(f"DOM: {len(dom.tables)} tables, rows {md_rows}, Table 1 sorted by images {images}")
PY

# The screenshot: a window taller than the page, so that the page's end is in it.
"${browser[@]}" --window-size=1280,9000 --screenshot="$report/study_report.png" "file://$html" 2>> "$report/chromium.log"
/usr/bin/python3 - "$report/study_report.png" <<'PY'
import sys
from PIL import Image, ImageStat
img = Image.open(sys.argv[1]).convert("L")
w, h = img.size
ink = sum(1 for p in img.getdata() if p < 200) / (w * h)
def blank(box): return ImageStat.Stat(img.crop(box)).extrema[0][0] > 245
if ink < 0.005: print(f"FAIL: the screenshot is blank ({ink:.4f} ink)"); sys.exit(1)
if not blank((0, h - 40, w, h)): print("FAIL: the page runs past the screenshot's bottom: cut"); sys.exit(1)
if not blank((w - 12, 0, w, h)): print("FAIL: something reaches the right edge: cut"); sys.exit(1)
print(f"screenshot {w}x{h}: {ink:.3f} of it ink, margins clear")
PY
echo "browser test: ok"
