#pragma once

// One factory per dataset family; dataset.cc maps config names to them.

#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "sambench/dataset.h"

namespace sambench {

std::unique_ptr<Dataset> make_folder_dataset(const nlohmann::json& options,
                                             const std::filesystem::path& base);

}  // namespace sambench
