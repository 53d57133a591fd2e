// Lexer and parser of the Go text/template subset (see template.h).
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "query/logql/log/template_internal.h"
#include "query/logql/syntax/go_compat.h"

namespace loupe::query::logql {

using tmpl::Arg;
using tmpl::Command;
using tmpl::Node;
using tmpl::NodeType;
using tmpl::Pipe;
using tmpl::Value;

namespace {

enum class Tok {
  kText, kLeft, kRight, kSpace, kIdent, kField, kVariable, kDot, kString, kChar, kNumber,
  kBool, kNil, kPipe, kLParen, kRParen, kComma, kDeclare, kAssign, kKeyword, kEof, kError,
};

struct Token {
  Tok type;
  std::string val;
  size_t pos = 0;
  bool adjacent = false;  // no space before (for field chains after ')' or a variable)
};

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  // Tokenizes everything; on error the last token is kError.
  std::vector<Token> Run() {
    while (pos_ < in_.size()) {
      const size_t open = in_.find("{{", pos_);
      size_t text_end = open == std::string_view::npos ? in_.size() : open;
      std::string_view text = in_.substr(pos_, text_end - pos_);
      bool trim_left = false;
      if (open != std::string_view::npos && in_.substr(open, 3) == "{{-" &&
          open + 3 < in_.size() && IsSpace(in_[open + 3])) {
        trim_left = true;
        while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
      }
      if (!text.empty()) Emit(Tok::kText, std::string(text), pos_);
      if (open == std::string_view::npos) {
        pos_ = in_.size();
        break;
      }
      pos_ = open + 2 + (trim_left ? 2 : 0);
      // Comment.
      if (in_.substr(pos_, 2) == "/*") {
        const size_t close = in_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) return Fail("unclosed comment", open);
        size_t after = close + 2;
        bool trim_right = false;
        if (in_.substr(after, 4) == " -}}") {
          trim_right = true;
          after += 2;
        }
        if (in_.substr(after, 2) != "}}") return Fail("comment ends before closing delimiter", open);
        pos_ = after + 2;
        if (trim_right) SkipSpaces();
        continue;
      }
      Emit(Tok::kLeft, "{{", open);
      if (!LexAction()) return toks_;
    }
    Emit(Tok::kEof, "", in_.size());
    return toks_;
  }

 private:
  void Emit(Tok t, std::string v, size_t pos, bool adjacent = false) {
    toks_.push_back({t, std::move(v), pos, adjacent});
  }
  std::vector<Token> Fail(const std::string& msg, size_t pos) {
    Emit(Tok::kError, msg, pos);
    return toks_;
  }
  void SkipSpaces() {
    while (pos_ < in_.size() && IsSpace(in_[pos_])) ++pos_;
  }

