#include "spoor/store/sqlite/own_api.h"

#include <string>

#include "spoor/common/status.h"
#include "spoor/common/strings.h"
#include "spoor/store/sqlite/contacts.h"

namespace spoor::store::sqlite {
namespace {

// ?1 workspace, ?2 before_seq (0: none), ?3 from, ?4 to (0: none), ?5 limit
// + 1, ?6 contact (0: every contact); type numbers follow from ?7.
constexpr std::string_view kListEvents =
    "SELECT e.seq, e.event_id, e.contact_id, coalesce(e.event_time, e.received_at), e.type, "
    "e.source, e.name, u.value, t.value, r.value, e.channel, e.properties, e.utm_source, "
    "e.utm_medium, e.utm_campaign, e.utm_term, e.utm_content FROM events e "
    "LEFT JOIN strings u ON u.id = e.url_id LEFT JOIN strings t ON t.id = e.title_id "
    "LEFT JOIN strings r ON r.id = e.referrer_id WHERE e.workspace_id = ?1 "
    "AND (?2 = 0 OR e.seq < ?2) "
    "AND (?3 = 0 OR coalesce(e.event_time, e.received_at) >= ?3) "
    "AND (?4 = 0 OR coalesce(e.event_time, e.received_at) <= ?4) "
    "AND (?6 = 0 OR e.contact_id IN (WITH RECURSIVE f(id) AS (SELECT ?6 UNION "
    "SELECT c.id FROM contacts c JOIN f ON c.merged_into = f.id) SELECT id FROM f))";

absl::StatusOr<int64_t> TypeNumber(std::string_view name) {
  for (int t = 1; t <= 16; ++t) {
    if (EventTypeName(static_cast<EventType>(t)) == name) return t;
  }
  return absl::InvalidArgumentError(StrCat("unknown event type '", name, "'"));
}

}  // namespace

absl::StatusOr<EventPage> ListEvents(Db& db, const EventQuery& q) {
  std::string sql(kListEvents);
  if (q.contact_id != 0) {
    SPOOR_RETURN_IF_ERROR(GetContact(db, q.workspace_id, q.contact_id).status());
  }
  std::vector<int64_t> types;
  for (const std::string& name : q.types) {
    SPOOR_ASSIGN_OR_RETURN(int64_t t, TypeNumber(name));
    types.push_back(t);
  }
  if (!types.empty()) {
    sql += " AND e.type IN (";
    for (size_t i = 0; i < types.size(); ++i) sql += StrCat(i ? ", " : "", "?", 7 + i);
    sql += ")";
  }
  sql += " ORDER BY e.seq DESC LIMIT ?5";
  SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(sql));
  stmt.Bind(1, q.workspace_id).Bind(2, q.before_seq).Bind(3, q.from_us).Bind(4, q.to_us)
      .Bind(5, int64_t{q.limit} + 1).Bind(6, q.contact_id);
  for (size_t i = 0; i < types.size(); ++i) stmt.Bind(static_cast<int>(7 + i), types[i]);
  EventPage page;
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (static_cast<int>(page.events.size()) == q.limit) {
      page.more = true;
      break;
    }
    EventRecord r;
    r.seq = stmt.Int(0);
    ActivityRecord& a = r.event;
    a.event_id = stmt.Text(1);
    a.contact_id = stmt.Int(2);
    a.at_us = stmt.Int(3);
    a.type = EventTypeName(static_cast<EventType>(stmt.Int(4)));
    a.source = EventSourceName(static_cast<EventSource>(stmt.Int(5)));
    a.name = stmt.Text(6);
    a.url = stmt.Text(7);
    a.title = stmt.Text(8);
    a.referrer = stmt.Text(9);
    a.channel = stmt.Text(10);
    a.properties_json = stmt.Text(11);
    a.utm_source = stmt.Text(12);
    a.utm_medium = stmt.Text(13);
    a.utm_campaign = stmt.Text(14);
    a.utm_term = stmt.Text(15);
    a.utm_content = stmt.Text(16);
    page.events.push_back(std::move(r));
  }
  return page;
}

}  // namespace spoor::store::sqlite
