//===- Parser.cpp - Recursive-descent parser for model files --------------===//
//
// Grammar (LANGUAGE.md has the prose):
//   file      := { model | network | gan }
//   model     := 'model' NAME '{' { stmt } '}'
//   network   := 'network' NAME '(' NAME ':' type ')' [ '->' type ] '{' { call } '}'
//   gan       := 'gan' NAME '{' { stmt } '}'
//   stmt      := 'input' NAME ':' type | 'target' NAME ':' target
//              | 'loss' call | 'optimizer' call | 'data' call | 'noise' call
//              | 'metrics' NAME { ',' NAME } | 'train' arg { ',' arg }
//              | 'generator' NAME | 'discriminator' NAME | call
//   call      := NAME [ '(' [ arg { ',' arg } ] ')' ]
//   arg       := [ NAME '=' ] value
//   value     := expr | STRING | '[' [ value { ',' value } ] ']'
//   expr      := term { ('+' | '-') term }      term := unary { ('*' | '/') unary }
//   unary     := '-' unary | INT | FLOAT | NAME | '(' expr ')'
//   type      := ('f32' | 'i32') '[' expr { ',' expr } ']'
//   target    := type | 'class' '(' expr ')' | 'onehot' '(' expr ')' | 'binary'
// Statements end at a newline or `;`.
//
//===----------------------------------------------------------------------===//
#include "compiler/frontend/Parser.h"
#include "compiler/frontend/Lexer.h"

#include <fmt/format.h>

using namespace lathe;

namespace {
constexpr int kMaxDepth = 32;

class Parser {
public:
  Parser(const SourceFile &file, DiagnosticEngine &diags)
      : diags_(diags), toks_(lex(file, diags)) {}

  Program run() {
    Program prog;
    while (!diags_.tooMany()) {
      skipNewlines();
      const Token &t = tok();
      if (t.kind == Tok::Eof)
        break;
      unsigned before = diags_.errorCount();
      sawBad_ = false;
      if (isIdent("model")) {
        Model m = parseModel();
        m.broken = diags_.errorCount() != before || sawBad_;
        prog.models.push_back(std::move(m));
      } else if (isIdent("network")) {
        Network n = parseNetwork();
        n.broken = diags_.errorCount() != before || sawBad_;
        prog.networks.push_back(std::move(n));
      } else if (isIdent("gan")) {
        Gan g = parseGan();
        g.broken = diags_.errorCount() != before || sawBad_;
        prog.gans.push_back(std::move(g));
      } else {
        std::string hint = "a file holds `model`, `network` and `gan` blocks";
        if (t.kind == Tok::Ident) {
          std::string m = closestMatch(t.text, {"model", "network", "gan"});
          if (!m.empty())
            hint = fmt::format("did you mean `{}`?", m);
        }
        diags_.error(t.loc,
                     fmt::format("expected `model`, `network` or `gan`, got {}",
                                 describe(t)),
                     hint);
        skipToItem();
      }
    }
    return prog;
  }

private:
  DiagnosticEngine &diags_;
  std::vector<Token> toks_;
  size_t idx_ = 0;
  int depth_ = 0;
  bool sawBad_ = false; // consumed a token the lexer already reported

  const Token &tok(size_t ahead = 0) const {
    return toks_[std::min(idx_ + ahead, toks_.size() - 1)];
  }
  const Token &take() {
    const Token &t = tok();
    if (idx_ < toks_.size() - 1)
      ++idx_;
    return t;
  }
  bool is(Tok k) const { return tok().kind == k; }
  bool isIdent(std::string_view text) const {
    return tok().kind == Tok::Ident && tok().text == text;
  }
  bool consume(Tok k) {
    if (!is(k))
      return false;
    take();
    return true;
  }
  static std::string describe(const Token &t) {
    switch (t.kind) {
    case Tok::Ident: return fmt::format("`{}`", t.text);
    case Tok::Int: case Tok::Float: return fmt::format("`{}`", t.text);
    case Tok::String: return fmt::format("\"{}\"", t.text);
    default: return tokName(t.kind);
    }
  }
  bool expect(Tok k, std::string_view context) {
    if (consume(k))
      return true;
    diags_.error(tok().loc,
                 fmt::format("expected {} {}, got {}", tokName(k), context,
                             describe(tok())));
    return false;
  }
  bool expectName(std::string &out, Loc &loc, std::string_view what) {
    if (!is(Tok::Ident)) {
      diags_.error(tok().loc,
                   fmt::format("expected {}, got {}", what, describe(tok())));
      return false;
    }
    loc = tok().loc;
    out = take().text;
    return true;
  }
  void skipNewlines() {
    while (is(Tok::Newline))
      take();
  }
  /// Skips the rest of a broken statement, up to its newline or the `}`.
  void skipStatement() {
    while (!is(Tok::Eof) && !is(Tok::RBrace) && !is(Tok::Newline))
      take();
    consume(Tok::Newline);
  }
  /// Skips to the next line that starts a top-level item.
  void skipToItem() {
    while (!is(Tok::Eof)) {
      if (take().kind == Tok::Newline &&
          (isIdent("model") || isIdent("network") || isIdent("gan")))
        return;
    }
  }
  bool endStatement(std::string_view what) {
    if (is(Tok::RBrace) || consume(Tok::Newline))
      return true;
    diags_.error(tok().loc,
                 fmt::format("expected end of line after {}, got {}", what,
                             describe(tok())),
                 "put one statement on each line, or separate them with `;`");
    skipStatement();
    return false;
  }

