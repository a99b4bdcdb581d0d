#include "spoor/store/sqlite/export.h"

#include <boost/json.hpp>

#include "spoor/common/clock.h"
#include "spoor/common/event.h"
#include "spoor/common/status.h"

namespace spoor::store::sqlite {
namespace {

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

absl::Status ForEachRow(Stmt& stmt, const std::function<absl::Status()>& fn) {
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return absl::OkStatus();
    SPOOR_RETURN_IF_ERROR(fn());
  }
}

absl::StatusOr<boost::json::object> ContactDetails(Db& db, int64_t contact_id) {
  boost::json::object fields, sources;
  SPOOR_ASSIGN_OR_RETURN(Stmt f, db.Prepare(
      "SELECT alias, value, source, event_id, updated_at FROM contact_fields WHERE contact_id = ?1 "
      "ORDER BY alias"));
  f.Bind(1, contact_id);
  SPOOR_RETURN_IF_ERROR(ForEachRow(f, [&] {
    std::string alias(f.Text(0));
    fields[alias] = f.Text(1);
    sources[alias] = {{"source", f.Text(2)}, {"event_id", TextOrNull(f, 3)},
                      {"updated_at", FormatTime(f.Int(4))}};
    return absl::OkStatus();
  }));
  boost::json::array tags, devices;
  SPOOR_ASSIGN_OR_RETURN(
      Stmt t, db.Prepare("SELECT tag FROM contact_tags WHERE contact_id = ?1 ORDER BY tag"));
  t.Bind(1, contact_id);
  SPOOR_RETURN_IF_ERROR(ForEachRow(t, [&] {
    tags.emplace_back(t.Text(0));
    return absl::OkStatus();
  }));
  SPOOR_ASSIGN_OR_RETURN(
      Stmt d, db.Prepare("SELECT device_id FROM devices WHERE contact_id = ?1 ORDER BY created_at"));
  d.Bind(1, contact_id);
  SPOOR_RETURN_IF_ERROR(ForEachRow(d, [&] {
    devices.emplace_back(d.Text(0));
    return absl::OkStatus();
  }));
  return boost::json::object{{"fields", std::move(fields)},
                             {"field_sources", std::move(sources)},
                             {"tags", std::move(tags)},
                             {"devices", std::move(devices)}};
}

}  // namespace

absl::Status ExportContacts(Db& db, std::optional<int64_t> workspace_id, const LineFn& line) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(std::string(
      "SELECT x.id, w.uuid, x.created_at, x.last_active, x.identified, x.merged_into "
      "FROM contacts x JOIN workspaces w ON w.id = x.workspace_id WHERE ") +
      std::string(kWorkspaceFilter) + " ORDER BY x.created_at, x.id"));
  BindWorkspace(s, workspace_id);
  return ForEachRow(s, [&]() -> absl::Status {
    SPOOR_ASSIGN_OR_RETURN(boost::json::object o, ContactDetails(db, s.Int(0)));
    o["id"] = s.Int(0);
    o["workspace_id"] = s.Text(1);
    o["created_at"] = FormatTime(s.Int(2));
    o["last_active"] = FormatTime(s.Int(3));
    o["identified"] = s.Int(4) != 0;
    o["merged_into"] = s.IsNull(5) ? boost::json::value(nullptr) : boost::json::value(s.Int(5));
    line(boost::json::serialize(o));
    return absl::OkStatus();
  });
}

absl::Status ExportEvents(Db& db, std::optional<int64_t> workspace_id, const LineFn& line) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(std::string(
      "SELECT x.seq, w.uuid, x.event_id, x.received_at, x.client_time, x.type, x.source, "
      "x.contact_id, x.device_id, x.session_id, u.value, t.value, r.value, x.language, "
      "x.utm_source, x.utm_medium, x.utm_campaign, x.utm_term, x.utm_content, x.channel, x.name, "
      "x.properties, x.ip, a.value FROM events x JOIN workspaces w ON w.id = x.workspace_id "
      "LEFT JOIN strings u ON u.id = x.url_id LEFT JOIN strings t ON t.id = x.title_id "
      "LEFT JOIN strings r ON r.id = x.referrer_id LEFT JOIN strings a ON a.id = x.user_agent_id "
      "WHERE ") + std::string(kWorkspaceFilter) + " ORDER BY x.seq"));
  BindWorkspace(s, workspace_id);
  return ForEachRow(s, [&]() -> absl::Status {
    boost::json::object o;
    o["id"] = s.Text(2);
    o["seq"] = s.Int(0);
    o["workspace_id"] = s.Text(1);
    o["received_at"] = FormatTime(s.Int(3));
    o["client_time"] = TimeOrNull(s, 4);
    o["type"] = EventTypeName(static_cast<EventType>(s.Int(5)));
    o["source"] = EventSourceName(static_cast<EventSource>(s.Int(6)));
    o["contact_id"] = s.Int(7);
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

absl::Status ExportSessions(Db& db, std::optional<int64_t> workspace_id, const LineFn& line) {
  SPOOR_ASSIGN_OR_RETURN(Stmt s, db.Prepare(std::string(
      "SELECT x.id, w.uuid, x.contact_id, x.device_id, x.started_at, x.last_event_at, "
      "x.event_count, l.value, e.value, r.value, x.utm_source, x.utm_medium, x.utm_campaign, "
      "x.utm_term, x.utm_content, x.channel FROM sessions x "
      "JOIN workspaces w ON w.id = x.workspace_id LEFT JOIN strings l ON l.id = x.landing_url_id "
      "LEFT JOIN strings e ON e.id = x.exit_url_id LEFT JOIN strings r ON r.id = x.referrer_id "
      "WHERE ") + std::string(kWorkspaceFilter) + " ORDER BY x.id"));
  BindWorkspace(s, workspace_id);
  return ForEachRow(s, [&]() -> absl::Status {
    boost::json::object o;
    o["id"] = s.Int(0);
    o["workspace_id"] = s.Text(1);
    o["contact_id"] = s.Int(2);
    o["device_id"] = TextOrNull(s, 3);
    o["started_at"] = FormatTime(s.Int(4));
    o["last_event_at"] = FormatTime(s.Int(5));
    o["event_count"] = s.Int(6);
    const char* names[] = {"landing_url", "exit_url", "referrer", "utm_source", "utm_medium",
                           "utm_campaign", "utm_term", "utm_content", "channel"};
    for (int i = 0; i < 9; ++i) o[names[i]] = TextOrNull(s, 7 + i);
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
