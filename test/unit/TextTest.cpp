//===- TextTest.cpp - The tokenizer, vocabulary and email reader ----------===//
//
// Prints one line per failed expectation and a summary; exits non-zero on
// any failure. Run by text.test.
//
//===----------------------------------------------------------------------===//
#include "runtime/Text.h"
#include "test/unit/Expect.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

using namespace lathe::rt;

namespace {
using lathe::test::expect;

template <typename T>
void expectEq(const T &got, const T &want, const char *what) {
  expect(got == want, fmt::format("{}: got {}, want {}", what, got, want));
}

std::vector<float> encode(const Vocabulary &v,
                          const std::vector<std::string> &tokens, int64_t n) {
  std::vector<float> out(size_t(n), -1.0f);
  v.encode(tokens, n, out.data());
  return out;
}
} // namespace

int main() {
  using Words = std::vector<std::string>;
  // Keras' filters split and vanish; the apostrophe stays in a word; case
  // folds; bytes that are not UTF-8 are kept.
  expectEq(tokenize("Hello, World!  It's 2 o'clock--NOW\t(ok)"),
           Words{"hello", "world", "it's", "2", "o'clock", "now", "ok"},
           "tokenize punctuation");
  expectEq(tokenize("caf\xe9 na\xefve"), Words{"caf\xe9", "na\xefve"},
           "tokenize bytes");
  expectEq(tokenize(" ...  "), Words{}, "tokenize nothing");

  // Headers end at the first blank line (LF or CRLF); tags go, a lone '<'
  // stays text.
  expectEq(tokenize(emailBody("From: a@b.c\nSubject: Win\n\nClick <a "
                              "href=\"x\">HERE</a> if 3 < 4")),
           Words{"click", "here", "if", "3", "4"}, "email body");
  expectEq(tokenize(emailBody("Subject: x\r\n\r\nbody text")),
           Words{"body", "text"}, "email body CRLF");

  // Ids by frequency, ties by first appearance; 0 pads, 1 is unknown; the
  // vocabulary holds size - 2 words.
  Vocabulary v = Vocabulary::build(
      {{"b", "a", "c", "a"}, {"d", "c", "b", "a", "e"}}, 5);
  expectEq(v.words(), Words{"a", "b", "c"}, "vocabulary order");
  // Padding and truncation at the front, as pad_sequences does by default.
  expectEq(encode(v, {"c", "zzz", "a"}, 5),
           std::vector<float>{0, 0, 4, 1, 2}, "pad in front");
  expectEq(encode(v, {"a", "b", "c", "a", "b"}, 3),
           std::vector<float>{4, 2, 3}, "truncate in front");

  return lathe::test::summary();
}
