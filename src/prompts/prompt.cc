#include "sambench/prompts/prompt.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>

#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/base/random.h"

namespace sambench {

using json = nlohmann::json;

namespace {

// "20", "0.05": enough digits to tell any two option values apart, none to spare.
std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", value);
  return text;
}

Prompt positive_point(cv::Point2d p) { return Prompt{{p}, {kPositive}, std::nullopt}; }

void require_pixels(const Instance& instance) {
  if (instance.crop.empty() || cv::countNonZero(instance.crop) == 0) throw Error("prompt: the instance mask is empty");
}

// ---- options ----------------------------------------------------------------------------------

// Reads one numeric option of an object spec, checking its type and range.
double number_option(const json& spec, const std::string& key, double fallback, double lo,
                     double hi, const std::string& where) {
  if (!spec.is_object() || !spec.contains(key)) return fallback;
  const json& value = spec.at(key);
  if (!value.is_number()) throw Error(where + ": '" + key + "' must be a number, got " + value.dump());
  double v = value.get<double>();
  if (!(v >= lo && v <= hi)) {
    throw Error(where + ": '" + key + "' must be in [" + number(lo) + ", " + number(hi) + "], got " +
                value.dump());
  }
  return v;
}

int integer_option(const json& spec, const std::string& key, int fallback, int lo,
                   const std::string& where) {
  if (!spec.is_object() || !spec.contains(key)) return fallback;
  const json& value = spec.at(key);
  const long long hi = 1000000;  // far beyond any sensible count, and safely an int
  if (!value.is_number_integer() || value.get<long long>() < lo || value.get<long long>() > hi) {
    throw Error(where + ": '" + key + "' must be an integer in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "], got " + value.dump());
  }
  return value.get<int>();
}

// ---- rules ------------------------------------------------------------------------------------

// The study's prompt: one positive point at the centre of mass.
class CentroidRule : public PromptRule {
 public:
  Prompt make(const Instance& instance, const PromptContext&) const override {
    return positive_point(centroid(instance));
  }
  std::string describe() const override {
    return "centroid: one positive point at the centre of mass of the instance's pixels "
           "(x = mean column, y = mean row, pixel-centre coordinates); it may fall outside the "
           "instance";
  }
  std::string name() const override { return "centroid"; }
};

// The centroid fed to SAM as a positive point outside the object asks for the wrong thing (a
// C-shaped or ring-shaped organ); moving it to the nearest object pixel keeps it as close to the
// study's prompt as an inside point can be.
class CentroidInsideRule : public PromptRule {
 public:
  Prompt make(const Instance& instance, const PromptContext&) const override {
    cv::Point2d c = centroid(instance);
    if (contains(instance, c)) return positive_point(c);
    require_pixels(instance);
    return positive_point(cv::Point2d(nearest_pixel(instance, c)));
  }
  std::string describe() const override {
    return "centroid_inside: one positive point at the centre of mass of the instance's pixels "
           "when the pixel containing it is in the instance, otherwise at the instance pixel "
           "nearest to it (Euclidean between pixel centres; ties to the lowest row, then the lowest "
           "column)";
  }
  std::string name() const override { return "centroid_inside"; }
};

// The point deepest inside the object: always inside, and as far as possible from the boundary
// where SAM's masks are least certain.
class InteriorRule : public PromptRule {
 public:
  Prompt make(const Instance& instance, const PromptContext&) const override {
    require_pixels(instance);
    return positive_point(cv::Point2d(interior_point(instance)));
  }
  std::string describe() const override {
    return "interior: one positive point at the instance pixel of largest Euclidean distance to "
           "the outside (the exact Euclidean distance transform; the image border counts as outside; "
           "ties to the lowest row, then the lowest column)";
  }
  std::string name() const override { return "interior"; }
};

struct BoxOptions {
  double margin = 0;     // pixels, or percent of the tight box's side if `percent`
  bool percent = false;
  double jitter = 0;     // fraction of the tight box's side
};

BoxOptions box_options(const json& spec, const std::string& where) {
  BoxOptions o;
  bool pixels = spec.is_object() && spec.contains("margin");
  bool percent = spec.is_object() && spec.contains("margin_percent");
  if (pixels && percent) throw Error(where + ": set 'margin' (pixels) or 'margin_percent', not both");
  o.percent = percent;
  o.margin = percent ? number_option(spec, "margin_percent", 0, 0, 1000, where)
                     : number_option(spec, "margin", 0, 0, 1e6, where);
  o.jitter = number_option(spec, "jitter", 0, 0, 1, where);
  return o;
}

std::string box_label(const BoxOptions& o) {
  return "margin=" + number(o.margin) + (o.percent ? "%" : "px") + ",jitter=" + number(o.jitter);
}

std::string box_sentence(const BoxOptions& o) {
  std::string margin = o.percent ? number(o.margin) + "% of the tight box's width (x) and height (y)"
                                 : number(o.margin) + " px";
  return "the tight box (leftmost and rightmost columns, top and bottom rows of the instance's "
         "pixels, as SAM's batched_mask_to_box) widened by " + margin +
         " on each side and clipped to the image; jitter " + number(o.jitter) +
         ": each coordinate then moved by a seeded uniform offset in [-jitter, +jitter] times the "
         "tight box's width (x) or height (y), clipped again and reordered if crossed";
}

// SAM's own evaluations, MedSAM (margin) and SAM-Med2D (jitter) prompt with a box.
Box make_box(const Instance& instance, const PromptContext& context, const BoxOptions& o) {
  Box b = tight_box(instance);
  // Sides in pixels (columns or rows spanned), so a one-pixel object still has a side of 1.
  double w = b.bottom_right.x - b.top_left.x + 1, h = b.bottom_right.y - b.top_left.y + 1;
  double mx = o.percent ? o.margin / 100 * w : o.margin;
  double my = o.percent ? o.margin / 100 * h : o.margin;
  double max_x = context.image_size.width - 1, max_y = context.image_size.height - 1;
  auto clip = [&](Box& box) {
    box.top_left.x = std::clamp(box.top_left.x, 0.0, max_x);
    box.top_left.y = std::clamp(box.top_left.y, 0.0, max_y);
    box.bottom_right.x = std::clamp(box.bottom_right.x, 0.0, max_x);
    box.bottom_right.y = std::clamp(box.bottom_right.y, 0.0, max_y);
  };
  b.top_left -= cv::Point2d(mx, my);
  b.bottom_right += cv::Point2d(mx, my);
  clip(b);
  if (o.jitter > 0) {
    // Drawn x0, y0, x1, y1 in this order: the order is part of the reproducible result.
    std::mt19937_64 rng = instance_rng(instance, context);
    b.top_left.x += uniform_real(rng, -o.jitter * w, o.jitter * w);
    b.top_left.y += uniform_real(rng, -o.jitter * h, o.jitter * h);
    b.bottom_right.x += uniform_real(rng, -o.jitter * w, o.jitter * w);
    b.bottom_right.y += uniform_real(rng, -o.jitter * h, o.jitter * h);
    clip(b);
    if (b.top_left.x > b.bottom_right.x) std::swap(b.top_left.x, b.bottom_right.x);
    if (b.top_left.y > b.bottom_right.y) std::swap(b.top_left.y, b.bottom_right.y);
  }
  return b;
}

class BoxRule : public PromptRule {
 public:
  explicit BoxRule(BoxOptions o) : o_(o) {}
  Prompt make(const Instance& instance, const PromptContext& context) const override {
    require_pixels(instance);
    return Prompt{{}, {}, make_box(instance, context, o_)};
  }
  std::string describe() const override { return "box: " + box_sentence(o_) + "; no points"; }
  std::string name() const override { return "box(" + box_label(o_) + ")"; }

