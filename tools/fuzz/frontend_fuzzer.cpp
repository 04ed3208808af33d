//===- frontend_fuzzer.cpp - libFuzzer target for lexer, parser, sema -----===//
//
// Any byte string must give diagnostics or a checked program (printed as
// its syntax tree and its summary): never a crash, a hang or a sanitizer
// report.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/Sema.h"
#include "compiler/frontend/Summary.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lathe::SourceFile file("fuzz.lathe",
                         std::string(reinterpret_cast<const char *>(data), size));
  lathe::DiagnosticEngine diags(file);
  lathe::Program program;
  bool ok = lathe::parseAndCheck(file, diags, program);
  std::string text = diags.render();
  if (ok)
    text += lathe::dumpAST(program, file.name()) +
            lathe::summarize(program, file.name());
  return text.empty() && !ok ? 1 : 0;
}
