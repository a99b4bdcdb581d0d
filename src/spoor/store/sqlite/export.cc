#include "spoor/store/sqlite/export.h"

#include <algorithm>

#include <boost/json.hpp>

#include "absl/container/flat_hash_map.h"

#include "spoor/common/clock.h"
#include "spoor/common/event.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::store::sqlite {
namespace {

// Contacts whose details are read together.
constexpr size_t kContactChunk = 256;

// Workspace filter shared by every export: ?1 NULL means all workspaces.
constexpr std::string_view kWorkspaceFilter = "(?1 IS NULL OR x.workspace_id = ?1)";

boost::json::value TextOrNull(const Stmt& s, int col) {
  if (s.IsNull(col)) return nullptr;
  return boost::json::string(s.Text(col));
}

boost::json::value TimeOrNull(const Stmt& s, int col) {
  if (s.IsNull(col)) return nullptr;
  return boost::json::string(FormatTime(s.Int(col)));
}

void BindWorkspace(Stmt& s, std::optional<int64_t> ws) {
  if (ws) s.Bind(1, *ws);
}

// A page is the rows whose key (the table's rowid) is above its cursor, in
// key order, at most its limit: a range read of the table itself.
std::string PageSql(const ExportPage* page, std::string_view key) {
  if (page == nullptr) return "";
  return StrCat(" AND ", key, " > ?2 ORDER BY ", key, " LIMIT ", std::max(1, page->limit));
}

void BindPage(Stmt& s, const ExportPage* page) {
  if (page != nullptr) s.Bind(2, page->after);
}

// Records the row just exported as the page's cursor.
void Advance(ExportPage* page, int64_t key) {
  if (page == nullptr) return;
  page->after = key;
  ++page->rows;
}

absl::Status ForEachRow(Stmt& stmt, const std::function<absl::Status()>& fn) {
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return absl::OkStatus();
    SPOOR_RETURN_IF_ERROR(fn());
  }
}

// Each contact's fields (with where each value came from), tags and
// devices, as export lines carry them: three reads for all of `ids`.
absl::StatusOr<absl::flat_hash_map<int64_t, boost::json::object>> ContactDetails(
    Db& db, absl::Span<const int64_t> ids) {
  absl::flat_hash_map<int64_t, boost::json::object> by_id;
  for (int64_t id : ids) {
    by_id[id] = {{"fields", boost::json::object()}, {"field_sources", boost::json::object()},
                 {"tags", boost::json::array()}, {"devices", boost::json::array()}};
  }
  const std::string id_array = IdArray(ids);
  SPOOR_ASSIGN_OR_RETURN(Stmt f, db.Prepare(
      "SELECT contact_id, alias, value, source, event_id, updated_at FROM contact_fields "
      "WHERE contact_id IN (SELECT value FROM json_each(?1)) ORDER BY contact_id, alias"));
  f.Bind(1, id_array);
  SPOOR_RETURN_IF_ERROR(ForEachRow(f, [&] {
    boost::json::object& o = by_id.at(f.Int(0));
    std::string alias(f.Text(1));
    o["fields"].as_object()[alias] = f.Text(2);
    o["field_sources"].as_object()[alias] = {{"source", f.Text(3)},
                                             {"event_id", TextOrNull(f, 4)},
                                             {"updated_at", FormatTime(f.Int(5))}};
    return absl::OkStatus();
  }));
  SPOOR_ASSIGN_OR_RETURN(Stmt t, db.Prepare(
      "SELECT contact_id, tag FROM contact_tags "
      "WHERE contact_id IN (SELECT value FROM json_each(?1)) ORDER BY contact_id, tag"));
  t.Bind(1, id_array);
  SPOOR_RETURN_IF_ERROR(ForEachRow(t, [&] {
    by_id.at(t.Int(0))["tags"].as_array().emplace_back(t.Text(1));
    return absl::OkStatus();
  }));
  SPOOR_ASSIGN_OR_RETURN(Stmt d, db.Prepare(
      "SELECT contact_id, device_id FROM devices "
      "WHERE contact_id IN (SELECT value FROM json_each(?1)) ORDER BY contact_id, created_at"));
  d.Bind(1, id_array);
  SPOOR_RETURN_IF_ERROR(ForEachRow(d, [&] {
    by_id.at(d.Int(0))["devices"].as_array().emplace_back(d.Text(1));
    return absl::OkStatus();
  }));
  return by_id;
}

