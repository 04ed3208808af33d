//===- png_fuzzer.cpp - libFuzzer target for the PNG reader ---------------===//
//
// Any byte string must give gray pixels or an error: never a crash, a hang,
// an allocation beyond the size limit or a sanitizer report.
//
//===----------------------------------------------------------------------===//
#include "runtime/PngRead.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int width = 0, height = 0;
  std::vector<uint8_t> gray;
  std::string error;
  if (lathe::rt::decodePngGray(data, size, width, height, gray, error))
    return gray.size() == size_t(width) * size_t(height) ? 0 : -1;
  return error.empty() ? -1 : 0;
}
