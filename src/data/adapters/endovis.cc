// EndoVis 2017 robotic instrument segmentation, in its release layout:
//   <root>/instrument_dataset_K/left_frames/frameNNN.png
//   <root>/instrument_dataset_K/ground_truth/<Instrument_Name>_labels/frameNNN.png
// one mask folder per instrument in view, non-zero = that instrument (the release codes the
// instrument's parts as 10, 20, 30 ...; any non-zero value counts). Every frame must have its
// mask in every folder of its dataset. Frames are left as they are (some have a black border).
//
// task: binary       all instruments merged into label 1 "instrument" (the study's setting)
//       instruments  each folder mapped to its instrument type, labels 1..7 (the 2017 table)
//       parts        shaft 1, wrist 2, claspers 3, from the values 10, 20, 30 of each instrument
//                    folder (the release's part coding); the "Other" folder (ultrasound probe)
//                    has no parts and is left out, as in the challenge's parts task. Any other
//                    non-zero value in an instrument folder is an Error naming the file.
//
// Folder names are matched to types case-insensitively by their leading words: the name is cut
// into words at '_', '-' and spaces; a trailing "labels", the sides "left" / "right" anywhere,
// and the model prefix "maryland" are dropped; the words left must then begin with a type's
// words, e.g. Left_Bipolar_Forceps_labels, Maryland_Bipolar_Forceps_labels → Bipolar Forceps,
// Large_Needle_Driver_Left_labels → Large Needle Driver, Other_labels → Other (the ultrasound
// probe), also accepted as "Ultrasound_Probe". Words after the type's are ignored. A folder that
// matches no type is an Error naming it (task instruments only). Where two instruments overlap,
// the folder later in name order wins.
//
// group = instrument_dataset_K; ids are instrument_dataset_K/frameNNN. ref.mask names the
// ground_truth folder; load() reads the frame's file in each of its sub-folders.

#include <algorithm>
#include <cctype>
#include <regex>

#include "data/adapters/adapters.h"
#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kInstrument = 1;
constexpr int kOtherProbe = 7;  // the instrument type with no part coding

struct InstrumentType {
  int label;
  const char* name;
  std::vector<std::vector<std::string>> words;  // alternative spellings, as lower-case words
};

const std::vector<InstrumentType>& instrument_types() {
  static const std::vector<InstrumentType> types = {
      {1, "Bipolar Forceps", {{"bipolar", "forceps"}}},
      {2, "Prograsp Forceps", {{"prograsp", "forceps"}}},
      {3, "Large Needle Driver", {{"large", "needle", "driver"}}},
      {4, "Vessel Sealer", {{"vessel", "sealer"}}},
      {5, "Grasping Retractor", {{"grasping", "retractor"}}},
      {6, "Monopolar Curved Scissors", {{"monopolar", "curved", "scissors"}}},
      {7, "Other (Ultrasound Probe)", {{"other"}, {"ultrasound", "probe"}}},
  };
  return types;
}

std::vector<std::string> words_of(const std::string& name) {
  std::vector<std::string> words;
  std::string word;
  for (char ch : name + "_") {
    if (ch == '_' || ch == '-' || ch == ' ') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += char(std::tolower(static_cast<unsigned char>(ch)));
    }
  }
  return words;
}

}  // namespace

// The instrument type of a ground-truth folder name (see the file comment), 0 when none.
int endovis_instrument_label(const std::string& folder) {
  std::vector<std::string> words;
  for (const auto& w : words_of(folder)) {
    if (w != "left" && w != "right") words.push_back(w);
  }
  if (!words.empty() && words.back() == "labels") words.pop_back();
  if (!words.empty() && words.front() == "maryland") words.erase(words.begin());
  for (const auto& type : instrument_types()) {
    for (const auto& spelling : type.words) {
      if (words.size() >= spelling.size() &&
          std::equal(spelling.begin(), spelling.end(), words.begin())) {
        return type.label;
      }
    }
  }
  return 0;
}

namespace {

class EndovisDataset : public Dataset {
 public:
  EndovisDataset(const json& options, const fs::path& base) {
    check_keys(options, {"adapter", "root", "task", "datasets", "frames", "ground_truth"},
               "dataset");
    root_ = dataset_root(options, base, "instrument_dataset_K folders");
    task_ = string_option(options, "task", "binary");
    if (task_ != "binary" && task_ != "instruments" && task_ != "parts") {
      throw Error("dataset: unknown 'task' '" + task_ + "' (known: binary, instruments, parts)");
    }
    frames_ = string_option(options, "frames", "left_frames");
    ground_truth_ = string_option(options, "ground_truth", "ground_truth");
    if (options.contains("datasets")) {
      const json& datasets = options["datasets"];
      if (!datasets.is_array() || datasets.empty()) {
        throw Error(
            "dataset: 'datasets' must be a list of folder names, e.g. [instrument_dataset_1]");
      }
      for (const auto& d : datasets) {
        if (!d.is_string()) throw Error("dataset: 'datasets' must hold folder names");
        datasets_.push_back(d.get<std::string>());
      }
    }
    if (task_ == "binary") {
      classes_ = {{kInstrument, "instrument"}};
    } else if (task_ == "parts") {
      classes_ = {{1, "shaft"}, {2, "wrist"}, {3, "claspers"}};
    } else {
      for (const auto& type : instrument_types()) classes_.push_back({type.label, type.name});
    }
  }