  //===--------------------------------------------------------------------===//
  // Values and expressions
  //===--------------------------------------------------------------------===//

  struct DepthGuard {
    int &d;
    explicit DepthGuard(int &d) : d(d) { ++d; }
    ~DepthGuard() { --d; }
  };
  bool tooDeep() {
    if (depth_ <= kMaxDepth)
      return false;
    diags_.error(tok().loc,
                 fmt::format("expression nested too deeply (more than {} "
                             "levels)",
                             kMaxDepth));
    return true;
  }

  std::optional<Literal> parseValue() {
    DepthGuard g(depth_);
    if (tooDeep())
      return std::nullopt;
    if (is(Tok::String) && tok().bad) {
      sawBad_ = true;
      take();
      return std::nullopt;
    }
    if (is(Tok::String)) {
      Literal v;
      v.kind = Literal::String;
      v.loc = tok().loc;
      v.s = take().text;
      return v;
    }
    if (is(Tok::LBracket)) {
      Literal v;
      v.kind = Literal::List;
      v.loc = take().loc;
      if (!is(Tok::RBracket)) {
        do {
          auto item = parseValue();
          if (!item)
            return std::nullopt;
          v.list.push_back(std::move(*item));
        } while (consume(Tok::Comma));
      }
      if (!expect(Tok::RBracket, "to close the list"))
        return std::nullopt;
      return v;
    }
    return parseExpr();
  }

  std::optional<Literal> parseExpr() {
    auto lhs = parseTerm();
    while (lhs && (is(Tok::Plus) || is(Tok::Minus))) {
      Token op = take();
      auto rhs = parseTerm();
      if (!rhs)
        return std::nullopt;
      lhs = fold(op, *lhs, *rhs);
    }
    return lhs;
  }

  std::optional<Literal> parseTerm() {
    auto lhs = parseUnary();
    while (lhs && (is(Tok::Star) || is(Tok::Slash))) {
      Token op = take();
      auto rhs = parseUnary();
      if (!rhs)
        return std::nullopt;
      lhs = fold(op, *lhs, *rhs);
    }
    return lhs;
  }

  std::optional<Literal> parseUnary() {
    DepthGuard g(depth_);
    if (tooDeep())
      return std::nullopt;
    Literal v;
    v.loc = tok().loc;
    if (is(Tok::Minus)) {
      Token op = take();
      auto inner = parseUnary();
      if (!inner)
        return std::nullopt;
      Literal zero;
      zero.loc = op.loc;
      return fold(op, zero, *inner);
    }
    if (tok().bad) { // reported by the lexer
      sawBad_ = true;
      take();
      return std::nullopt;
    }
    switch (tok().kind) {
    case Tok::Int:
      v.kind = Literal::Int;
      v.i = take().intValue;
      return v;
    case Tok::Float:
      v.kind = Literal::Float;
      v.f = take().floatValue;
      return v;
    case Tok::Ident:
      v.kind = Literal::Name;
      v.s = take().text;
      return v;
    case Tok::LParen: {
      take();
      auto inner = parseExpr();
      if (!inner || !expect(Tok::RParen, "to close the expression"))
        return std::nullopt;
      inner->loc = v.loc;
      return inner;
    }
    default:
      diags_.error(tok().loc,
                   fmt::format("expected a value, got {}", describe(tok())));
      return std::nullopt;
    }
  }

