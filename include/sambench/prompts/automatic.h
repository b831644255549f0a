#pragma once

// SAM's automatic mask generation ("everything mode"): SamAutomaticMaskGenerator's default path
// (one crop, the whole image; no small-region post-processing). SAM 2.1's
// SAM2AutomaticMaskGenerator takes the same steps on that path, with its own defaults.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "sambench/data/instances.h"
#include "sambench/model/model_profile.h"
#include "sambench/model/preprocess.h"
#include "sambench/model/sam_model.h"

namespace sambench {

// SamAutomaticMaskGenerator's defaults (chosen for ViT-H); automatic_defaults() gives another
// model's official ones.
struct AutomaticOptions {
  int points_per_side = 32;
  int points_per_batch = 64;
  float pred_iou_thresh = 0.88f;
  float stability_score_thresh = 0.95f;
  float stability_score_offset = 1.0f;
  float box_nms_thresh = 0.7f;
};

// The defaults of the official generator of the model whose profile this is: SAM2AutomaticMaskGenerator's
// for "sam2" (pred_iou_thresh 0.8), SamAutomaticMaskGenerator's for every other profile (MedSAM and
// MobileSAM ship SAM's).
AutomaticOptions automatic_defaults(const ModelProfile& profile);

// spec: "everything" (the defaults) or {"mode": "everything", "points_per_side": 16, ...}, whose
// values replace the defaults'. An unknown key, a wrong type or an out-of-range value is an Error.
AutomaticOptions parse_automatic_options(const nlohmann::json& spec,
                                         const AutomaticOptions& defaults = AutomaticOptions());

// Every option's value, for summary.json.
std::string describe(const AutomaticOptions& options);

struct GeneratedMask {
  cv::Mat mask;          // CV_8U 0/1, original image size
  float predicted_iou = 0.0f;
  float stability = 0.0f;
  cv::Rect box;          // tight box (mask_box); empty for an empty mask
  cv::Point2d point;     // the grid point that produced it, original pixel coordinates
  int mask_index = 0;    // decoder output, 1..3 (the multimask outputs)
};

// A thresholded full-size mask as generate_masks keeps it until NMS: its tight box and the crop
// there (an empty box and no crop for an empty mask). Only the other fields are left unset.
GeneratedMask cropped_mask(const cv::Mat& mask);

// Grid points, centres of an n x n tiling of the image, row by row (x fastest), in original pixel
// coordinates: x = (1/(2n) + i/n) * width, y = (1/(2n) + j/n) * height.
std::vector<cv::Point2d> point_grid(int points_per_side, int width, int height);

// |logits > threshold + offset| / |logits > threshold - offset| (CV_32F logits). NaN when the
// lower-threshold mask is empty, as the official float division gives.
float stability_score(const cv::Mat& logits, float mask_threshold, float offset);

// torchvision's box IoU for tight boxes: corners x0, y0, x1 = last column, y1 = last row, and
// areas (x1 - x0) * (y1 - y0), so a one-pixel-wide box has area 0.
float box_iou(const cv::Rect& a, const cv::Rect& b);

// torchvision's nms: indices of the kept boxes, highest score first (ties: lowest index); a box
// is dropped when its IoU with a kept higher-scoring box is > iou_thresh.
std::vector<int> box_nms(const std::vector<cv::Rect>& boxes, const std::vector<float>& scores,
                         float iou_thresh);

// The masks that pass the filters and box NMS, highest predicted IoU first (ties: generation
// order, i.e. grid point, then mask index).
std::vector<GeneratedMask> generate_masks(const SamModel& model, const Embedding& embedding,
                                          const ResizeTransform& transform,
                                          const AutomaticOptions& options);

// For each instance, the index of the generated mask with the highest IoU against it (ties:
// lowest index), or -1 when no mask overlaps it: the caller scores it as an empty prediction.
std::vector<int> match_instances(const std::vector<Instance>& instances,
                                 const std::vector<GeneratedMask>& masks);

}  // namespace sambench
