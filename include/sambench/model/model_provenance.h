#pragma once

// Whether a model looks like what sambench's exporter makes from an official checkpoint. Only a
// hint for the eval header: a .pt is a program, and its metadata is text anyone can write
// (docs/security.md).

#include <string>

#include "sambench/model/sam_model.h"

namespace sambench {

// The model type whose official checkpoint has this SHA-256, or "" when it is none sambench knows.
std::string official_checkpoint_type(const std::string& checkpoint_sha256);

// Why the model does not look like a sambench export of a known official checkpoint ("its
// metadata records no checkpoint: random weights"), or "" when it does.
std::string provenance_doubt(const ModelInfo& info);

}  // namespace sambench