  /// Folds `lhs op rhs` on numbers; integer arithmetic is checked.
  std::optional<Literal> fold(const Token &op, const Literal &lhs,
                            const Literal &rhs) {
    for (const Literal *v : {&lhs, &rhs})
      if (!v->isNumber()) {
        diags_.error(v->loc,
                     fmt::format("`{}` needs numbers, got {}", op.text,
                                 v->quoted()));
        return std::nullopt;
      }
    Literal r;
    r.loc = lhs.loc;
    char c = op.text[0];
    if (lhs.kind == Literal::Int && rhs.kind == Literal::Int) {
      int64_t out = 0;
      bool overflow = false;
      if (c == '+')
        overflow = __builtin_add_overflow(lhs.i, rhs.i, &out);
      else if (c == '-')
        overflow = __builtin_sub_overflow(lhs.i, rhs.i, &out);
      else if (c == '*')
        overflow = __builtin_mul_overflow(lhs.i, rhs.i, &out);
      else {
        if (rhs.i == 0) {
          diags_.error(op.loc, "division by zero");
          return std::nullopt;
        }
        if (lhs.i % rhs.i != 0 || (lhs.i == INT64_MIN && rhs.i == -1)) {
          r.kind = Literal::Float;
          r.f = double(lhs.i) / double(rhs.i);
          return r;
        }
        out = lhs.i / rhs.i;
      }
      if (overflow) {
        diags_.error(op.loc, "integer overflow in expression",
                     "sizes and counts must fit in 64 bits");
        return std::nullopt;
      }
      r.kind = Literal::Int;
      r.i = out;
      return r;
    }
    double a = lhs.number(), b = rhs.number();
    if (c == '/' && b == 0) {
      diags_.error(op.loc, "division by zero");
      return std::nullopt;
    }
    r.kind = Literal::Float;
    r.f = c == '+' ? a + b : c == '-' ? a - b : c == '*' ? a * b : a / b;
    return r;
  }

  //===--------------------------------------------------------------------===//
  // Calls, types, statements
  //===--------------------------------------------------------------------===//

  std::optional<Call> parseCall(std::string_view what) {
    Call call;
    if (!expectName(call.name, call.loc, what))
      return std::nullopt;
    if (!consume(Tok::LParen))
      return call;
    call.hasParens = true;
    if (consume(Tok::RParen))
      return call;
    do {
      Arg arg;
      if (is(Tok::Ident) && tok(1).kind == Tok::Equal) {
        arg.keyLoc = tok().loc;
        arg.key = take().text;
        take();
      }
      auto v = parseValue();
      if (!v)
        return std::nullopt;
      arg.value = std::move(*v);
      if (arg.key.empty())
        arg.keyLoc = arg.value.loc;
      call.args.push_back(std::move(arg));
    } while (consume(Tok::Comma));
    if (!expect(Tok::RParen, fmt::format("to close `{}(`", call.name)))
      return std::nullopt;
    return call;
  }

  std::optional<SampleType> parseType() {
    SampleType t;
    t.loc = tok().loc;
    if (isIdent("f32") || isIdent("i32")) {
      t.elem = tok().text == "f32" ? ElemType::F32 : ElemType::I32;
      take();
    } else {
      diags_.error(tok().loc,
                   fmt::format("expected a tensor type, got {}",
                               describe(tok())),
                   "write an element type and a shape, e.g. `f32[28, 28, 1]`");
      return std::nullopt;
    }
    if (!expect(Tok::LBracket, "after the element type"))
      return std::nullopt;
    if (is(Tok::RBracket)) {
      diags_.error(tok().loc, "a tensor type needs at least one dimension",
                   "a single number is `f32[1]`");
      return std::nullopt;
    }
    do {
      auto v = parseExpr();
      if (!v)
        return std::nullopt;
      if (v->kind != Literal::Int || v->i <= 0) {
        diags_.error(v->loc,
                     fmt::format("dimension must be a positive integer, got {}",
                                 v->str()));
        return std::nullopt;
      }
      t.dims.push_back(v->i);
    } while (consume(Tok::Comma));
    if (!expect(Tok::RBracket, "to close the shape"))
      return std::nullopt;
    return t;
  }

