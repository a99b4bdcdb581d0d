#include "spoor/store/sqlite/contacts.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::store::sqlite {
namespace {

// A bound value: a number or a text.
struct Value {
  Value(int64_t n) : is_int(true), number(n) {}  // NOLINT: implicit on purpose
  Value(std::string s) : text(std::move(s)) {}   // NOLINT
  bool is_int = false;
  int64_t number = 0;
  std::string text;
};

// Builds SQL with every value bound by position; column names come from a
// fixed list, field aliases are bound too.
class Sql {
 public:
  std::string text;
  std::vector<Value> values;

  // Appends "?N" for `v`.
  std::string Param(Value v) {
    values.push_back(std::move(v));
    return StrCat("?", values.size());
  }
  void BindAll(Stmt& stmt) const {
    for (size_t i = 0; i < values.size(); ++i) {
      int index = static_cast<int>(i) + 1;
      if (values[i].is_int) {
        stmt.Bind(index, values[i].number);
      } else {
        stmt.Bind(index, values[i].text);
      }
    }
  }
};

// The SQL expression of a column, and whether it is numeric (ids, times).
struct Column {
  std::string expr;
  bool numeric = false;
};

absl::StatusOr<bool> IsField(Db& db, int64_t workspace_id, std::string_view alias) {
  SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(
      "SELECT 1 FROM field_definitions WHERE workspace_id = ?1 AND alias = ?2"));
  stmt.Bind(1, workspace_id).Bind(2, alias);
  return stmt.Step();
}

absl::StatusOr<Column> ColumnOf(Db& db, int64_t workspace_id, std::string_view name, Sql& sql) {
  if (name == "id") return Column{"c.id", true};
  if (name == "date_added") return Column{"c.created_at", true};
  if (name == "last_active") return Column{"c.last_active", true};
  if (name == "date_identified") {
    return Column{"(SELECT min(i.created_at) FROM identities i WHERE i.contact_id = c.id)", true};
  }
  if (name == "date_modified") {
    return Column{"coalesce((SELECT max(f.updated_at) FROM contact_fields f "
                  "WHERE f.contact_id = c.id), c.created_at)",
                  true};
  }
  SPOOR_ASSIGN_OR_RETURN(bool field, IsField(db, workspace_id, name));
  if (!field) return absl::InvalidArgumentError(StrCat("unknown column ", name));
  return Column{StrCat("(SELECT f.value FROM contact_fields f WHERE f.contact_id = c.id AND "
                       "f.alias = ", sql.Param(std::string(name)), ")"),
                false};
}

std::string EscapeLike(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '%' || ch == '_' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  return out;
}

absl::StatusOr<Value> Typed(const Column& col, const std::string& v) {
  if (!col.numeric) return Value(v);
  int64_t n;
  if (!absl::SimpleAtoi(ToAbsl(v), &n)) {
    return absl::InvalidArgumentError(StrCat("not a number: ", v));
  }
  return Value(n);
}