// The merged contacts that `starts` (SQL giving contact ids, bound by the
// caller) names, each mapped to the contact that absorbed it in the end.
absl::StatusOr<absl::flat_hash_map<int64_t, int64_t>> RootsOf(
    Db& db, std::string_view starts, const std::function<void(Stmt&)>& bind) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(StrCat(
      "WITH RECURSIVE up(start, next, depth) AS ("
      "  SELECT c.id, c.merged_into, 0 FROM contacts c"
      "  WHERE c.id IN (", starts, ") AND c.merged_into IS NOT NULL"
      "  UNION ALL SELECT up.start, c.merged_into, up.depth + 1 FROM contacts c"
      "  JOIN up ON c.id = up.next WHERE c.merged_into IS NOT NULL AND up.depth < 32) "
      "SELECT start, next FROM up WHERE NOT EXISTS "
      "(SELECT 1 FROM contacts c WHERE c.id = up.next AND c.merged_into IS NOT NULL)")));
  bind(s);
  absl::flat_hash_map<int64_t, int64_t> root;
  SPOOR_RETURN_IF_ERROR(ForEachRow(s, [&] {
    root[s.Int(0)] = s.Int(1);
    return absl::OkStatus();
  }));
  return root;
}

// Every merged contact in the store.
absl::StatusOr<absl::flat_hash_map<int64_t, int64_t>> RootMap(Db& db) {
  return RootsOf(db, "SELECT id FROM contacts WHERE merged_into IS NOT NULL", [](Stmt&) {});
}

// The merged contacts a page's rows name: the page's `contact_column` of
// `table` (aliased x), keyed by `key`. A page reads only its own merges,
// however many the store holds.
absl::StatusOr<absl::flat_hash_map<int64_t, int64_t>> PageRootMap(
    Db& db, std::optional<int64_t> workspace_id, const ExportPage& page, std::string_view table,
    std::string_view key, std::string_view contact_column) {
  return RootsOf(db,
                 StrCat("SELECT ", contact_column, " FROM ", table, " x WHERE ", kWorkspaceFilter,
                        PageSql(&page, key)),
                 [&](Stmt& s) {
                   BindWorkspace(s, workspace_id);
                   BindPage(s, &page);
                 });
}

int64_t RootOf(const absl::flat_hash_map<int64_t, int64_t>& roots, int64_t id) {
  auto it = roots.find(id);
  return it == roots.end() ? id : it->second;
}

}  // namespace

absl::Status ExportContacts(Db& db, std::optional<int64_t> workspace_id, const LineFn& line,
                            ExportPage* page) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(StrCat(
      "SELECT x.id, w.uuid, x.created_at, x.last_active, x.identified, x.merged_into "
      "FROM contacts x JOIN workspaces w ON w.id = x.workspace_id WHERE ",
      kWorkspaceFilter, page ? PageSql(page, "x.id") : " ORDER BY x.created_at, x.id")));
  BindWorkspace(s, workspace_id);
  BindPage(s, page);
  // Contacts are read a chunk at a time, and each chunk's details in three
  // reads, not three per contact.
  struct Row {
    int64_t id, created_at, last_active;
    std::string workspace;
    bool identified;
    std::optional<int64_t> merged_into;
  };
  std::vector<Row> rows;
  std::vector<int64_t> ids;
  auto flush = [&]() -> absl::Status {
    SPOOR_ASSIGN_OR_RETURN(auto details, ContactDetails(db, ids));
    for (const Row& r : rows) {
      boost::json::object& o = details[r.id];
      o["id"] = r.id;
      o["workspace_id"] = r.workspace;
      o["created_at"] = FormatTime(r.created_at);
      o["last_active"] = FormatTime(r.last_active);
      o["identified"] = r.identified;
      o["merged_into"] = r.merged_into ? boost::json::value(*r.merged_into) : nullptr;
      line(boost::json::serialize(o));
    }
    rows.clear();
    ids.clear();
    return absl::OkStatus();
  };
  SPOOR_RETURN_IF_ERROR(ForEachRow(s, [&]() -> absl::Status {
    Advance(page, s.Int(0));
    rows.push_back({s.Int(0), s.Int(2), s.Int(3), std::string(s.Text(1)), s.Int(4) != 0,
                    s.IsNull(5) ? std::nullopt : std::optional<int64_t>(s.Int(5))});
    ids.push_back(s.Int(0));
    return rows.size() < kContactChunk ? absl::OkStatus() : flush();
  }));
  return rows.empty() ? absl::OkStatus() : flush();
}

