#pragma once

namespace sambench {

// Filled in by CMake at configure time; both go into every summary.json.
const char* version();
const char* git_commit();

}  // namespace sambench
