//===- Safetensors.cpp - Tensors on disk in the safetensors format --------===//
#include "runtime/Safetensors.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cctype>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>

using namespace lathe::rt;

const NamedTensor *TensorFile::find(const std::string &name) const {
  for (const NamedTensor &t : tensors)
    if (t.name == name)
      return &t;
  return nullptr;
}

static NamedTensor raw(const std::string &name, const char *dtype,
                       std::vector<int64_t> shape, const void *data) {
  NamedTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  int64_t n = 1;
  for (int64_t d : t.shape)
    n *= d;
  t.bytes.resize(n * 4);
  std::memcpy(t.bytes.data(), data, t.bytes.size());
  return t;
}

NamedTensor lathe::rt::f32Tensor(const std::string &name,
                                 std::vector<int64_t> shape,
                                 const float *data) {
  return raw(name, "F32", std::move(shape), data);
}

NamedTensor lathe::rt::i32Tensor(const std::string &name,
                                 std::vector<int64_t> shape,
                                 const int32_t *data) {
  return raw(name, "I32", std::move(shape), data);
}

static std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

bool lathe::rt::writeSafetensors(const std::string &path,
                                 const TensorFile &file, std::string &error) {
  std::string header = "{";
  size_t offset = 0;
  if (!file.metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (auto &[k, v] : file.metadata) {
      header += fmt::format("{}{}:{}", first ? "" : ",", jsonString(k),
                            jsonString(v));
      first = false;
    }
    header += "}";
  }
  for (const NamedTensor &t : file.tensors) {
    header += fmt::format("{}{}:{{\"dtype\":\"{}\",\"shape\":[{}],"
                          "\"data_offsets\":[{},{}]}}",
                          header.size() > 1 ? "," : "", jsonString(t.name),
                          t.dtype, fmt::join(t.shape, ","), offset,
                          offset + t.bytes.size());
    offset += t.bytes.size();
  }
  header += "}";
  while (header.size() % 8)
    header += ' ';
  std::string tmp = path + ".tmp";
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    error = fmt::format("{}: cannot write: {}", tmp, std::strerror(errno));
    return false;
  }
  uint64_t n = header.size();
  uint8_t len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = uint8_t(n >> (8 * i));
  bool ok = std::fwrite(len, 1, 8, f) == 8 &&
            std::fwrite(header.data(), 1, n, f) == n;
  for (const NamedTensor &t : file.tensors)
    ok = ok && std::fwrite(t.bytes.data(), 1, t.bytes.size(), f) ==
                   t.bytes.size();
  ok = (std::fflush(f) == 0) && ok;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = fmt::format("{}: cannot write: {}", path, std::strerror(errno));
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

bool lathe::rt::writeSafetensorsFiles(
    const std::string &dir,
    std::initializer_list<std::pair<const char *, const TensorFile *>> files,
    std::string &error) {
  for (auto [name, file] : files)
    if (!writeSafetensors(dir + "/" + name + ".safetensors", *file, error))
      return false;
  return true;
}

namespace {
/// A small reader for the flat JSON of a safetensors header.
class HeaderParser {
public:
  HeaderParser(const std::string &s) : s_(s) {}
  bool parse(TensorFile &file, std::string &error) {
    if (!eat('{'))
      return fail(error, "header is not a JSON object");
    if (eat('}'))
      return true;
    do {
      std::string name;
      if (!string(name) || !eat(':'))
        return fail(error, "bad tensor name");
      if (name == "__metadata__") {
        if (!eat('{'))
          return fail(error, "bad metadata");
        if (!eat('}')) {
          do {
            std::string k, v;
            if (!string(k) || !eat(':') || !string(v))
              return fail(error, "bad metadata entry");
            file.metadata[k] = v;
          } while (eat(','));
          if (!eat('}'))
            return fail(error, "bad metadata");
        }
        continue;
      }
      NamedTensor t;
      t.name = name;
      std::vector<int64_t> offsets;
      if (!eat('{'))
        return fail(error, "bad entry for " + name);
      do {
        std::string key;
        if (!string(key) || !eat(':'))
          return fail(error, "bad entry for " + name);
        if (key == "dtype") {
          if (!string(t.dtype))
            return fail(error, "bad dtype for " + name);
        } else if (key == "shape" || key == "data_offsets") {
          std::vector<int64_t> &v = key == "shape" ? t.shape : offsets;
          if (!eat('['))
            return fail(error, "bad " + key + " for " + name);
          if (!eat(']')) {
            do {
              int64_t x;
              if (!number(x))
                return fail(error, "bad " + key + " for " + name);
              v.push_back(x);
            } while (eat(','));
            if (!eat(']'))
              return fail(error, "bad " + key + " for " + name);
          }
        } else {
          return fail(error, "unknown key " + key);
        }
      } while (eat(','));
      if (!eat('}') || offsets.size() != 2 || offsets[0] > offsets[1])
        return fail(error, "bad entry for " + name);
      begin.push_back(offsets[0]);
      end.push_back(offsets[1]);
      file.tensors.push_back(std::move(t));
    } while (eat(','));
    if (!eat('}'))
      return fail(error, "unterminated header");
    return true;
  }
  std::vector<int64_t> begin, end;

private:
  const std::string &s_;
  size_t i_ = 0;
  void ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
      ++i_;
  }
  bool eat(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool string(std::string &out) {
    ws();
    if (i_ >= s_.size() || s_[i_] != '"')
      return false;
    ++i_;
    out.clear();
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\' && i_ + 1 < s_.size())
        ++i_;
      out += s_[i_++];
    }
    return i_++ < s_.size();
  }
  bool number(int64_t &out) {
    ws();
    size_t start = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
      ++i_;
    if (start == i_ || i_ - start > 18)
      return false;
    out = std::stoll(s_.substr(start, i_ - start));
    return true;
  }
  bool fail(std::string &error, const std::string &msg) {
    error = msg;
    return false;
  }
};
} // namespace

bool lathe::rt::readSafetensors(const std::string &path, TensorFile &file,
                                std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("{}: cannot read: {}", path, std::strerror(errno));
    return false;
  }
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  in.seekg(0);
  uint8_t len[8];
  if (size < 8 || !in.read(reinterpret_cast<char *>(len), 8)) {
    error = fmt::format("{}: not a safetensors file (too short)", path);
    return false;
  }
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= uint64_t(len[i]) << (8 * i);
  if (n > uint64_t(size - 8) || n > (1u << 26)) {
    error = fmt::format("{}: not a safetensors file (header length {})", path,
                        n);
    return false;
  }
  std::string header(n, '\0');
  in.read(header.data(), n);
  HeaderParser parser(header);
  std::string why;
  if (!parser.parse(file, why)) {
    error = fmt::format("{}: corrupt header: {}", path, why);
    return false;
  }
  int64_t dataSize = size - 8 - int64_t(n);
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    NamedTensor &t = file.tensors[i];
    int64_t count = 1;
    for (int64_t d : t.shape)
      count *= d;
    int64_t bytes = parser.end[i] - parser.begin[i];
    if ((t.dtype != "F32" && t.dtype != "I32") || bytes != count * 4 ||
        parser.end[i] > dataSize) {
      error = fmt::format("{}: tensor '{}' is truncated or not F32/I32", path,
                          t.name);
      return false;
    }
    t.bytes.resize(bytes);
    in.seekg(8 + int64_t(n) + parser.begin[i]);
    in.read(reinterpret_cast<char *>(t.bytes.data()), bytes);
  }
  return true;
}
