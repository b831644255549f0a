// libFuzzer target: see fuzz_inputs.h and scripts/fuzz.sh.
#include "fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sambench::fuzz::load_volume(data, size);
  return 0;
}