absl::Status AddFilter(Db& db, int64_t workspace_id, const ContactFilter& f, Sql& sql) {
  SPOOR_ASSIGN_OR_RETURN(Column col, ColumnOf(db, workspace_id, f.column, sql));
  if (f.op == "isNull" || f.op == "isNotNull") {
    sql.text += StrCat(" AND ", col.expr, f.op == "isNull" ? " IS NULL" : " IS NOT NULL");
    return absl::OkStatus();
  }
  if (f.op == "in" || f.op == "notIn") {
    if (f.values.empty()) {
      sql.text += f.op == "in" ? " AND 0" : "";
      return absl::OkStatus();
    }
    std::string list;
    for (const std::string& v : f.values) {
      SPOOR_ASSIGN_OR_RETURN(Value typed, Typed(col, v));
      list += StrCat(list.empty() ? "" : ", ", sql.Param(std::move(typed)));
    }
    sql.text += StrCat(" AND ", col.expr, f.op == "in" ? " IN (" : " NOT IN (", list, ")");
    return absl::OkStatus();
  }
  if (f.values.size() != 1) {
    return absl::InvalidArgumentError(StrCat("operator ", f.op, " takes one value"));
  }
  if (f.op == "like" || f.op == "notLike") {
    // Mautic's like takes SQL wildcards as given (% and _).
    sql.text += StrCat(" AND ", col.expr, f.op == "like" ? " LIKE " : " NOT LIKE ",
                       sql.Param(f.values[0]));
    return absl::OkStatus();
  }
  static constexpr std::pair<std::string_view, std::string_view> kOps[] = {
      {"eq", "="}, {"neq", "!="}, {"lt", "<"}, {"lte", "<="}, {"gt", ">"}, {"gte", ">="}};
  for (const auto& [name, op] : kOps) {
    if (f.op != name) continue;
    SPOOR_ASSIGN_OR_RETURN(Value typed, Typed(col, f.values[0]));
    sql.text += StrCat(" AND ", col.expr, " ", op, " ", sql.Param(std::move(typed)));
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(StrCat("unknown operator ", f.op));
}

// Fills the contacts' fields and tags: two reads for the whole page, not
// two per contact.
absl::Status LoadDetails(Db& db, absl::Span<ContactRecord> contacts) {
  if (contacts.empty()) return absl::OkStatus();
  absl::flat_hash_map<int64_t, ContactRecord*> by_id;
  std::vector<int64_t> id_list;
  for (ContactRecord& c : contacts) {
    by_id[c.id] = &c;
    id_list.push_back(c.id);
  }
  const std::string ids = IdArray(id_list);
  SPOOR_ASSIGN_OR_RETURN(Stmt fields, db.Prepare(
      "SELECT contact_id, alias, value FROM contact_fields "
      "WHERE contact_id IN (SELECT value FROM json_each(?1)) ORDER BY contact_id, alias"));
  fields.Bind(1, ids);
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, fields.Step());
    if (!row) break;
    by_id.at(fields.Int(0))->fields.emplace_back(fields.Text(1), fields.Text(2));
  }
  SPOOR_ASSIGN_OR_RETURN(Stmt tags, db.Prepare(
      "SELECT contact_id, tag FROM contact_tags "
      "WHERE contact_id IN (SELECT value FROM json_each(?1)) ORDER BY contact_id, tag"));
  tags.Bind(1, ids);
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, tags.Step());
    if (!row) break;
    by_id.at(tags.Int(0))->tags.emplace_back(tags.Text(1));
  }
  return absl::OkStatus();
}

constexpr std::string_view kContactColumns =
    "c.id, c.workspace_id, c.created_at, c.last_active, "
    "(SELECT min(i.created_at) FROM identities i WHERE i.contact_id = c.id), "
    "coalesce((SELECT max(f.updated_at) FROM contact_fields f WHERE f.contact_id = c.id), "
    "c.created_at)";

ContactRecord ReadContact(const Stmt& s) {
  ContactRecord c;
  c.id = s.Int(0);
  c.workspace_id = s.Int(1);
  c.created_at_us = s.Int(2);
  c.last_active_us = s.Int(3);
  c.identified_at_us = s.IsNull(4) ? 0 : s.Int(4);
  c.modified_at_us = s.Int(5);
  return c;
}

}  // namespace

