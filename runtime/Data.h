//===- Data.h - Datasets for training and evaluation ------------*- C++ -*-===//
#ifndef LATHE_RUNTIME_DATA_H
#define LATHE_RUNTIME_DATA_H

#include "runtime/ModelInfo.h"

#include <cstdint>
#include <algorithm>
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
  /// Inputs kept as bytes (images: a quarter of the memory, and of what a
  /// batch gathers), each standing for byte * byteScale + byteShift; `x` is
  /// then empty. Read rows through row() and value().
  std::vector<uint8_t> bytes;
  float byteScale = 1, byteShift = 0;

  /// Sample i's features, as floats, into `out`.
  void row(int64_t i, float *out) const {
    if (bytes.empty()) {
      std::copy(x.begin() + i * features, x.begin() + (i + 1) * features, out);
      return;
    }
    const uint8_t *b = bytes.data() + i * features;
    for (int64_t j = 0; j < features; ++j)
      out[j] = float(b[j]) * byteScale + byteShift;
  }
  /// Asks the caches for sample i's features and target: a shuffled batch's
  /// rows lie scattered over the data set, and their misses then overlap
  /// instead of coming one row at a time.
  void prefetchRow(int64_t i) const {
    const char *p =
        bytes.empty()
            ? reinterpret_cast<const char *>(x.data() + i * features)
            : reinterpret_cast<const char *>(bytes.data() + i * features);
    int64_t size = features * (bytes.empty() ? int64_t(sizeof(float)) : 1);
    for (int64_t o = 0; o < size; o += 64)
      __builtin_prefetch(p + o);
    if (!labels.empty())
      __builtin_prefetch(labels.data() + i);
    else if (!y.empty())
      __builtin_prefetch(y.data() + i * targetWidth);
  }
  /// Feature j of sample i.
  float value(int64_t i, int64_t j) const {
    return bytes.empty() ? x[i * features + j]
                         : float(bytes[i * features + j]) * byteScale +
                               byteShift;
  }

  /// The samples at `index`, in that order.
  Dataset select(const std::vector<int64_t> &index) const;
  /// Keeps the first `count` samples (in place: no copy).
  void truncate(int64_t count);
};

/// How a data set's features were scaled (`standardize=true`): x' = (x -
/// mean) / scale per feature, with the training split's statistics. Empty
/// when they were not.
struct Standardization {
  std::vector<float> mean, scale;
  bool empty() const { return mean.empty(); }
};

struct Splits {
  Dataset train, test;
  Standardization scaling;
  std::string description; ///< one line: where the data came from
  /// Text data: the vocabulary built on the training split (words by id,
  /// from id 2; 0 is padding, 1 out of vocabulary), and the class names.
  std::vector<std::string> vocabulary, classNames;
};

/// How an image data set gives its samples: images of `height` x `width`
/// bytes, which the model reads as byte * scale + shift.
struct ImageFormat {
  int height = 0, width = 0;
  float scale = 1, shift = 0;
};

/// The image format of the model's data set; false where it is not one of
/// images.
bool imageFormat(const ModelInfo &info, ImageFormat &out);

/// The data setting `key` (`data.KEY` of the model), or `fallback`.
std::string dataOption(const ModelInfo &info, const std::string &key,
                       const std::string &fallback = "");

/// A list-valued data setting (stored joined with '|'), e.g. the features.
std::vector<std::string> dataList(const ModelInfo &info,
                                  const std::string &key);

/// The first existing file among `given` (when not empty), the `relative`
/// candidates under $LATHE_DATA_DIR and ./.data, and the `system` paths;
/// empty when none exists.
std::string findDataFile(const std::string &given,
                         const std::vector<std::string> &relative,
                         const std::vector<std::string> &system);

/// Loads the dataset the model's `data.*` settings name (`data.kind`,
/// `data.path`, ...), split into train and test. On failure returns false
/// with an error that names the file and what is wrong with it.
bool loadData(const ModelInfo &info, Splits &out, std::string &error);

/// Reads a gzipped IDX file (`magic` 2049: labels, 2051: images).
bool readIdx(const std::string &path, uint32_t magic,
             std::vector<int64_t> &dims, std::vector<uint8_t> &bytes,
             std::string &error);

/// Reads a CSV file (gzipped or not) into rows of cells; the first row is
/// the header.
bool readCsv(const std::string &path, std::vector<std::vector<std::string>> &rows,
             std::string &error);

} // namespace lathe::rt

#endif
