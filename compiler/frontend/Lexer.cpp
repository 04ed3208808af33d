//===- Lexer.cpp - Tokens of the model language ---------------------------===//
#include "compiler/frontend/Lexer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

using namespace lathe;

const char *lathe::tokName(Tok t) {
  switch (t) {
  case Tok::Eof: return "end of file";
  case Tok::Newline: return "end of line";
  case Tok::Ident: return "a name";
  case Tok::Int: return "an integer";
  case Tok::Float: return "a number";
  case Tok::String: return "a string";
  case Tok::LParen: return "`(`";
  case Tok::RParen: return "`)`";
  case Tok::LBrace: return "`{`";
  case Tok::RBrace: return "`}`";
  case Tok::LBracket: return "`[`";
  case Tok::RBracket: return "`]`";
  case Tok::Comma: return "`,`";
  case Tok::Colon: return "`:`";
  case Tok::Equal: return "`=`";
  case Tok::Arrow: return "`->`";
  case Tok::Plus: return "`+`";
  case Tok::Minus: return "`-`";
  case Tok::Star: return "`*`";
  case Tok::Slash: return "`/`";
  }
  return "a token";
}

namespace {
class Lexer {
public:
  Lexer(const SourceFile &file, DiagnosticEngine &diags)
      : src_(file.text()), diags_(diags) {}

  std::vector<Token> run() {
    while (!diags_.tooMany()) {
      skipSpaceAndComments();
      if (pos_ >= src_.size())
        break;
      lexOne();
    }
    if (!tokens_.empty() && tokens_.back().kind != Tok::Newline)
      push(Tok::Newline, here(0));
    push(Tok::Eof, here(0));
    return std::move(tokens_);
  }

private:
  const std::string &src_;
  DiagnosticEngine &diags_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  uint32_t line_ = 1, lineStart_ = 0;
  int depth_ = 0; // open ( and [ : newlines inside them are not statement ends

  Loc here(size_t length) const {
    Loc l;
    l.line = line_;
    l.col = static_cast<uint32_t>(pos_ - lineStart_ + 1);
    l.length = static_cast<uint32_t>(std::max<size_t>(length, 1));
    l.offset = static_cast<uint32_t>(pos_);
    return l;
  }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  void newline() {
    ++line_;
    lineStart_ = static_cast<uint32_t>(pos_ + 1);
  }
  Token &push(Tok kind, Loc loc, std::string text = {}) {
    tokens_.push_back(Token{kind, loc, std::move(text)});
    return tokens_.back();
  }