absl::StatusOr<ContactPage> ListContacts(Db& db, const ContactQuery& q) {
  Sql where;
  where.text = StrCat(" FROM contacts c WHERE c.workspace_id = ", where.Param(q.workspace_id),
                      " AND c.merged_into IS NULL");
  for (const ContactFilter& f : q.filters) {
    SPOOR_RETURN_IF_ERROR(AddFilter(db, q.workspace_id, f, where));
  }
  if (!q.text.empty()) {
    where.text += StrCat(" AND EXISTS (SELECT 1 FROM contact_fields f WHERE f.contact_id = c.id "
                         "AND f.value LIKE ",
                         where.Param(StrCat("%", EscapeLike(q.text), "%")), " ESCAPE '\\')");
  }
  if (q.anonymous) {
    where.text += StrCat(" AND ", *q.anonymous ? "NOT " : "",
                         "EXISTS (SELECT 1 FROM identities i WHERE i.contact_id = c.id)");
  }
  if (q.after_id > 0) where.text += StrCat(" AND c.id > ", where.Param(q.after_id));

  ContactPage page;
  SPOOR_ASSIGN_OR_RETURN(Stmt count, db.Prepare(StrCat("SELECT count(*)", where.text)));
  where.BindAll(count);
  SPOOR_ASSIGN_OR_RETURN(bool counted, count.Step());
  page.total = counted ? count.Int(0) : 0;

  Sql list = where;
  SPOOR_ASSIGN_OR_RETURN(Column order, ColumnOf(db, q.workspace_id, q.order_by, list));
  const char* dir = q.descending ? " DESC" : " ASC";
  list.text = StrCat("SELECT ", kContactColumns, list.text, " ORDER BY ", order.expr, dir,
                     ", c.id", dir, " LIMIT ", list.Param(int64_t{q.limit}), " OFFSET ",
                     list.Param(q.start));
  SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(list.text));
  list.BindAll(stmt);
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    page.contacts.push_back(ReadContact(stmt));
  }
  SPOOR_RETURN_IF_ERROR(LoadDetails(db, absl::MakeSpan(page.contacts)));
  return page;
}

absl::StatusOr<ContactRecord> GetContact(Db& db, int64_t workspace_id, int64_t id) {
  SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(StrCat(
      "SELECT ", kContactColumns,
      " FROM contacts c WHERE c.id = ?1 AND c.workspace_id = ?2 AND c.merged_into IS NULL")));
  stmt.Bind(1, id).Bind(2, workspace_id);
  SPOOR_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError("Item was not found.");
  ContactRecord c = ReadContact(stmt);
  SPOOR_RETURN_IF_ERROR(LoadDetails(db, absl::MakeSpan(&c, 1)));
  return c;
}

absl::StatusOr<int64_t> EventContact(Db& db, int64_t workspace_id, std::string_view event_id) {
  SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(
      "WITH RECURSIVE up(id, next) AS ("
      "  SELECT c.id, c.merged_into FROM events e JOIN contacts c ON c.id = e.contact_id"
      "  WHERE e.workspace_id = ?1 AND e.event_id = ?2"
      "  UNION ALL SELECT c.id, c.merged_into FROM contacts c JOIN up ON c.id = up.next)"
      " SELECT id FROM up WHERE next IS NULL"));
  stmt.Bind(1, workspace_id).Bind(2, event_id);
  SPOOR_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError("no such event");
  return stmt.Int(0);
}

absl::StatusOr<std::vector<DeviceRecord>> ContactDevices(Db& db, int64_t workspace_id,
                                                         int64_t id) {
  SPOOR_RETURN_IF_ERROR(GetContact(db, workspace_id, id).status());
  SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(
      "SELECT d.device_id, d.created_at, d.last_seen, s.value FROM devices d "
      "LEFT JOIN strings s ON s.id = d.user_agent_id WHERE d.contact_id IN ("
      "  WITH RECURSIVE f(id) AS (SELECT ?1 UNION SELECT c.id FROM contacts c JOIN f"
      "  ON c.merged_into = f.id) SELECT id FROM f) ORDER BY d.created_at DESC"));
  stmt.Bind(1, id);
  std::vector<DeviceRecord> out;
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back({std::string(stmt.Text(0)), stmt.Int(1), stmt.Int(2), std::string(stmt.Text(3))});
  }
  return out;
}

