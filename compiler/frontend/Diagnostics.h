//===- Diagnostics.h - Located errors for model files -----------*- C++ -*-===//
//
// Every front-end error names `file:line:col`, shows the source line with a
// caret under the offending token, and may carry a hint. The engine keeps
// going after an error so one run reports every independent mistake.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_FRONTEND_DIAGNOSTICS_H
#define LATHE_FRONTEND_DIAGNOSTICS_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

/// A position in a model file: 1-based line and column, and the length in
/// bytes of the token it points at (at least 1 when rendered).
struct Loc {
  uint32_t line = 0, col = 0, length = 1;
  uint32_t offset = 0;
  bool valid() const { return line != 0; }
};

/// The text of one model file and where its lines start.
class SourceFile {
public:
  SourceFile(std::string name, std::string text);
  const std::string &name() const { return name_; }
  const std::string &text() const { return text_; }
  /// The text of line `line` (1-based), without its newline.
  std::string_view lineText(uint32_t line) const;

private:
  std::string name_, text_;
  std::vector<uint32_t> lineStarts_;
};

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity;
  Loc loc;
  std::string message, hint;
};

class DiagnosticEngine {
public:
  explicit DiagnosticEngine(const SourceFile &file, unsigned maxErrors = 20)
      : file_(file), maxErrors_(maxErrors) {}

  void error(Loc loc, std::string message, std::string hint = {});
  void warning(Loc loc, std::string message, std::string hint = {});

  unsigned errorCount() const { return errors_; }
  bool hasErrors() const { return errors_ != 0; }
  /// True once the error limit is reached; callers stop early.
  bool tooMany() const { return errors_ >= maxErrors_; }
  const std::vector<Diagnostic> &diagnostics() const { return diags_; }

  /// Renders every diagnostic, in source order, as
  /// `file:line:col: error: message`, the line, a caret and the hint.
  std::string render() const;
  void print(std::FILE *out) const;

private:
  const SourceFile &file_;
  unsigned maxErrors_;
  unsigned errors_ = 0;
  std::vector<Diagnostic> diags_;
};

/// The candidate closest to `word` by edit distance, or "" when none is close
/// enough to be a likely typo.
std::string closestMatch(std::string_view word,
                         const std::vector<std::string_view> &candidates);

} // namespace lathe

#endif
