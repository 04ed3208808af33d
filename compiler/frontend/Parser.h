//===- Parser.h - Recursive-descent parser for model files ------*- C++ -*-===//
#ifndef LATHE_FRONTEND_PARSER_H
#define LATHE_FRONTEND_PARSER_H

#include "compiler/frontend/AST.h"

namespace lathe {

/// Parses a whole model file. Syntax errors go to `diags`; the parser
/// recovers at the next statement, so every independent error is reported.
/// Items with syntax errors are kept but marked `broken`.
Program parseProgram(const SourceFile &file, DiagnosticEngine &diags);

} // namespace lathe

#endif