absl::StatusOr<ActivityPage> Activity(Db& db, const ActivityQuery& q) {
  Sql where;
  where.text = StrCat(" FROM events e LEFT JOIN strings u ON u.id = e.url_id "
                      "LEFT JOIN strings t ON t.id = e.title_id "
                      "LEFT JOIN strings r ON r.id = e.referrer_id WHERE e.workspace_id = ",
                      where.Param(q.workspace_id));
  if (q.contact_id != 0) {
    SPOOR_RETURN_IF_ERROR(GetContact(db, q.workspace_id, q.contact_id).status());
    where.text += StrCat(
        " AND e.contact_id IN (WITH RECURSIVE f(id) AS (SELECT ", where.Param(q.contact_id),
        " UNION SELECT c.id FROM contacts c JOIN f ON c.merged_into = f.id) SELECT id FROM f)");
  }
  auto type_list = [&](const std::vector<std::string>& names) {
    std::string list;
    for (const std::string& name : names) {
      for (int t = 1; t <= 16; ++t) {
        if (EventTypeName(static_cast<EventType>(t)) == name) {
          list += StrCat(list.empty() ? "" : ", ", where.Param(int64_t{t}));
        }
      }
    }
    return list.empty() ? std::string("NULL") : list;
  };
  if (!q.include_types.empty()) {
    where.text += StrCat(" AND e.type IN (", type_list(q.include_types), ")");
  }
  if (!q.exclude_types.empty()) {
    where.text += StrCat(" AND e.type NOT IN (", type_list(q.exclude_types), ")");
  }
  if (!q.text.empty()) {
    std::string p = where.Param(StrCat("%", EscapeLike(q.text), "%"));
    where.text += StrCat(" AND (u.value LIKE ", p, " ESCAPE '\\' OR t.value LIKE ", p,
                         " ESCAPE '\\' OR e.name LIKE ", p, " ESCAPE '\\')");
  }
  const std::string at = "coalesce(e.event_time, e.received_at)";
  if (q.from_us) where.text += StrCat(" AND ", at, " >= ", where.Param(q.from_us));
  if (q.to_us) where.text += StrCat(" AND ", at, " <= ", where.Param(q.to_us));

  ActivityPage page;
  SPOOR_ASSIGN_OR_RETURN(Stmt count, db.Prepare(StrCat("SELECT count(*)", where.text)));
  where.BindAll(count);
  SPOOR_ASSIGN_OR_RETURN(bool counted, count.Step());
  page.total = counted ? count.Int(0) : 0;

  Sql list = where;
  const char* dir = q.ascending ? " ASC" : " DESC";
  list.text = StrCat("SELECT e.event_id, e.contact_id, ", at, ", e.type, e.source, e.name, "
                     "u.value, t.value, r.value, e.channel, e.properties, e.utm_source, "
                     "e.utm_medium, e.utm_campaign, e.utm_term, e.utm_content",
                     list.text, " ORDER BY ", at, dir, ", e.seq", dir, " LIMIT ",
                     list.Param(int64_t{q.limit}), " OFFSET ", list.Param(q.offset));
  SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(list.text));
  list.BindAll(stmt);
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    ActivityRecord a;
    a.event_id = stmt.Text(0);
    a.contact_id = stmt.Int(1);
    a.at_us = stmt.Int(2);
    a.type = EventTypeName(static_cast<EventType>(stmt.Int(3)));
    a.source = EventSourceName(static_cast<EventSource>(stmt.Int(4)));
    a.name = stmt.Text(5);
    a.url = stmt.Text(6);
    a.title = stmt.Text(7);
    a.referrer = stmt.Text(8);
    a.channel = stmt.Text(9);
    a.properties_json = stmt.Text(10);
    a.utm_source = stmt.Text(11);
    a.utm_medium = stmt.Text(12);
    a.utm_campaign = stmt.Text(13);
    a.utm_term = stmt.Text(14);
    a.utm_content = stmt.Text(15);
    page.events.push_back(std::move(a));
  }
  return page;
}

}  // namespace spoor::store::sqlite
