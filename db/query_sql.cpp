// Query AST -> SQL. Positive text at the top level of the query becomes one FTS5
// expression that drives the search (FTS5 yields matching rowids directly, newest first
// or by rank); everything else becomes a condition with bound values. Text nested under
// OR with fields, or negated alone, becomes `g.asset_id [NOT] IN (SELECT rowid ... MATCH ?)`.
// A neg: word matches the negative_prompt column: its own tokens (records stored before
// schema 10) or the token of each distinct negative prompt holding it (db/negative_index.h),
// which the caller's lookup finds in negative_fts.
#include "db/query_sql.h"

#include "core/keywords.h"
#include "db/fts_text.h"
#include "db/negative_index.h"

namespace provena {
namespace {

using Kind = QueryNode::Kind;

Error error_at(size_t column, const std::string& what) {
  return make_error("query error at column " + std::to_string(column) + ": " + what);
}

// LIKE pattern for a user value: % _ and \ taken literally (ESCAPE '\').
std::string like_literal(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Text that may live inside one FTS5 expression: leaves, ANDs (with at least one positive
// part: FTS5's NOT is binary) and ORs of such.
bool fts_positive(const QueryNode& n) {
  switch (n.kind) {
    case Kind::kText: return true;
    case Kind::kOr:
      for (const auto& c : n.children)
        if (!fts_positive(c)) return false;
      return true;
    case Kind::kAnd: {
      bool positive = false;
      for (const auto& c : n.children) {
        if (c.kind == Kind::kNot) {
          if (!fts_positive(c.children[0])) return false;
        } else if (fts_positive(c)) {
          positive = true;
        } else {
          return false;
        }
      }
      return positive;
    }
    default: return false;
  }
}

class Compiler {
 public:
  explicit Compiler(const NegativeLookup& negatives) : negatives_(negatives) {}
  SqlQuery out;

  Result<std::string> fts(const QueryNode& n) {
    switch (n.kind) {
      case Kind::kText: {
        std::string p = fts_phrase(n.text);
        if (p.empty()) return error_at(n.column, "'" + n.text + "' has no letters or digits to search for");
        if (n.prefix) p += " *";
        if (!n.negative) return "{prompt meta} : " + p;
        std::string any = p;
        if (negatives_) {
          auto ids = negatives_(p);
          if (!ids) return ids.error();
          for (int64_t id : *ids) any += " OR \"" + negative_token(id) + "\"";
        }
        return "negative_prompt : (" + any + ")";
      }
      case Kind::kOr: {
        std::string s = "(";
        for (size_t i = 0; i < n.children.size(); ++i) {
          auto c = fts(n.children[i]);
          if (!c) return c;
          s += (i ? " OR " : "") + *c;
        }
        return s + ")";
      }
      case Kind::kAnd: {
        std::string pos, neg;
        for (const auto& c : n.children) {
          bool is_not = c.kind == Kind::kNot;
          auto e = fts(is_not ? c.children[0] : c);
          if (!e) return e;
          if (is_not) neg += " NOT " + *e;
          else pos += (pos.empty() ? "" : " AND ") + *e;
        }
        // FTS5: NOT binds tighter than AND; parenthesize so `a b -c` is (a AND b) NOT c.
        return "((" + pos + ")" + neg + ")";
      }
      default: return make_error("internal: not a text node");
    }
  }

  void bind(SqlValue v) { out.binds.push_back(std::move(v)); }

  void range(const std::string& col, const QueryBound& lo, const QueryBound& hi, bool real,
             std::string& s) {
    std::string parts;
    auto add = [&](const QueryBound& b, const char* op_incl, const char* op_excl) {
      if (!b.set) return;
      parts += (parts.empty() ? "" : " AND ") + col + (b.inclusive ? op_incl : op_excl) + "?";
      if (real) bind(b.real);
      else bind(b.value);
    };
    // An exact integer is one comparison (uses the index for seed:N).
    if (!real && lo.set && hi.set && lo.inclusive && hi.inclusive && lo.value == hi.value) {
      s += col + " = ?";
      bind(lo.value);
      return;
    }
    add(lo, " >= ", " > ");
    add(hi, " <= ", " < ");
    s += "(" + parts + ")";
  }

  void name_match(const std::string& col, const std::string& value, std::string& s) {
    bool prefix = value.size() > 1 && value.back() == '*';
    if (prefix) {
      s += col + " LIKE ? ESCAPE '\\'";
      bind(like_literal(std::string_view(value).substr(0, value.size() - 1)) + "%");
    } else {
      s += col + " = ? COLLATE NOCASE";
      bind(value);
    }
  }

  Result<std::string> cond(const QueryNode& n) {
    std::string s;
    switch (n.kind) {
      case Kind::kAnd:
      case Kind::kOr: {
        s = "(";
        for (size_t i = 0; i < n.children.size(); ++i) {
          auto c = cond(n.children[i]);
          if (!c) return c;
          s += (i ? (n.kind == Kind::kAnd ? " AND " : " OR ") : "") + *c;
        }
        return s + ")";
      }
      case Kind::kNot: {
        auto c = cond(n.children[0]);
        if (!c) return c;
        return "NOT " + *c;
      }
      case Kind::kText: {
        auto e = fts(n);
        if (!e) return e;
        bind(*e);
        return std::string("g.asset_id IN (SELECT rowid FROM prompt_fts WHERE prompt_fts MATCH ?)");
      }
      case Kind::kField: break;
    }
    switch (n.field) {
      case QueryField::kSeed: range("g.seed", n.lo, n.hi, false, s); break;
      case QueryField::kSteps: range("g.steps", n.lo, n.hi, false, s); break;
      case QueryField::kCfg: range("g.cfg_scale", n.lo, n.hi, true, s); break;
      case QueryField::kWidth:
        out.needs_assets = true;
        range("a.width", n.lo, n.hi, false, s);
        break;
      case QueryField::kHeight:
        out.needs_assets = true;
        range("a.height", n.lo, n.hi, false, s);
        break;
      case QueryField::kDate: range("g.made_at", n.lo, n.hi, false, s); break;
      case QueryField::kSize:
        out.needs_assets = true;
        s += "(";
        range("a.width", n.lo, n.hi, false, s);
        s += " AND ";
        range("a.height", n.lo2, n.hi2, false, s);
        s += ")";
        break;
      case QueryField::kModel: {
        // The name anywhere in the model name, or a prefix of its hash.
        std::string v = n.value.back() == '*' ? n.value.substr(0, n.value.size() - 1) : n.value;
        s += "(g.model LIKE ? ESCAPE '\\' OR g.model_hash LIKE ? ESCAPE '\\')";
        bind("%" + like_literal(v) + "%");
        bind(like_literal(v) + "%");
        break;
      }
      case QueryField::kSampler: name_match("g.sampler", n.value, s); break;
      case QueryField::kScheduler: name_match("g.scheduler", n.value, s); break;
      case QueryField::kTool: name_match("g.tool", n.value, s); break;
      case QueryField::kTemplate: name_match("g.template_id", n.value, s); break;
      case QueryField::kLora: {
        // Candidates from the full-text index (the name's words in the prompt), confirmed
        // by the record's keyword list; keywords are stored normalized (detail_tweaker ->
        // "detail tweaker").
        bool prefix = n.value.size() > 1 && n.value.back() == '*';
        std::string name = normalize_keyword(std::string_view(n.value).substr(0, n.value.size() - (prefix ? 1 : 0)));
        std::string phrase = fts_phrase(name);
        if (phrase.empty()) return error_at(n.column, "expected a LoRA name after lora:");
        s += "(g.asset_id IN (SELECT rowid FROM prompt_fts WHERE prompt_fts MATCH ?) AND EXISTS (SELECT 1 FROM keywords k "
             "WHERE k.kind = 1 AND ";
        bind("prompt : " + phrase + (prefix ? " *" : ""));
        name_match("k.text", prefix ? name + "*" : name, s);
        s += " AND provena_has_keyword(g.keywords, k.id)))";
        break;
      }
      case QueryField::kPath:
        s += "EXISTS (SELECT 1 FROM files f WHERE f.asset_id = g.asset_id AND instr(f.path, ?) > 0)";
        bind(n.value);
        break;
      case QueryField::kHas:
        if (n.value == "negative")
          s += "EXISTS (SELECT 1 FROM generation_texts t WHERE t.asset_id = g.asset_id AND coalesce(t.negative_prompt, '') <> '')";
        else if (n.value == "prompt")
          s += "EXISTS (SELECT 1 FROM generation_texts t WHERE t.asset_id = g.asset_id AND coalesce(t.prompt, '') <> '')";
        else if (n.value == "seed") s += "g.seed IS NOT NULL";
        else if (n.value == "model") s += "(g.model IS NOT NULL OR g.model_hash IS NOT NULL)";
        else if (n.value == "template") s += "g.template_id IS NOT NULL";
        else if (n.value == "lora") {
          s += "(g.asset_id IN (SELECT rowid FROM prompt_fts WHERE prompt_fts MATCH ?) AND EXISTS (SELECT 1 FROM keywords k "
               "WHERE k.kind = 1 AND provena_has_keyword(g.keywords, k.id)))";
          bind(std::string("prompt : (lora OR lyco)"));
        }
        else s += "EXISTS (SELECT 1 FROM files f WHERE f.asset_id = g.asset_id AND f.missing = 0)";
        break;
    }
    return s;
  }

 private:
  const NegativeLookup& negatives_;
};

}  // namespace

Result<SqlQuery> compile_query(const SearchQuery& query, const NegativeLookup& negatives) {
  Compiler c(negatives);
  if (!query.root) return c.out;
  // The top level as a list of conjuncts; the positive text ones (and negated text, which
  // FTS5 can subtract) join into the driving FTS expression.
  std::vector<const QueryNode*> conjuncts;
  if (query.root->kind == Kind::kAnd)
    for (const auto& ch : query.root->children) conjuncts.push_back(&ch);
  else
    conjuncts.push_back(&*query.root);
  std::string fts_pos, fts_neg;
  std::vector<const QueryNode*> rest;
  for (const QueryNode* n : conjuncts) {
    if (fts_positive(*n)) {
      auto e = c.fts(*n);
      if (!e) return e.error();
      fts_pos += (fts_pos.empty() ? "" : " AND ") + *e;
    } else {
      rest.push_back(n);
    }
  }
  std::string where;
  for (const QueryNode* n : rest) {
    if (!fts_pos.empty() && n->kind == Kind::kNot && fts_positive(n->children[0])) {
      auto e = c.fts(n->children[0]);
      if (!e) return e.error();
      fts_neg += " NOT " + *e;
      continue;
    }
    auto s = c.cond(*n);
    if (!s) return s.error();
    where += (where.empty() ? "" : " AND ") + *s;
  }
  if (!fts_pos.empty()) c.out.fts = "((" + fts_pos + ")" + fts_neg + ")";
  c.out.where = where;
  return c.out;
}

SqlScope scope_sql(const SqlQuery& q, bool entries) {
  SqlScope s;
  const bool fts = !q.fts.empty();
  if (entries) {  // everything an Entry shows, assets first (search pages by a.id)
    s.from_where = fts ? "FROM prompt_fts m JOIN assets a ON a.id = m.rowid LEFT JOIN generations g ON g.asset_id = a.id "
                         "LEFT JOIN generation_texts t ON t.asset_id = a.id WHERE prompt_fts MATCH ?"
                       : "FROM assets a LEFT JOIN generations g ON g.asset_id = a.id "
                         "LEFT JOIN generation_texts t ON t.asset_id = a.id";
  } else {  // the narrow generations rows only, unless a condition needs the assets
    s.from_where = fts ? "FROM prompt_fts m JOIN generations g ON g.asset_id = m.rowid" : "FROM generations g";
    if (q.needs_assets) s.from_where += " JOIN assets a ON a.id = g.asset_id";
    if (fts) s.from_where += " WHERE prompt_fts MATCH ?";
  }
  if (fts) s.binds.emplace_back(q.fts);
  if (!q.where.empty()) s.from_where += (fts ? " AND " : " WHERE ") + q.where;
  s.binds.insert(s.binds.end(), q.binds.begin(), q.binds.end());
  return s;
}

}  // namespace provena