  bool LexAction() {
    int parens = 0;
    bool last_was_space = true;
    while (true) {
      if (pos_ >= in_.size()) {
        Fail("unclosed action", pos_);
        return false;
      }
      const char c = in_[pos_];
      // Right delimiter, possibly with a trim marker.
      if (IsSpace(c) && in_.substr(pos_ + 1, 3) == "-}}") {
        Emit(Tok::kRight, "}}", pos_);
        pos_ += 4;
        SkipSpaces();
        return true;
      }
      if (in_.substr(pos_, 2) == "}}") {
        Emit(Tok::kRight, "}}", pos_);
        pos_ += 2;
        return true;
      }
      if (IsSpace(c)) {
        while (pos_ < in_.size() && IsSpace(in_[pos_]) && in_.substr(pos_ + 1, 3) != "-}}") {
          ++pos_;
        }
        Emit(Tok::kSpace, " ", pos_);
        last_was_space = true;
        continue;
      }
      const size_t start = pos_;
      const bool adjacent = !last_was_space;
      last_was_space = false;
      switch (c) {
        case '|': Emit(Tok::kPipe, "|", pos_++); continue;
        case '(': ++parens; Emit(Tok::kLParen, "(", pos_++); continue;
        case ')':
          if (--parens < 0) {
            Fail("unexpected right paren", pos_);
            return false;
          }
          Emit(Tok::kRParen, ")", pos_++);
          continue;
        case ',': Emit(Tok::kComma, ",", pos_++); continue;
        case ':':
          if (in_.substr(pos_, 2) == ":=") {
            Emit(Tok::kDeclare, ":=", pos_);
            pos_ += 2;
            continue;
          }
          Fail("expected :=", pos_);
          return false;
        case '=': Emit(Tok::kAssign, "=", pos_++); continue;
        case '"': {
          size_t i = pos_ + 1;
          while (i < in_.size() && in_[i] != '"') {
            if (in_[i] == '\\') ++i;
            if (i < in_.size() && in_[i] == '\n') {
              Fail("unterminated quoted string", start);
              return false;
            }
            ++i;
          }
          if (i >= in_.size()) {
            Fail("unterminated quoted string", start);
            return false;
          }
          Emit(Tok::kString, std::string(in_.substr(pos_, i + 1 - pos_)), start);
          pos_ = i + 1;
          continue;
        }
        case '`': {
          const size_t close = in_.find('`', pos_ + 1);
          if (close == std::string_view::npos) {
            Fail("unterminated raw quoted string", start);
            return false;
          }
          Emit(Tok::kString, std::string(in_.substr(pos_, close + 1 - pos_)), start);
          pos_ = close + 1;
          continue;
        }
        case '\'': {
          size_t i = pos_ + 1;
          while (i < in_.size() && in_[i] != '\'') {
            if (in_[i] == '\\') ++i;
            ++i;
          }
          if (i >= in_.size()) {
            Fail("unterminated character constant", start);
            return false;
          }
          Emit(Tok::kChar, std::string(in_.substr(pos_, i + 1 - pos_)), start);
          pos_ = i + 1;
          continue;
        }
        case '$': {
          size_t i = pos_ + 1;
          while (i < in_.size() && IsAlnum(in_[i])) ++i;
          Emit(Tok::kVariable, std::string(in_.substr(pos_, i - pos_)), start, adjacent);
          pos_ = i;
          LexChain();
          continue;
        }
        case '.':
          if (pos_ + 1 < in_.size() && in_[pos_ + 1] >= '0' && in_[pos_ + 1] <= '9') break;
          if (pos_ + 1 < in_.size() && IsAlnum(in_[pos_ + 1])) {
            LexChain(adjacent);
          } else {
            Emit(Tok::kDot, ".", pos_++, adjacent);
          }
          continue;
        default:
          break;
      }
      if ((c >= '0' && c <= '9') || c == '.' ||
          ((c == '-' || c == '+') && pos_ + 1 < in_.size() &&
           ((in_[pos_ + 1] >= '0' && in_[pos_ + 1] <= '9') || in_[pos_ + 1] == '.'))) {
        size_t i = pos_ + 1;
        while (i < in_.size() && (IsAlnum(in_[i]) || in_[i] == '.' ||
                                  ((in_[i] == '+' || in_[i] == '-') &&
                                   (in_[i - 1] == 'e' || in_[i - 1] == 'E' ||
                                    in_[i - 1] == 'p' || in_[i - 1] == 'P')))) {
          ++i;
        }
        Emit(Tok::kNumber, std::string(in_.substr(pos_, i - pos_)), start);
        pos_ = i;
        continue;
      }
      if (IsAlnum(c)) {
        size_t i = pos_;
        while (i < in_.size() && IsAlnum(in_[i])) ++i;
        std::string word(in_.substr(pos_, i - pos_));
        pos_ = i;
        static const std::set<std::string> kKeywords = {
            "if", "else", "end", "range", "with", "break", "continue", "define", "template",
            "block"};
        if (word == "true" || word == "false") Emit(Tok::kBool, word, start);
        else if (word == "nil") Emit(Tok::kNil, word, start);
        else if (kKeywords.count(word)) Emit(Tok::kKeyword, word, start);
        else Emit(Tok::kIdent, word, start);
        LexChain();
        continue;
      }
      Fail(std::string("unrecognized character in action: ") + c, pos_);
      return false;
    }
  }