absl::Status ExportEvents(Db& db, std::optional<int64_t> workspace_id, const LineFn& line,
                          ExportPage* page) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(std::string(
      "SELECT x.seq, w.uuid, x.event_id, x.received_at, x.client_time, x.type, x.source, "
      "x.contact_id, x.device_id, x.session_id, u.value, t.value, r.value, x.language, "
      "x.utm_source, x.utm_medium, x.utm_campaign, x.utm_term, x.utm_content, x.channel, x.name, "
      "x.properties, x.ip, a.value, x.event_time, x.origin_contact_id "
      "FROM events x JOIN workspaces w ON w.id = x.workspace_id "
      "LEFT JOIN strings u ON u.id = x.url_id LEFT JOIN strings t ON t.id = x.title_id "
      "LEFT JOIN strings r ON r.id = x.referrer_id LEFT JOIN strings a ON a.id = x.user_agent_id "
      "WHERE ") + std::string(kWorkspaceFilter) + (page ? PageSql(page, "x.seq") : " ORDER BY x.seq")));
  BindWorkspace(s, workspace_id);
  BindPage(s, page);
  SPOOR_ASSIGN_OR_RETURN(auto roots, page ? PageRootMap(db, workspace_id, *page, "events",
                                                        "x.seq", "x.contact_id")
                                            : RootMap(db));
  return ForEachRow(s, [&]() -> absl::Status {
    Advance(page, s.Int(0));
    boost::json::object o;
    o["id"] = s.Text(2);
    o["seq"] = s.Int(0);
    o["workspace_id"] = s.Text(1);
    o["received_at"] = FormatTime(s.Int(3));
    o["client_time"] = TimeOrNull(s, 4);
    o["type"] = EventTypeName(static_cast<EventType>(s.Int(5)));
    o["source"] = EventSourceName(static_cast<EventSource>(s.Int(6)));
    o["contact_id"] = RootOf(roots, s.Int(7));
    o["origin_contact_id"] = s.IsNull(25) ? s.Int(7) : s.Int(25);
    o["event_time"] = TimeOrNull(s, 24);
    o["device_id"] = TextOrNull(s, 8);
    o["session_id"] = s.Int(9);
    const char* names[] = {"url", "title", "referrer", "language", "utm_source", "utm_medium",
                           "utm_campaign", "utm_term", "utm_content", "channel", "name"};
    for (int i = 0; i < 11; ++i) o[names[i]] = TextOrNull(s, 10 + i);
    boost::system::error_code ec;
    boost::json::value props = s.IsNull(21) ? boost::json::object()
                                            : boost::json::parse(s.Text(21), ec);
    o["properties"] = ec ? boost::json::value(boost::json::object()) : props;
    o["ip"] = TextOrNull(s, 22);
    o["user_agent"] = TextOrNull(s, 23);
    line(boost::json::serialize(o));
    return absl::OkStatus();
  });
}

