// Debian's ITK 5.2 headers were generated for GCC only ("Unsupported compiler" under clang).
// Forced in front of volume_io.cc in the fuzz build: ITK's compiler detection runs once, seeing
// GCC 12 (whose interface clang implements), and its include guard keeps it from running again.
#pragma push_macro("__clang__")
#pragma push_macro("__GNUC__")
#pragma push_macro("__GNUC_MINOR__")
#undef __clang__
#undef __GNUC__
#undef __GNUC_MINOR__
#define __GNUC__ 12
#define __GNUC_MINOR__ 2
#include <itk_compiler_detection.h>
#pragma pop_macro("__GNUC_MINOR__")
#pragma pop_macro("__GNUC__")
#pragma pop_macro("__clang__")