  // Fields directly after an operand: `.a.b`.
  void LexChain(bool adjacent = true) {
    while (pos_ + 1 < in_.size() && in_[pos_] == '.' && IsAlnum(in_[pos_ + 1]) &&
           !(in_[pos_ + 1] >= '0' && in_[pos_ + 1] <= '9')) {
      size_t i = pos_ + 1;
      while (i < in_.size() && IsAlnum(in_[i])) ++i;
      Emit(Tok::kField, std::string(in_.substr(pos_, i - pos_)), pos_, adjacent);
      pos_ = i;
      adjacent = true;
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::vector<Token> toks_;
};

// Go's strconv.Unquote for "..." and `...` and '...'.
bool UnquoteGo(std::string_view q, std::string* out) {
  out->clear();
  if (q.size() < 2) return false;
  if (q[0] == '`') {
    out->assign(q.substr(1, q.size() - 2));
    out->erase(std::remove(out->begin(), out->end(), '\r'), out->end());
    return true;
  }
  std::string_view s = q.substr(1, q.size() - 2);
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i >= s.size()) return false;
    const char e = s[i];
    auto hex = [&](size_t n, uint32_t* v) {
      uint32_t r = 0;
      for (size_t k = 1; k <= n; ++k) {
        if (i + k >= s.size()) return false;
        const char h = s[i + k];
        int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
        if (d < 0) return false;
        r = r * 16 + static_cast<uint32_t>(d);
      }
      *v = r;
      i += n;
      return true;
    };
    auto utf8 = [&](uint32_t r) {
      if (r < 0x80) out->push_back(static_cast<char>(r));
      else if (r < 0x800) {
        out->push_back(static_cast<char>(0xC0 | (r >> 6)));
        out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
      } else if (r < 0x10000) {
        out->push_back(static_cast<char>(0xE0 | (r >> 12)));
        out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
      } else {
        out->push_back(static_cast<char>(0xF0 | (r >> 18)));
        out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
      }
    };
    uint32_t v;
    switch (e) {
      case 'a': out->push_back('\a'); break;
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'v': out->push_back('\v'); break;
      case '\\': out->push_back('\\'); break;
      case '"': out->push_back('"'); break;
      case '\'': out->push_back('\''); break;
      case 'x':
        if (!hex(2, &v)) return false;
        out->push_back(static_cast<char>(v));
        break;
      case 'u':
        if (!hex(4, &v)) return false;
        utf8(v);
        break;
      case 'U':
        if (!hex(8, &v) || v > 0x10FFFF) return false;
        utf8(v);
        break;
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 >= s.size()) return false;
          uint32_t o = 0;
          for (int k = 0; k < 3; ++k) {
            const char d = s[i + k];
            if (d < '0' || d > '7') return false;
            o = o * 8 + static_cast<uint32_t>(d - '0');
          }
          if (o > 255) return false;
          out->push_back(static_cast<char>(o));
          i += 2;
          break;
        }
        return false;
    }
  }
  return true;
}

}  // namespace

class TemplateParser {
 public:
  TemplateParser(std::string_view name, std::string_view text) : name_(name), text_(text) {}

  Result<std::shared_ptr<const Template>> Parse() {
    toks_ = Lexer(text_).Run();
    auto t = std::shared_ptr<Template>(new Template());
    t->name_ = std::string(name_);
    t->text_ = std::string(text_);
    vars_.push_back("$");
    auto root = std::make_unique<Node>();
    root->type = NodeType::kList;
    std::string end_kw;
    if (!ParseList(&root->list, &end_kw)) return Error();
    if (!end_kw.empty()) {
      Fail("unexpected {{" + end_kw + "}}");
      return Error();
    }
    // Fast path: exactly {{.name}}.
    if (root->list.size() == 1 && root->list[0]->type == NodeType::kAction) {
      const Pipe& p = *root->list[0]->pipe;
      if (p.decl.empty() && p.cmds.size() == 1 && p.cmds[0].args.size() == 1 &&
          p.cmds[0].args[0].kind == Arg::Kind::kField && p.cmds[0].args[0].fields.size() == 1) {
        t->simple_key_ = p.cmds[0].args[0].fields[0];
      }
    }
    std::sort(fields_.begin(), fields_.end());
    fields_.erase(std::unique(fields_.begin(), fields_.end()), fields_.end());
    t->fields_ = std::move(fields_);
    t->root_ = std::move(root);
    return std::shared_ptr<const Template>(t);
  }