 private:
  BoxOptions o_;
};

// A box alone leaves SAM unsure which of the objects inside it is meant (a loose box around a
// thin organ); one sure inside point settles it.
class BoxPointRule : public PromptRule {
 public:
  explicit BoxPointRule(BoxOptions o) : o_(o) {}
  Prompt make(const Instance& instance, const PromptContext& context) const override {
    require_pixels(instance);
    Prompt p = positive_point(cv::Point2d(interior_point(instance)));
    p.box = make_box(instance, context, o_);
    return p;
  }
  std::string describe() const override {
    return "box_point: " + box_sentence(o_) +
           "; plus one positive point at the interior point (maximum of the Euclidean distance "
           "transform, image border outside, ties to the lowest row, then column)";
  }
  std::string name() const override { return "box_point(" + box_label(o_) + ")"; }

 private:
  BoxOptions o_;
};

struct PointsOptions {
  int k = 1;          // positive points
  int negatives = 0;  // negative points
  int ring = 10;      // pixels: how far outside the instance negatives may lie
};

// Draws up to n of `pixels` uniformly without replacement (a partial Fisher-Yates shuffle), in
// draw order.
std::vector<cv::Point2d> draw(std::vector<cv::Point> pixels, int n, std::mt19937_64& rng) {
  size_t count = std::min(pixels.size(), static_cast<size_t>(n));
  std::vector<cv::Point2d> out;
  for (size_t i = 0; i < count; ++i) {
    size_t j = i + static_cast<size_t>(uniform_below(rng, pixels.size() - i));
    std::swap(pixels[i], pixels[j]);
    out.emplace_back(pixels[i]);
  }
  return out;
}

// SAM-Med2D-style random clicks: positives anywhere on the object, negatives just outside it,
// where SAM's masks tend to leak.
class PointsRule : public PromptRule {
 public:
  explicit PointsRule(PointsOptions o) : o_(o) {}
  Prompt make(const Instance& instance, const PromptContext& context) const override {
    require_pixels(instance);
    std::mt19937_64 rng = instance_rng(instance, context);
    Prompt p;
    p.points = draw(pixels_of(instance), o_.k, rng);
    p.labels.assign(p.points.size(), kPositive);
    if (o_.negatives > 0) {
      for (const auto& q : draw(ring_pixels(instance, o_.ring, context.image_size), o_.negatives, rng)) {
        p.points.push_back(q);
        p.labels.push_back(kNegative);
      }
    }
    return p;
  }
  std::string describe() const override {
    return "points: " + std::to_string(o_.k) +
           " positive point(s) drawn uniformly without replacement from the instance's pixels "
           "(all of them if fewer), then " + std::to_string(o_.negatives) +
           " negative point(s) likewise from the pixels within " + std::to_string(o_.ring) +
           " px of the instance but not in it (dilation by a " + std::to_string(2 * o_.ring + 1) +
           "-px elliptic kernel, inside the image; none if that ring is empty); seeded per "
           "instance";
  }
  std::string name() const override {
    return "points(k=" + std::to_string(o_.k) + ",negatives=" + std::to_string(o_.negatives) +
           ",ring=" + std::to_string(o_.ring) + "px)";
  }

