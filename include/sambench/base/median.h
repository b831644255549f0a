#pragma once

// The median lives in base/, not beside the other statistics in metrics/, because the model-only
// library (sambench_model: model_speed) needs it too and cannot link the core.

#include <vector>

namespace sambench {

// The middle value of `values`, or the mean of the two middle ones for an even count; NaN if
// empty.
double median(std::vector<double> values);

}  // namespace sambench
