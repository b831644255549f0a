#include "sambench/report/predictions.h"

#include <fstream>

#include "sambench/base/error.h"
#include "sambench/data/image_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;

// Class names become file names: keep them readable but free of separators and spaces.
std::string file_safe(const std::string& name) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return out;
}

std::string instance_stem(const std::string& image, const std::string& class_name, int instance) {
  return "predictions/" + image + "/" + file_safe(class_name) + "_" + std::to_string(instance);
}

void make_parent(const fs::path& file) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) throw Error(file.parent_path(), "cannot create folder: " + ec.message());
}

}  // namespace

std::string instance_mask_path(const std::string& image, const std::string& class_name, int instance) {
  return instance_stem(image, class_name, instance) + ".png";
}

std::string instance_logits_path(const std::string& image, const std::string& class_name, int instance) {
  return instance_stem(image, class_name, instance) + "_logits.npy";
}

std::string label_map_path(const std::string& image) { return "predictions/" + image + "/labels.png"; }

void write_mask_png(const fs::path& file, const cv::Mat& mask) {
  make_parent(file);
  cv::Mat visible = mask * 255;
  write_image(file, visible);
}

cv::Mat read_mask_png(const fs::path& file) {
  cv::Mat mask = read_label_map(file);
  return (mask != 0) / 255;
}

cv::Mat merge_label_map(const std::vector<Instance>& instances,
                        const std::vector<Prediction>& predictions, cv::Size size) {
  bool wide = false;
  for (const auto& inst : instances) wide |= inst.class_label > 255;
  cv::Mat labels = cv::Mat::zeros(size, wide ? CV_16U : CV_8U);
  cv::Mat best(size, CV_32F, cv::Scalar(-INFINITY));
  for (size_t i = 0; i < instances.size(); ++i) {
    // Strictly greater: on a tie the earlier instance keeps the pixel.
    cv::Mat wins = (predictions[i].mask != 0) & (best < predictions[i].score);
    labels.setTo(instances[i].class_label, wins);
    best.setTo(predictions[i].score, wins);
  }
  return labels;
}

void write_npy(const fs::path& file, const std::vector<float>& values, int rows, int cols) {
  make_parent(file);
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) +
                       ", " + std::to_string(cols) + "), }";
  // Magic (6) + version (2) + length (2) + header + newline is padded to a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(file, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  uint16_t length = static_cast<uint16_t>(header.size());
  out.put(static_cast<char>(length & 0xff));
  out.put(static_cast<char>(length >> 8));
  out << header;
  out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(float)));
  out.close();  // the last block reaches the disk here: a full disk shows now
  if (!out) throw Error(file, "cannot write");
}

}  // namespace sambench