 private:
  PointsOptions o_;
};

// SAM with no prompt at all: no points, no box (the official prompt encoder then gives an empty
// sparse embedding, and SamPredictor adds no padding point). The study's fine-tuned decoder is
// used this way, so that it outputs the whole structure it was trained on.
class NoneRule : public PromptRule {
 public:
  Prompt make(const Instance&, const PromptContext&) const override { return Prompt{}; }
  std::string describe() const override {
    return "none: no prompt (no points, no box, no mask input); the decoder sees only the image";
  }
  std::string name() const override { return "none"; }
};

// ---- the table of rules -----------------------------------------------------------------------

struct RuleEntry {
  std::vector<std::string> options;  // keys an object spec may hold besides "mode"
  std::unique_ptr<PromptRule> (*make)(const json& spec, const std::string& where);
};

const std::map<std::string, RuleEntry>& rule_table() {
  static const std::map<std::string, RuleEntry> table = {
      {"centroid", {{}, [](const json&, const std::string&) -> std::unique_ptr<PromptRule> {
                      return std::make_unique<CentroidRule>();
                    }}},
      {"centroid_inside", {{}, [](const json&, const std::string&) -> std::unique_ptr<PromptRule> {
                             return std::make_unique<CentroidInsideRule>();
                           }}},
      {"none", {{}, [](const json&, const std::string&) -> std::unique_ptr<PromptRule> {
                  return std::make_unique<NoneRule>();
                }}},
      {"interior", {{}, [](const json&, const std::string&) -> std::unique_ptr<PromptRule> {
                      return std::make_unique<InteriorRule>();
                    }}},
      {"box", {{"margin", "margin_percent", "jitter"},
               [](const json& spec, const std::string& where) -> std::unique_ptr<PromptRule> {
                 return std::make_unique<BoxRule>(box_options(spec, where));
               }}},
      {"box_point", {{"margin", "margin_percent", "jitter"},
                     [](const json& spec, const std::string& where) -> std::unique_ptr<PromptRule> {
                       return std::make_unique<BoxPointRule>(box_options(spec, where));
                     }}},
      {"points", {{"k", "negatives", "ring"},
                  [](const json& spec, const std::string& where) -> std::unique_ptr<PromptRule> {
                    PointsOptions o;
                    o.k = integer_option(spec, "k", 1, 1, where);
                    o.negatives = integer_option(spec, "negatives", 0, 0, where);
                    o.ring = integer_option(spec, "ring", 10, 1, where);
                    return std::make_unique<PointsRule>(o);
                  }}},
  };
  return table;
}

}  // namespace

std::vector<std::string> prompt_rule_names() {
  std::vector<std::string> names;
  for (const auto& [name, mode] : rule_table()) names.push_back(name);
  return names;
}

std::unique_ptr<PromptRule> make_prompt_rule(const json& spec) {
  if (!spec.is_string() && !(spec.is_object() && spec.contains("mode") && spec.at("mode").is_string())) {
    throw Error("prompt: expected a mode name or an object with a 'mode' string, got " + spec.dump());
  }
  std::string name = spec.is_string() ? spec.get<std::string>() : spec.at("mode").get<std::string>();
  auto it = rule_table().find(name);
  if (it == rule_table().end()) {
    throw Error("prompt: unknown mode '" + name + "' (known: " + join(prompt_rule_names()) + ")");
  }
  const std::string where = "prompt " + name;
  if (spec.is_object()) {
    std::vector<std::string> allowed = {"mode"};
    allowed.insert(allowed.end(), it->second.options.begin(), it->second.options.end());
    check_keys(spec, allowed, where);
  }
  return it->second.make(spec, where);
}

std::unique_ptr<PromptRule> make_prompt_rule(const std::string& mode) {
  return make_prompt_rule(json(mode));
}

std::unique_ptr<PromptRule> make_prompt_rule(const char* mode) {
  return make_prompt_rule(json(std::string(mode)));
}

std::mt19937_64 instance_rng(const Instance& instance, const PromptContext& context) {
  return std::mt19937_64(instance_seed(context.seed, context.image, instance.class_label,
                                       instance.index));
}

}  // namespace sambench