  std::optional<TargetDecl> parseTarget() {
    TargetDecl d;
    d.loc = tok().loc;
    if (isIdent("binary")) {
      take();
      d.kind = TargetDecl::Binary;
      return d;
    }
    if (isIdent("class") || isIdent("onehot")) {
      d.kind = tok().text == "class" ? TargetDecl::Class : TargetDecl::OneHot;
      std::string kw = take().text;
      if (!expect(Tok::LParen, fmt::format("after `{}`", kw)))
        return std::nullopt;
      auto v = parseExpr();
      if (!v)
        return std::nullopt;
      if (v->kind != Literal::Int || v->i < 2) {
        diags_.error(v->loc,
                     fmt::format("class count must be an integer of at least "
                                 "2, got {}",
                                 v->str()),
                     "for two classes, `binary` with a sigmoid output also "
                     "works");
        return std::nullopt;
      }
      d.classes = v->i;
      if (!expect(Tok::RParen, fmt::format("to close `{}(`", kw)))
        return std::nullopt;
      return d;
    }
    auto t = parseType();
    if (!t)
      return std::nullopt;
    d.type = *t;
    return d;
  }

  /// Settings shared by models and GANs; returns false if `tok()` is not one.
  bool parseSetting(Settings &s, bool &ok) {
    auto once = [&](std::optional<Call> &slot, std::string_view what) {
      Loc kwLoc = take().loc;
      if (slot) {
        diags_.error(kwLoc, fmt::format("duplicate `{}`", what),
                     fmt::format("the first `{}` is on line {}", what,
                                 slot->loc.line));
        skipStatement();
        ok = false;
        return;
      }
      auto c = parseCall(fmt::format("a {} name", what));
      if (!c) {
        skipStatement();
        ok = false;
        return;
      }
      slot = std::move(*c);
      ok = endStatement(fmt::format("`{}`", what));
    };
    if (isIdent("loss"))
      return once(s.loss, "loss"), true;
    if (isIdent("optimizer"))
      return once(s.optimizer, "optimizer"), true;
    if (isIdent("data"))
      return once(s.data, "data"), true;
    if (isIdent("noise"))
      return once(s.noise, "noise"), true;
    if (isIdent("metrics")) {
      Loc kw = take().loc;
      if (s.metricsLoc.valid()) {
        diags_.error(kw, "duplicate `metrics`",
                     "list every metric in one statement: `metrics accuracy, "
                     "f1`");
        skipStatement();
        ok = false;
        return true;
      }
      s.metricsLoc = kw;
      do {
        Literal v;
        v.kind = Literal::Name;
        if (!expectName(v.s, v.loc, "a metric name")) {
          skipStatement();
          ok = false;
          return true;
        }
        s.metrics.push_back(std::move(v));
      } while (consume(Tok::Comma));
      ok = endStatement("`metrics`");
      return true;
    }
    if (isIdent("train")) {
      Loc kw = take().loc;
      if (s.trainLoc.valid()) {
        diags_.error(kw, "duplicate `train`",
                     "put every training setting in one statement");
        skipStatement();
        ok = false;
        return true;
      }
      s.trainLoc = kw;
      do {
        Arg a;
        if (!expectName(a.key, a.keyLoc, "a training setting such as `batch`") ||
            !expect(Tok::Equal, fmt::format("after `{}`", a.key))) {
          skipStatement();
          ok = false;
          return true;
        }
        auto v = parseValue();
        if (!v) {
          skipStatement();
          ok = false;
          return true;
        }
        a.value = std::move(*v);
        s.train.push_back(std::move(a));
      } while (consume(Tok::Comma));
      ok = endStatement("`train`");
      return true;
    }
    return false;
  }

  /// Parses `{ ... }`, calling `stmt` for each statement.
  template <typename F>
  void parseBlock(std::string_view owner, Loc ownerLoc, F stmt) {
    if (!expect(Tok::LBrace, fmt::format("to open {}", owner))) {
      skipToItem();
      return;
    }
    while (!diags_.tooMany()) {
      skipNewlines();
      if (consume(Tok::RBrace))
        return;
      if (is(Tok::Eof)) {
        diags_.error(tok().loc, fmt::format("missing `}}` to close {}", owner),
                     fmt::format("{} opens on line {}", owner, ownerLoc.line));
        return;
      }
      size_t before = idx_;
      stmt();
      if (idx_ == before) // never loop without progress
        take();
    }
  }

  void parseLayer(std::vector<Layer> &layers) {
    if (!is(Tok::Ident)) {
      diags_.error(tok().loc,
                   fmt::format("expected a layer or a setting, got {}",
                               describe(tok())));
      skipStatement();
      return;
    }
    auto c = parseCall("a layer name");
    if (!c) {
      skipStatement();
      return;
    }
    Layer l;
    l.call = std::move(*c);
    layers.push_back(std::move(l));
    endStatement(fmt::format("`{}`", layers.back().call.name));
  }

