//===- Text.h - Tokenizer, vocabulary and text corpora ----------*- C++ -*-===//
//
// Text becomes token ids the way Keras' Tokenizer(num_words, oov_token) and
// pad_sequences do it: lowercase, punctuation to spaces, split; ids by
// descending frequency on the training split (ties in order of first
// appearance), 0 for padding, 1 for words outside the vocabulary; sequences
// cut and padded at the front to the model's length.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_RUNTIME_TEXT_H
#define LATHE_RUNTIME_TEXT_H

#include "runtime/Data.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lathe::rt {

/// Lowercased words of `text`, split at whitespace and punctuation (Keras'
/// filters). Bytes outside ASCII are kept as they are: invalid UTF-8 is fine.
std::vector<std::string> tokenize(std::string_view text);

/// The body of a raw email: headers dropped at the first blank line, HTML
/// tags removed.
std::string emailBody(std::string_view raw);

/// The text a model reads of a file given to `predict`: for the email
/// corpus, the body when the file starts with headers, without tags.
std::string textBody(const ModelInfo &info, std::string_view raw);

/// The names of a text model's classes (ham/spam, the Brown categories).
std::vector<std::string> classNames(const ModelInfo &info);

class Vocabulary {
public:
  Vocabulary() = default;
  /// From words by id (id 2 first).
  explicit Vocabulary(std::vector<std::string> words);
  /// The `size - 2` most frequent words of `docs`.
  static Vocabulary build(const std::vector<std::vector<std::string>> &docs,
                          int64_t size);

  /// `tokens` as `length` ids: the last `length` tokens, zeros in front.
  void encode(const std::vector<std::string> &tokens, int64_t length,
              float *out) const;
  const std::vector<std::string> &words() const { return words_; }

  /// A text file: a header line, then one word per line from id 2.
  bool save(const std::string &path, std::string &error) const;
  bool load(const std::string &path, std::string &error);

private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, int32_t> ids_;
};

/// The vocabulary file that goes with a checkpoint.
std::string vocabularyPath(const std::string &checkpoint);

/// SpamAssassin (`data/<group>/*.txt`; ham and spam groups) and the Brown
/// corpus (`cats.txt` and the `word/tag` files; the categories the model
/// names, one sample per `length`-token window of a text), split seeded and
/// stratified by class.
bool loadSpamAssassin(const ModelInfo &info, Splits &out, std::string &error);
bool loadBrown(const ModelInfo &info, Splits &out, std::string &error);

} // namespace lathe::rt

#endif