  const std::vector<ClassInfo>& classes() const override { return classes_; }

  std::vector<SampleRef> list() const override {
    skipped_files_.clear();
    std::vector<SampleRef> refs;
    for (const auto& name : datasets_.empty() ? found_datasets() : datasets_) {
      fs::path dir = root_ / name;
      std::map<std::string, fs::path> frames = image_files(dir / frames_);
      std::vector<fs::path> folders = mask_folders(dir / ground_truth_);
      for (const auto& [stem, frame] : frames) {
        for (const auto& folder : folders) {
          fs::path mask = folder / frame.filename();
          std::error_code ec;
          if (!fs::is_regular_file(mask, ec)) {  // listed all the same: --on-error skip skips it
            skipped_files_.push_back({frame, "no mask for this frame (expected " + mask.string() + ")", true});
            break;
          }
        }
        refs.push_back(make_ref(name + "/" + stem, frame, dir / ground_truth_, name));
      }
    }
    return refs;
  }

  Sample load(const SampleRef& ref) const override {
    cv::Mat image = read_rgb(ref.image);
    cv::Mat labels = cv::Mat::zeros(image.size(), CV_8U);
    for (const auto& folder : mask_folders(ref.mask)) {
      fs::path file = folder / ref.image.filename();
      cv::Mat mask = read_label_map(file);
      if (mask.size() != image.size()) {
        throw Error(file, "mask is " + std::to_string(mask.cols) + "x" + std::to_string(mask.rows) +
                              " but its image is " + std::to_string(image.cols) + "x" +
                              std::to_string(image.rows));
      }
      if (task_ == "parts") {
        add_parts(labels, mask, folder, file);
      } else {
        labels.setTo(task_ == "binary" ? kInstrument : label_of(folder), mask != 0);
      }
    }
    Sample sample = make_sample(ref.id, image, labels);
    check_labels(sample.labels, sample.image, classes_, {}, ref.mask);
    return sample;
  }

 private:
  // The instrument_dataset_K folders of the root, by K.
  std::vector<std::string> found_datasets() const {
    std::vector<std::string> names;
    for (const auto& f : numbered_folders(root_, "instrument_dataset_", "instrument_dataset_K folders")) names.push_back(f.second);
    return names;
  }

  // The instrument folders of a ground_truth folder, in name order; checked against the type
  // table for the instruments task.
  std::vector<fs::path> mask_folders(const fs::path& dir) const {
    expect_folder(dir, "one mask folder per instrument");
    std::vector<fs::path> folders;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::error_code ec;
      if (entry.is_directory(ec)) folders.push_back(entry.path());
    }
    if (folders.empty()) throw Error(dir, "no instrument mask folders");
    std::sort(folders.begin(), folders.end());
    if (task_ == "instruments") {
      for (const auto& f : folders) label_of(f);
    }
    return folders;
  }

  // The part values of one instrument's mask, as labels 1..3 (10 → shaft, 20 → wrist, 30 → claspers).
  static void add_parts(cv::Mat& labels, const cv::Mat& mask, const fs::path& folder, const fs::path& file) {
    if (endovis_instrument_label(folder.filename().string()) == kOtherProbe) return;
    cv::Mat known = (mask == 0) | (mask == 10) | (mask == 20) | (mask == 30);
    if (cv::countNonZero(known) != static_cast<int>(mask.total())) {
      throw Error(file, "part values must be 10 (shaft), 20 (wrist) or 30 (claspers); found " +
                            distinct_values(mask));
    }
    for (int part = 1; part <= 3; ++part) labels.setTo(part, mask == 10 * part);
  }

  static int label_of(const fs::path& folder) {
    int label = endovis_instrument_label(folder.filename().string());
    if (label == 0) {
      std::vector<std::string> names;
      for (const auto& type : instrument_types()) names.push_back(type.name);
      throw Error(folder, "no EndoVis 2017 instrument type matches this folder name (known: " +
                              join(names) + ")");
    }
    return label;
  }

  fs::path root_;
  std::string task_, frames_, ground_truth_;
  std::vector<std::string> datasets_;
  std::vector<ClassInfo> classes_;
};

}  // namespace

std::unique_ptr<Dataset> make_endovis_dataset(const json& options, const fs::path& base) {
  return std::make_unique<EndovisDataset>(options, base);
}

}  // namespace sambench