 private:
  Status Error() const {
    return Status::InvalidArgument("template: " + std::string(name_) + ":" +
                                   std::to_string(err_line_) + ": " + err_);
  }
  bool Fail(const std::string& msg) {
    if (err_.empty()) {
      err_ = msg;
      const size_t pos = i_ < toks_.size() ? toks_[i_].pos : text_.size();
      err_line_ = 1 + static_cast<int>(std::count(text_.begin(),
                                                  text_.begin() + std::min(pos, text_.size()),
                                                  '\n'));
    }
    return false;
  }
  const Token& Peek() { return toks_[i_]; }
  const Token& PeekNonSpace() {
    while (toks_[i_].type == Tok::kSpace) ++i_;
    return toks_[i_];
  }
  Token Next() { return toks_[i_ < toks_.size() - 1 ? i_++ : i_]; }
  Token NextNonSpace() {
    PeekNonSpace();
    return Next();
  }
  bool CheckLexError() {
    if (Peek().type == Tok::kError) return Fail(Peek().val);
    return true;
  }

  // Parses nodes until {{end}} / {{else}} (returned in *end_kw) or EOF.
  bool ParseList(std::vector<std::unique_ptr<Node>>* out, std::string* end_kw) {
    end_kw->clear();
    while (true) {
      if (!CheckLexError()) return false;
      const Token& t = Peek();
      if (t.type == Tok::kEof) return true;
      if (t.type == Tok::kText) {
        auto n = std::make_unique<Node>();
        n->type = NodeType::kText;
        n->text = t.val;
        n->pos = t.pos;
        out->push_back(std::move(n));
        ++i_;
        continue;
      }
      if (t.type != Tok::kLeft) return Fail("unexpected " + t.val);
      const size_t left_pos = t.pos;
      ++i_;
      if (!CheckLexError()) return false;
      const Token& k = PeekNonSpace();
      if (k.type == Tok::kKeyword) {
        const std::string kw = k.val;
        ++i_;
        if (kw == "end" || kw == "else") {
          *end_kw = kw;
          return true;
        }
        if (kw == "if" || kw == "range" || kw == "with") {
          auto n = ParseControl(kw, left_pos);
          if (!n) return false;
          out->push_back(std::move(n));
          continue;
        }
        if (kw == "break" || kw == "continue") {
          if (range_depth_ == 0) return Fail("{{" + kw + "}} outside {{range}}");
          if (NextNonSpace().type != Tok::kRight) return Fail("unexpected in {{" + kw + "}}");
          auto n = std::make_unique<Node>();
          n->type = kw == "break" ? NodeType::kBreak : NodeType::kContinue;
          out->push_back(std::move(n));
          continue;
        }
        return Fail("{{" + kw + "}} is not supported");
      }
      auto n = std::make_unique<Node>();
      n->type = NodeType::kAction;
      n->pos = left_pos;
      n->pipe = ParsePipeline("command", false);
      if (!n->pipe) return false;
      out->push_back(std::move(n));
    }
  }

  std::unique_ptr<Node> ParseControl(const std::string& kw, size_t pos) {
    auto n = std::make_unique<Node>();
    n->type = kw == "if" ? NodeType::kIf : kw == "range" ? NodeType::kRange : NodeType::kWith;
    n->pos = pos;
    const size_t mark = vars_.size();
    n->pipe = ParsePipeline(kw, kw == "range");
    if (!n->pipe) return nullptr;
    if (kw == "range") ++range_depth_;
    std::string end_kw;
    if (!ParseList(&n->list, &end_kw)) return nullptr;
    if (kw == "range") --range_depth_;
    if (end_kw.empty()) {
      Fail("unexpected EOF");
      return nullptr;
    }
    if (end_kw == "else") {
      const Token& t = PeekNonSpace();
      if (t.type == Tok::kKeyword && (t.val == "if" || t.val == "with") && kw != "range") {
        // {{else if ...}}: an if node inside the else list sharing our {{end}}.
        const std::string inner_kw = t.val;
        ++i_;
        vars_.resize(mark);
        auto inner = ParseControl(inner_kw, t.pos);
        if (!inner) return nullptr;
        n->else_list.push_back(std::move(inner));
        vars_.resize(mark);
        return n;
      }
      if (NextNonSpace().type != Tok::kRight) {
        Fail("unexpected token in {{else}}");
        return nullptr;
      }
      if (!ParseList(&n->else_list, &end_kw)) return nullptr;
      if (end_kw != "end") {
        Fail(end_kw.empty() ? "unexpected EOF" : "expected end; found {{else}}");
        return nullptr;
      }
    }
    if (NextNonSpace().type != Tok::kRight) {
      Fail("unexpected token in {{end}}");
      return nullptr;
    }
    vars_.resize(mark);
    return n;
  }