  void skipSpaceAndComments() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '\n') {
        if (depth_ == 0 && !tokens_.empty() &&
            tokens_.back().kind != Tok::Newline)
          push(Tok::Newline, here(1));
        newline();
        ++pos_;
      } else if (c == '#' || (c == '/' && peek(1) == '/')) {
        while (pos_ < src_.size() && src_[pos_] != '\n')
          ++pos_;
      } else if (c == '/' && peek(1) == '*') {
        Loc start = here(2);
        pos_ += 2;
        bool closed = false;
        while (pos_ < src_.size()) {
          if (src_[pos_] == '*' && peek(1) == '/') {
            pos_ += 2;
            closed = true;
            break;
          }
          if (src_[pos_] == '\n')
            newline();
          ++pos_;
        }
        if (!closed)
          diags_.error(start, "unterminated comment",
                       "close the comment with `*/`");
      } else {
        return;
      }
    }
  }

  void lexOne() {
    char c = src_[pos_];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_')
      return lexIdent();
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && std::isdigit(static_cast<unsigned char>(peek(1)))))
      return lexNumber();
    if (c == '"')
      return lexString();
    Loc loc = here(1);
    Tok kind;
    switch (c) {
    case '(': kind = Tok::LParen; ++depth_; break;
    case '[': kind = Tok::LBracket; ++depth_; break;
    case ')': kind = Tok::RParen; depth_ = std::max(0, depth_ - 1); break;
    case ']': kind = Tok::RBracket; depth_ = std::max(0, depth_ - 1); break;
    case '{': kind = Tok::LBrace; depth_ = 0; break;
    case '}': kind = Tok::RBrace; depth_ = 0; break;
    case ',': kind = Tok::Comma; break;
    case ':': kind = Tok::Colon; break;
    case '=': kind = Tok::Equal; break;
    case '+': kind = Tok::Plus; break;
    case '*': kind = Tok::Star; break;
    case '/': kind = Tok::Slash; break;
    case ';':
      ++pos_;
      if (!tokens_.empty() && tokens_.back().kind != Tok::Newline)
        push(Tok::Newline, loc);
      return;
    case '-':
      if (peek(1) == '>') {
        loc.length = 2;
        pos_ += 2;
        push(Tok::Arrow, loc, "->");
        return;
      }
      kind = Tok::Minus;
      break;
    default:
      return lexBad();
    }
    ++pos_;
    push(kind, loc, std::string(1, c));
  }

  void lexBad() {
    Loc loc = here(1);
    size_t start = pos_;
    auto isBad = [](char ch) {
      unsigned char u = static_cast<unsigned char>(ch);
      return !(std::isalnum(u) || std::isspace(u) ||
               std::string_view("_\"()[]{},:=+-*/;#.").find(ch) !=
                   std::string_view::npos);
    };
    while (pos_ < src_.size() && isBad(src_[pos_]) && src_[pos_] != '\n')
      ++pos_;
    loc.length = static_cast<uint32_t>(pos_ - start);
    unsigned char first = static_cast<unsigned char>(src_[start]);
    std::string shown = first >= 0x20 && first < 0x7f
                            ? fmt::format("`{}`", static_cast<char>(first))
                            : fmt::format("byte 0x{:02x}", first);
    diags_.error(loc, fmt::format("unexpected character {}", shown),
                 first >= 0x80 || first < 0x20
                     ? "model files are plain text; is this the right file?"
                     : "");
  }

  void lexIdent() {
    Loc loc = here(0);
    size_t start = pos_;
    while (pos_ < src_.size() &&
           (std::isalnum(static_cast<unsigned char>(src_[pos_])) ||
            src_[pos_] == '_'))
      ++pos_;
    loc.length = static_cast<uint32_t>(pos_ - start);
    push(Tok::Ident, loc, src_.substr(start, pos_ - start));
  }

  void lexNumber() {
    Loc loc = here(0);
    size_t start = pos_;
    bool isFloat = false;
    while (std::isdigit(static_cast<unsigned char>(peek())))
      ++pos_;
    if (peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1)))) {
      isFloat = true;
      ++pos_;
      while (std::isdigit(static_cast<unsigned char>(peek())))
        ++pos_;
    } else if (peek() == '.' && pos_ > start) {
      isFloat = true; // `1.`
      ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      size_t save = pos_;
      ++pos_;
      if (peek() == '+' || peek() == '-')
        ++pos_;
      if (std::isdigit(static_cast<unsigned char>(peek()))) {
        isFloat = true;
        while (std::isdigit(static_cast<unsigned char>(peek())))
          ++pos_;
      } else {
        pos_ = save;
      }
    }
    std::string text = src_.substr(start, pos_ - start);
    loc.length = static_cast<uint32_t>(text.size());
    if (std::isalpha(static_cast<unsigned char>(peek())) || peek() == '_') {
      size_t end = pos_;
      while (end < src_.size() &&
             (std::isalnum(static_cast<unsigned char>(src_[end])) ||
              src_[end] == '_'))
        ++end;
      loc.length = static_cast<uint32_t>(end - start);
      diags_.error(loc,
                   fmt::format("invalid number `{}`",
                               src_.substr(start, end - start)),
                   "names start with a letter or `_`");
      pos_ = end;
      return;
    }
    Token &tok = push(isFloat ? Tok::Float : Tok::Int, loc, text);
    if (isFloat) {
      tok.floatValue = std::strtod(text.c_str(), nullptr);
      if (!std::isfinite(tok.floatValue)) {
        diags_.error(loc, fmt::format("number `{}` is out of range", text));
        tok.floatValue = 0;
        tok.bad = true;
      }
      return;
    }
    int64_t v = 0;
    for (char d : text) {
      if (__builtin_mul_overflow(v, 10, &v) ||
          __builtin_add_overflow(v, d - '0', &v)) {
        diags_.error(loc, fmt::format("integer `{}` is too large", text),
                     "sizes and counts must fit in 64 bits");
        v = 0;
        tok.bad = true;
        break;
      }
    }
    tok.intValue = v;
  }

  void lexString() {
    Loc loc = here(0);
    size_t start = pos_++;
    std::string value;
    while (pos_ < src_.size() && src_[pos_] != '"' && src_[pos_] != '\n') {
      if (src_[pos_] == '\\' && pos_ + 1 < src_.size() &&
          (src_[pos_ + 1] == '"' || src_[pos_ + 1] == '\\'))
        ++pos_;
      value += src_[pos_++];
    }
    loc.length = static_cast<uint32_t>(pos_ - start);
    if (pos_ >= src_.size() || src_[pos_] != '"') {
      diags_.error(loc, "unterminated string", "close the string with `\"`");
      push(Tok::String, loc, value).bad = true;
      return;
    }
    ++pos_;
    loc.length++;
    push(Tok::String, loc, value);
  }
};
} // namespace

std::vector<Token> lathe::lex(const SourceFile &file,
                              DiagnosticEngine &diags) {
  return Lexer(file, diags).run();
}
