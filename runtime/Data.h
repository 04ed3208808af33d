//===- Data.h - Datasets for training and evaluation ------------*- C++ -*-===//
#ifndef LATHE_RUNTIME_DATA_H
#define LATHE_RUNTIME_DATA_H

#include "runtime/ModelInfo.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::rt {

/// Samples in memory: `x` holds `n * features` values; targets are either
/// integer `labels` (classes) or `n * targetWidth` values in `y`.
struct Dataset {
  int64_t n = 0, features = 0, targetWidth = 1;
  std::vector<float> x, y;
  std::vector<int32_t> labels;

  /// The samples at `index`, in that order.
  Dataset select(const std::vector<int64_t> &index) const;
};

struct Splits {
  Dataset train, test;
  std::string description; ///< one line: where the data came from
};

/// Loads the dataset the model's `data.*` settings name (`data.kind`,
/// `data.path`, ...), split into train and test. On failure returns false
/// with an error that names the file and what is wrong with it.
bool loadData(const ModelInfo &info, Splits &out, std::string &error);

/// Reads a gzipped IDX file (`magic` 2049: labels, 2051: images).
bool readIdx(const std::string &path, uint32_t magic,
             std::vector<int64_t> &dims, std::vector<uint8_t> &bytes,
             std::string &error);

/// Reads a CSV file into rows of cells; the first row is the header.
bool readCsv(const std::string &path, std::vector<std::vector<std::string>> &rows,
             std::string &error);

} // namespace lathe::rt

#endif