  // Parses `[decl] cmd | cmd ...` up to the right delimiter (or ')' when `in_paren`).
  std::shared_ptr<Pipe> ParsePipeline(const std::string& context, bool allow_two_decl,
                                      bool in_paren = false) {
    auto p = std::make_shared<Pipe>();
    p->pos = Peek().pos;
    // Declarations.
    {
      const size_t save = i_;
      const Token& v = PeekNonSpace();
      if (v.type == Tok::kVariable) {
        Token var = Next();
        const Token& op = PeekNonSpace();
        if (op.type == Tok::kDeclare || op.type == Tok::kAssign) {
          p->is_assign = op.type == Tok::kAssign;
          ++i_;
          p->decl.push_back(var.val);
        } else if (op.type == Tok::kComma && allow_two_decl) {
          ++i_;
          const Token v2 = NextNonSpace();
          if (v2.type != Tok::kVariable) {
            Fail("range can only initialize variables");
            return nullptr;
          }
          const Token op2 = NextNonSpace();
          if (op2.type != Tok::kDeclare && op2.type != Tok::kAssign) {
            Fail("range can only initialize variables");
            return nullptr;
          }
          p->is_assign = op2.type == Tok::kAssign;
          p->decl.push_back(var.val);
          p->decl.push_back(v2.val);
        } else {
          i_ = save;
        }
      } else {
        i_ = save;
      }
    }
    for (const std::string& d : p->decl) {
      if (p->is_assign) {
        if (std::find(vars_.begin(), vars_.end(), d) == vars_.end()) {
          Fail("undefined variable \"" + d + "\"");
          return nullptr;
        }
      }
    }
    while (true) {
      if (!CheckLexError()) return nullptr;
      const Token& t = PeekNonSpace();
      if (t.type == Tok::kRight && !in_paren) {
        ++i_;
        break;
      }
      if (t.type == Tok::kRParen && in_paren) {
        ++i_;
        break;
      }
      if (t.type == Tok::kRight || t.type == Tok::kRParen || t.type == Tok::kEof) {
        Fail(t.type == Tok::kEof ? "unclosed action" : "unexpected \"" + t.val + "\" in " +
                                                            context);
        return nullptr;
      }
      Command cmd;
      cmd.pos = t.pos;
      if (!ParseCommand(&cmd, in_paren)) return nullptr;
      cmd.src = Source(cmd.pos);
      p->cmds.push_back(std::move(cmd));
      const Token& sep = PeekNonSpace();
      if (sep.type == Tok::kPipe) {
        ++i_;
        continue;
      }
    }
    if (p->cmds.empty()) {
      Fail("missing value for " + context);
      return nullptr;
    }
    for (const std::string& d : p->decl) {
      if (!p->is_assign) vars_.push_back(d);
    }
    return p;
  }

  std::string Source(size_t from) {
    const size_t to = i_ < toks_.size() ? toks_[i_].pos : text_.size();
    std::string_view s = text_.substr(from, to > from ? to - from : 0);
    while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
    return std::string(s);
  }

  bool ParseCommand(Command* cmd, bool in_paren) {
    while (true) {
      const Token& t = PeekNonSpace();
      if (t.type == Tok::kError) return Fail(t.val);
      if (t.type == Tok::kPipe || t.type == Tok::kRight || t.type == Tok::kEof ||
          (t.type == Tok::kRParen && in_paren)) {
        break;
      }
      Arg a;
      if (!ParseOperand(&a)) return false;
      cmd->args.push_back(std::move(a));
    }
    if (cmd->args.empty()) return Fail("empty command");
    return true;
  }

