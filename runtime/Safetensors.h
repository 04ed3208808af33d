//===- Safetensors.h - Tensors on disk in the safetensors format -*- C++ -*-===//
//
// An 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the raw little-endian data. Files are
// written to a temporary name and renamed, so a crash never leaves half a
// checkpoint.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_RUNTIME_SAFETENSORS_H
#define LATHE_RUNTIME_SAFETENSORS_H

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace lathe::rt {

struct NamedTensor {
  std::string name;
  std::string dtype = "F32"; ///< F32 or I32
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

struct TensorFile {
  std::vector<NamedTensor> tensors;
  std::map<std::string, std::string> metadata;
  const NamedTensor *find(const std::string &name) const;
};

NamedTensor f32Tensor(const std::string &name, std::vector<int64_t> shape,
                      const float *data);
NamedTensor i32Tensor(const std::string &name, std::vector<int64_t> shape,
                      const int32_t *data);

/// Writes atomically (temporary file + rename). False with `error` set on
/// failure; the previous file, if any, is left as it was.
bool writeSafetensors(const std::string &path, const TensorFile &file,
                      std::string &error);
/// Writes DIR/NAME.safetensors for each (NAME, file); stops at the first
/// failure.
bool writeSafetensorsFiles(
    const std::string &dir,
    std::initializer_list<std::pair<const char *, const TensorFile *>> files,
    std::string &error);

/// Reads a file written by any safetensors writer (F32/I32 tensors).
bool readSafetensors(const std::string &path, TensorFile &file,
                     std::string &error);

} // namespace lathe::rt

#endif