absl::Status ExportSessions(Db& db, std::optional<int64_t> workspace_id, const LineFn& line,
                            ExportPage* page) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(std::string(
      "SELECT x.id, w.uuid, x.contact_id, x.device_id, x.started_at, x.last_event_at, "
      "x.event_count, l.value, e.value, r.value, x.utm_source, x.utm_medium, x.utm_campaign, "
      "x.utm_term, x.utm_content, x.channel, x.browser, x.os, x.device_type FROM sessions x "
      "JOIN workspaces w ON w.id = x.workspace_id LEFT JOIN strings l ON l.id = x.landing_url_id "
      "LEFT JOIN strings e ON e.id = x.exit_url_id LEFT JOIN strings r ON r.id = x.referrer_id "
      "WHERE ") + std::string(kWorkspaceFilter) + (page ? PageSql(page, "x.id") : " ORDER BY x.id")));
  BindWorkspace(s, workspace_id);
  BindPage(s, page);
  SPOOR_ASSIGN_OR_RETURN(auto roots, page ? PageRootMap(db, workspace_id, *page, "sessions",
                                                        "x.id", "x.contact_id")
                                            : RootMap(db));
  return ForEachRow(s, [&]() -> absl::Status {
    Advance(page, s.Int(0));
    boost::json::object o;
    o["id"] = s.Int(0);
    o["workspace_id"] = s.Text(1);
    o["contact_id"] = RootOf(roots, s.Int(2));
    o["device_id"] = TextOrNull(s, 3);
    o["started_at"] = FormatTime(s.Int(4));
    o["last_event_at"] = FormatTime(s.Int(5));
    o["event_count"] = s.Int(6);
    const char* names[] = {"landing_url", "exit_url", "referrer", "utm_source", "utm_medium",
                           "utm_campaign", "utm_term", "utm_content", "channel", "browser",
                           "os", "device_type"};
    for (int i = 0; i < 12; ++i) o[names[i]] = TextOrNull(s, 7 + i);
    line(boost::json::serialize(o));
    return absl::OkStatus();
  });
}

absl::Status ExportCounters(Db& db, const LineFn& line) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(
      "SELECT w.uuid, c.name, c.reason, c.value FROM counters c "
      "LEFT JOIN workspaces w ON w.id = c.workspace_id ORDER BY c.name, c.reason"));
  return ForEachRow(s, [&]() -> absl::Status {
    boost::json::object o{{"workspace_id", TextOrNull(s, 0)}, {"name", s.Text(1)},
                          {"reason", s.Text(2)}, {"value", s.Int(3)}};
    line(boost::json::serialize(o));
    return absl::OkStatus();
  });
}

}  // namespace spoor::store::sqlite

