//===- Diagnostics.cpp - Located errors for model files -------------------===//
#include "compiler/frontend/Diagnostics.h"

#include <algorithm>
#include <fmt/format.h>

using namespace lathe;

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  lineStarts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n')
      lineStarts_.push_back(static_cast<uint32_t>(i + 1));
}

std::string_view SourceFile::lineText(uint32_t line) const {
  if (line == 0 || line > lineStarts_.size())
    return {};
  size_t begin = lineStarts_[line - 1];
  size_t end = text_.find('\n', begin);
  if (end == std::string::npos)
    end = text_.size();
  if (end > begin && text_[end - 1] == '\r')
    --end;
  return std::string_view(text_).substr(begin, end - begin);
}

void DiagnosticEngine::error(Loc loc, std::string message, std::string hint) {
  if (tooMany())
    return;
  ++errors_;
  diags_.push_back({Severity::Error, loc, std::move(message), std::move(hint)});
  if (tooMany())
    diags_.push_back({Severity::Error, loc,
                      fmt::format("too many errors ({}), stopping", errors_),
                      ""});
}

void DiagnosticEngine::warning(Loc loc, std::string message,
                               std::string hint) {
  diags_.push_back(
      {Severity::Warning, loc, std::move(message), std::move(hint)});
}

/// Shows at most this many bytes of a source line around the caret.
static constexpr size_t kMaxShown = 100;

std::string DiagnosticEngine::render() const {
  // Source order; diagnostics at one position keep the order they came in.
  std::vector<const Diagnostic *> order;
  for (const Diagnostic &d : diags_)
    order.push_back(&d);
  std::sort(order.begin(), order.end(), [](auto *a, auto *b) {
    if (a->loc.line != b->loc.line)
      return a->loc.line < b->loc.line;
    if (a->loc.col != b->loc.col)
      return a->loc.col < b->loc.col;
    return a < b;
  });
  std::string out;
  for (const Diagnostic *d : order) {
    const char *kind = d->severity == Severity::Error ? "error" : "warning";
    if (!d->loc.valid()) {
      out += fmt::format("{}: {}: {}\n", file_.name(), kind, d->message);
    } else {
      out += fmt::format("{}:{}:{}: {}: {}\n", file_.name(), d->loc.line,
                         d->loc.col, kind, d->message);
      std::string_view line = file_.lineText(d->loc.line);
      size_t caret = std::min<size_t>(d->loc.col - 1, line.size());
      size_t begin = caret > kMaxShown / 2 ? caret - kMaxShown / 2 : 0;
      std::string_view shown = line.substr(begin, kMaxShown);
      std::string text, marks;
      for (size_t i = 0; i < shown.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(shown[i]);
        bool printable = c == '\t' || (c >= 0x20 && c < 0x7f) || c >= 0x80;
        text += printable ? static_cast<char>(c) : '?';
        if (begin + i < caret)
          marks += c == '\t' ? '\t' : ' ';
      }
      size_t len = std::max<uint32_t>(d->loc.length, 1);
      len = std::min(len, std::max<size_t>(shown.size() + begin, caret + 1) -
                              caret);
      len = std::min<size_t>(len, kMaxShown);
      marks += '^';
      if (len > 1)
        marks += std::string(len - 1, '~');
      out += fmt::format("  {}\n  {}\n", text, marks);
    }
    if (!d->hint.empty())
      out += fmt::format("  hint: {}\n", d->hint);
  }
  return out;
}

void DiagnosticEngine::print(std::FILE *out) const {
  fmt::print(out, "{}", render());
}

std::string lathe::closestMatch(std::string_view word,
                                const std::vector<std::string_view> &cands) {
  if (word.size() > 64)
    return {};
  std::string best;
  size_t bestDist = std::max<size_t>(2, word.size() / 3) + 1;
  for (std::string_view c : cands) {
    // Levenshtein distance with one row.
    std::vector<size_t> row(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j)
      row[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      size_t prev = row[0];
      row[0] = i;
      for (size_t j = 1; j <= c.size(); ++j) {
        size_t cur = row[j];
        size_t sub = prev + (word[i - 1] == c[j - 1] ? 0 : 1);
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, sub});
        prev = cur;
      }
    }
    if (row[c.size()] < bestDist) {
      bestDist = row[c.size()];
      best = std::string(c);
    }
  }
  return best;
}
