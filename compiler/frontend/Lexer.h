//===- Lexer.h - Tokens of the model language -------------------*- C++ -*-===//
#ifndef LATHE_FRONTEND_LEXER_H
#define LATHE_FRONTEND_LEXER_H

#include "compiler/frontend/Diagnostics.h"

#include <string>
#include <vector>

namespace lathe {

enum class Tok {
  Eof,
  Newline, // ends a statement (also `;`); not produced inside () or []
  Ident,
  Int,
  Float,
  String,
  LParen, RParen, LBrace, RBrace, LBracket, RBracket,
  Comma, Colon, Equal, Arrow, Plus, Minus, Star, Slash,
};

const char *tokName(Tok t);

struct Token {
  Tok kind;
  Loc loc;
  std::string text; ///< identifier or string contents, or the literal's spelling
  int64_t intValue = 0;
  double floatValue = 0;
  bool bad = false; ///< already reported (e.g. an out-of-range literal)
};

/// Splits a model file into tokens. `#` and `//` start a line comment,
/// `/* ... */` is a block comment. Newlines end statements except inside
/// parentheses or brackets. Bad characters are reported and skipped.
std::vector<Token> lex(const SourceFile &file, DiagnosticEngine &diags);

} // namespace lathe

#endif