namespace spoor::store::sqlite {

namespace {

// Cursor "TIME.SEQ" of the last entry of a page.
bool ParseCursor(std::string_view c, int64_t& time, int64_t& seq) {
  size_t dot = c.find('.');
  if (dot == std::string_view::npos) return false;
  try {
    time = std::stoll(std::string(c.substr(0, dot)));
    seq = std::stoll(std::string(c.substr(dot + 1)));
  } catch (...) {
    return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> ShowContact(Db& db, int64_t contact, const TimelineQuery& query) {
  SPOOR_ASSIGN_OR_RETURN(auto roots, RootMap(db));
  const int64_t root = RootOf(roots, contact);
  SPOOR_ASSIGN_OR_RETURN(Stmt c, db.Prepare(
      "SELECT x.id, w.uuid, x.created_at, x.last_active, x.identified FROM contacts x "
      "JOIN workspaces w ON w.id = x.workspace_id WHERE x.id = ?1"));
  c.Bind(1, root);
  SPOOR_ASSIGN_OR_RETURN(bool found, c.Step());
  if (!found) return absl::NotFoundError(StrCat("no contact ", contact));
  SPOOR_ASSIGN_OR_RETURN(auto details, ContactDetails(db, absl::MakeConstSpan(&root, 1)));
  boost::json::object& o = details[root];
  o["id"] = root;
  o["workspace_id"] = c.Text(1);
  o["created_at"] = FormatTime(c.Int(2));
  o["last_active"] = FormatTime(c.Int(3));
  o["identified"] = c.Int(4) != 0;
  boost::json::array members{root};
  std::string in = StrCat(root);
  for (const auto& [id, r] : roots) {
    if (r == root) {
      members.emplace_back(id);
      in += StrCat(",", id);
    }
  }
  o["merged_contacts"] = members;
  boost::json::array merges;
  SPOOR_ASSIGN_OR_RETURN(Stmt m, db.Prepare(StrCat(
      "SELECT id, winner_id, loser_id, cause_event_id, identifier_kind, identifier_value, "
      "merged_at, unmerged_at, moved FROM merges WHERE winner_id IN (", in, ") OR loser_id IN (",
      in, ") ORDER BY id")));
  SPOOR_RETURN_IF_ERROR(ForEachRow(m, [&] {
    boost::system::error_code ec;
    merges.push_back(boost::json::object{
        {"id", m.Int(0)}, {"winner_id", m.Int(1)}, {"loser_id", m.Int(2)},
        {"cause_event_id", TextOrNull(m, 3)}, {"identifier_kind", TextOrNull(m, 4)},
        {"identifier_value", TextOrNull(m, 5)}, {"merged_at", FormatTime(m.Int(6))},
        {"unmerged_at", TimeOrNull(m, 7)}, {"moved", boost::json::parse(m.Text(8), ec)}});
    return absl::OkStatus();
  }));
  o["merges"] = std::move(merges);
  boost::json::array timeline;
  int64_t before_time = 0, before_seq = 0;
  if (!query.before.empty() && !ParseCursor(query.before, before_time, before_seq)) {
    return absl::InvalidArgumentError("bad timeline cursor");
  }
  std::string types;
  for (const std::string& t : query.types) {
    int code = 0;
    for (int k = 1; k <= 7; ++k) {
      if (EventTypeName(static_cast<EventType>(k)) == t) code = k;
    }
    if (code == 0) return absl::InvalidArgumentError(StrCat("unknown event type ", t));
    types += StrCat(types.empty() ? "" : ",", code);
  }
  SPOOR_ASSIGN_OR_RETURN(Stmt e, db.Prepare(StrCat(
      "SELECT x.event_id, coalesce(x.event_time, x.received_at) AS t, x.type, x.source, "
      "x.session_id, u.value, tt.value, x.name, x.utm_campaign, x.channel, x.contact_id, x.seq "
      "FROM events x LEFT JOIN strings u ON u.id = x.url_id "
      "LEFT JOIN strings tt ON tt.id = x.title_id WHERE x.contact_id IN (", in, ") ",
      types.empty() ? "" : StrCat("AND x.type IN (", types, ") "),
      "AND (?2 = 0 OR t >= ?2) AND (?3 = 0 OR t <= ?3) ",
      "AND (?4 = 0 OR t < ?4 OR (t = ?4 AND x.seq < ?5)) ",
      "ORDER BY t DESC, x.seq DESC LIMIT ?1")));
  const int limit = std::clamp(query.limit, 1, 1000);
  e.Bind(1, int64_t{limit}).Bind(2, query.from_us).Bind(3, query.to_us).Bind(4, before_time)
      .Bind(5, before_seq);
  std::string next_before;
  int64_t previous_session = -1;
  SPOOR_RETURN_IF_ERROR(ForEachRow(e, [&] {
    int64_t session = e.Int(4);
    boost::json::object item{
        {"id", e.Text(0)}, {"time", FormatTime(e.Int(1))},
        {"type", EventTypeName(static_cast<EventType>(e.Int(2)))},
        {"source", EventSourceName(static_cast<EventSource>(e.Int(3)))},
        {"session_id", session}, {"new_session", session != previous_session},
        {"url", TextOrNull(e, 5)}, {"title", TextOrNull(e, 6)}, {"name", TextOrNull(e, 7)},
        {"utm_campaign", TextOrNull(e, 8)}, {"channel", TextOrNull(e, 9)},
        {"origin_contact_id", e.Int(10)}};
    next_before = StrCat(e.Int(1), ".", e.Int(11));
    // The timeline entry of a campaign visit is titled by its campaign.
    item["label"] = !e.IsNull(8) ? TextOrNull(e, 8) : (!e.IsNull(6) ? TextOrNull(e, 6) : TextOrNull(e, 5));
    previous_session = session;
    timeline.emplace_back(std::move(item));
    return absl::OkStatus();
  }));
  o["next_before"] = static_cast<int>(timeline.size()) == limit ? boost::json::value(next_before)
                                                                 : boost::json::value(nullptr);
  o["timeline"] = std::move(timeline);
  return boost::json::serialize(o);
}

}  // namespace spoor::store::sqlite