  bool ParseOperand(Arg* a) {
    Token t = NextNonSpace();
    a->pos = t.pos;
    switch (t.type) {
      case Tok::kField: {
        a->kind = Arg::Kind::kField;
        a->fields.push_back(t.val.substr(1));
        fields_.push_back(t.val.substr(1));
        break;
      }
      case Tok::kVariable:
        if (std::find(vars_.begin(), vars_.end(), t.val) == vars_.end()) {
          return Fail("undefined variable \"" + t.val + "\"");
        }
        a->kind = Arg::Kind::kVariable;
        a->name = t.val;
        break;
      case Tok::kDot:
        a->kind = Arg::Kind::kDot;
        break;
      case Tok::kNil:
        a->kind = Arg::Kind::kNil;
        break;
      case Tok::kBool:
        a->kind = Arg::Kind::kBool;
        a->literal = Value::Bool(t.val == "true");
        break;
      case Tok::kString: {
        a->kind = Arg::Kind::kString;
        std::string s;
        if (!UnquoteGo(t.val, &s)) return Fail("invalid syntax");
        a->literal = Value::Str(std::move(s));
        break;
      }
      case Tok::kChar: {
        std::string s;
        if (!UnquoteGo(t.val, &s) || s.empty()) return Fail("malformed character constant: " + t.val);
        // The rune's code point.
        uint32_t r = static_cast<unsigned char>(s[0]);
        if (r >= 0xC0 && s.size() >= 2) {
          const int len = r >= 0xF0 ? 4 : r >= 0xE0 ? 3 : 2;
          r &= (0xFF >> (len + 1));
          for (int k = 1; k < len && k < static_cast<int>(s.size()); ++k) {
            r = (r << 6) | (static_cast<unsigned char>(s[k]) & 0x3F);
          }
        }
        a->kind = Arg::Kind::kNumber;
        a->literal = Value::Int(r);
        a->literal.untyped_const = true;
        break;
      }
      case Tok::kNumber: {
        a->kind = Arg::Kind::kNumber;
        std::string clean;
        for (char c : t.val) {
          if (c != '_') clean.push_back(c);
        }
        auto iv = gocompat::Atoi(clean);
        if (iv) {
          a->literal = Value::Int(*iv);
        } else if (clean.size() > 2 && clean[0] == '0' &&
                   (clean[1] == 'x' || clean[1] == 'X' || clean[1] == 'o' || clean[1] == 'O' ||
                    clean[1] == 'b' || clean[1] == 'B') &&
                   clean.find_first_of(".pP") == std::string::npos) {
          const int base = (clean[1] == 'x' || clean[1] == 'X') ? 16
                           : (clean[1] == 'o' || clean[1] == 'O') ? 8 : 2;
          errno = 0;
          char* end = nullptr;
          const long long v = std::strtoll(clean.c_str() + 2, &end, base);
          if (*end != 0 || errno) return Fail("bad number syntax: \"" + t.val + "\"");
          a->literal = Value::Int(v);
        } else {
          std::string err;
          auto f = gocompat::ParseFloat(clean, &err);
          if (!f) return Fail("bad number syntax: \"" + t.val + "\"");
          a->literal = Value::Float(*f);
        }
        a->literal.untyped_const = true;
        break;
      }
      case Tok::kIdent:
        if (!tmpl::FindFunction(t.val) && t.val != "and" && t.val != "or") {
          return Fail("function \"" + t.val + "\" not defined");
        }
        a->kind = Arg::Kind::kIdent;
        a->name = t.val;
        break;
      case Tok::kLParen: {
        a->kind = Arg::Kind::kPipe;
        a->pipe = ParsePipeline("parenthesized pipeline", false, true);
        if (!a->pipe) return false;
        break;
      }
      case Tok::kError:
        return Fail(t.val);
      default:
        return Fail("unexpected \"" + t.val + "\" in operand");
    }
    // Field chain.
    while (Peek().type == Tok::kField && Peek().adjacent) {
      if (a->kind == Arg::Kind::kBool || a->kind == Arg::Kind::kString ||
          a->kind == Arg::Kind::kNumber || a->kind == Arg::Kind::kNil) {
        return Fail("unexpected . after term");
      }
      const std::string f = Next().val.substr(1);
      if (a->kind == Arg::Kind::kVariable && a->name == "$" && a->fields.empty()) {
        fields_.push_back(f);
      }
      a->fields.push_back(f);
    }
    a->src = Source(a->pos);
    return true;
  }

  std::string_view name_;
  std::string_view text_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  std::vector<std::string> vars_;
  std::vector<std::string> fields_;
  int range_depth_ = 0;
  std::string err_;
  int err_line_ = 1;
};

Result<std::shared_ptr<const Template>> Template::Parse(std::string_view name,
                                                        std::string_view text) {
  return TemplateParser(name, text).Parse();
}

Template::~Template() = default;

}  // namespace loupe::query::logql