  Model parseModel() {
    Model m;
    m.loc = take().loc;
    Loc nameLoc;
    if (!expectName(m.name, nameLoc, "a model name")) {
      skipToItem();
      return m;
    }
    parseBlock(fmt::format("model `{}`", m.name), m.loc, [&] {
      bool ok = true;
      if (parseSetting(m.settings, ok))
        return;
      if (isIdent("input")) {
        Loc kw = take().loc;
        if (m.input) {
          diags_.error(kw, "duplicate `input`",
                       fmt::format("the model's input is declared on line {}",
                                   m.inputLoc.line));
          skipStatement();
          return;
        }
        m.inputLoc = kw;
        Loc nl;
        if (!expectName(m.inputName, nl, "an input name") ||
            !expect(Tok::Colon, "after the input name")) {
          skipStatement();
          return;
        }
        auto t = parseType();
        if (!t) {
          skipStatement();
          return;
        }
        m.input = *t;
        endStatement("`input`");
        return;
      }
      if (isIdent("target")) {
        Loc kw = take().loc;
        if (m.target) {
          diags_.error(kw, "duplicate `target`",
                       fmt::format("the target is declared on line {}",
                                   m.target->loc.line));
          skipStatement();
          return;
        }
        std::string name;
        Loc nl;
        if (!expectName(name, nl, "a target name") ||
            !expect(Tok::Colon, "after the target name")) {
          skipStatement();
          return;
        }
        auto t = parseTarget();
        if (!t) {
          skipStatement();
          return;
        }
        t->name = name;
        t->loc = kw;
        m.target = *t;
        endStatement("`target`");
        return;
      }
      if (isIdent("generator") || isIdent("discriminator")) {
        diags_.error(tok().loc,
                     fmt::format("`{}` belongs in a `gan` block", tok().text),
                     "a model trains one network on labelled data");
        skipStatement();
        return;
      }
      parseLayer(m.layers);
    });
    return m;
  }

  Network parseNetwork() {
    Network n;
    n.loc = take().loc;
    Loc nl;
    if (!expectName(n.name, nl, "a network name") ||
        !expect(Tok::LParen, "after the network name") ||
        !expectName(n.inputName, nl, "an input name") ||
        !expect(Tok::Colon, "after the input name")) {
      skipToItem();
      return n;
    }
    auto in = parseType();
    if (!in || !expect(Tok::RParen, "after the network input")) {
      skipToItem();
      return n;
    }
    n.input = *in;
    if (consume(Tok::Arrow)) {
      auto out = parseType();
      if (!out) {
        skipToItem();
        return n;
      }
      n.output = *out;
    }
    parseBlock(fmt::format("network `{}`", n.name), n.loc,
               [&] { parseLayer(n.layers); });
    return n;
  }

  Gan parseGan() {
    Gan g;
    g.loc = take().loc;
    Loc nl;
    if (!expectName(g.name, nl, "a gan name")) {
      skipToItem();
      return g;
    }
    parseBlock(fmt::format("gan `{}`", g.name), g.loc, [&] {
      bool ok = true;
      if (parseSetting(g.settings, ok))
        return;
      if (isIdent("generator") || isIdent("discriminator")) {
        bool isGen = tok().text == "generator";
        std::string &slot = isGen ? g.generator : g.discriminator;
        Loc &slotLoc = isGen ? g.generatorLoc : g.discriminatorLoc;
        Loc kw = take().loc;
        if (!slot.empty()) {
          diags_.error(kw,
                       fmt::format("duplicate `{}`",
                                   isGen ? "generator" : "discriminator"));
          skipStatement();
          return;
        }
        if (!expectName(slot, slotLoc, "a network name")) {
          skipStatement();
          return;
        }
        endStatement(isGen ? "`generator`" : "`discriminator`");
        return;
      }
      if (isIdent("input") || isIdent("target")) {
        diags_.error(tok().loc,
                     fmt::format("`{}` belongs in a `model` block", tok().text),
                     "a gan's shapes come from its generator and "
                     "discriminator networks");
        skipStatement();
        return;
      }
      diags_.error(tok().loc,
                   fmt::format("expected a gan setting, got {}",
                               describe(tok())),
                   "a gan holds generator, discriminator, noise, loss, "
                   "optimizer, data and train; layers go in a `network`");
      skipStatement();
    });
    return g;
  }
};
} // namespace

Program lathe::parseProgram(const SourceFile &file, DiagnosticEngine &diags) {
  return Parser(file, diags).run();
}
