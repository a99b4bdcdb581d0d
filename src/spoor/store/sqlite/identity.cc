#include "spoor/store/sqlite/identity.h"

#include <boost/json.hpp>

#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::store::sqlite {
namespace {

constexpr int kMaxMergeChain = 32;

// Runs `stmt` (already bound) and returns column 0 of its first row.
absl::StatusOr<std::optional<int64_t>> FirstInt(Stmt& stmt) {
  absl::StatusOr<bool> row = stmt.Step();
  std::optional<int64_t> out;
  if (row.ok() && *row && !stmt.IsNull(0)) out = stmt.Int(0);
  stmt.Reset();
  SPOOR_RETURN_IF_ERROR(row.status());
  return out;
}

// Runs `stmt` and collects column 0 of every row as text.
absl::StatusOr<std::vector<std::string>> Texts(Stmt& stmt) {
  std::vector<std::string> out;
  while (true) {
    absl::StatusOr<bool> row = stmt.Step();
    if (!row.ok()) {
      stmt.Reset();
      return row.status();
    }
    if (!*row) break;
    out.emplace_back(stmt.Text(0));
  }
  stmt.Reset();
  return out;
}

boost::json::array ToArray(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

struct IdentityGraph::Statements {
  Stmt merged_into, owner, claim, has_identity, device_at, device_current, set_device;
  Stmt insert_history, history_exists, set_merged, gap_fields, copy_field, gap_tags, add_tag;
  Stmt contact_devices, contact_identities, move_identity, insert_merge, latest_merge;
  Stmt delete_merged_field, delete_tag, mark_unmerged, device_workspace;
};

IdentityGraph::IdentityGraph(Db& db) : db_(db) {}
IdentityGraph::~IdentityGraph() = default;

absl::StatusOr<std::unique_ptr<IdentityGraph>> IdentityGraph::Create(Db& db) {
  std::unique_ptr<IdentityGraph> g(new IdentityGraph(db));
  SPOOR_RETURN_IF_ERROR(g->Prepare());
  return g;
}

absl::Status IdentityGraph::Prepare() {
  st_ = std::make_unique<Statements>();
  const std::pair<Stmt*, std::string_view> all[] = {
      {&st_->merged_into, "SELECT merged_into FROM contacts WHERE id = ?1"},
      {&st_->owner,
       "SELECT contact_id FROM identities WHERE workspace_id = ?1 AND kind = ?2 AND value = ?3"},
      {&st_->claim,
       "INSERT INTO identities(workspace_id, kind, value, contact_id, created_at) "
       "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(workspace_id, kind, value) "
       "DO UPDATE SET contact_id = excluded.contact_id"},
      {&st_->has_identity, "SELECT 1 FROM identities WHERE contact_id = ?1 LIMIT 1"},
      {&st_->device_at,
       "SELECT contact_id FROM device_history WHERE device_id = ?1 AND since <= ?2 "
       "ORDER BY since DESC LIMIT 1"},
      {&st_->device_current, "SELECT contact_id FROM devices WHERE device_id = ?1"},
      {&st_->set_device, "UPDATE devices SET contact_id = ?2 WHERE device_id = ?1"},
      {&st_->insert_history,
       "INSERT OR REPLACE INTO device_history(device_id, since, contact_id, cause) "
       "VALUES (?1, ?2, ?3, ?4)"},
      {&st_->history_exists, "SELECT 1 FROM device_history WHERE device_id = ?1 LIMIT 1"},
      {&st_->set_merged, "UPDATE contacts SET merged_into = ?2 WHERE id = ?1"},
      {&st_->gap_fields,
       "SELECT alias FROM contact_fields WHERE contact_id = ?1 AND alias NOT IN "
       "(SELECT alias FROM contact_fields WHERE contact_id = ?2)"},
      {&st_->copy_field,
       "INSERT INTO contact_fields(contact_id, alias, value, source, event_id, updated_at) "
       "SELECT ?2, alias, value, 'merge:' || ?1, event_id, updated_at FROM contact_fields "
       "WHERE contact_id = ?1 AND alias = ?3"},
      {&st_->gap_tags,
       "SELECT tag FROM contact_tags WHERE contact_id = ?1 AND tag NOT IN "
       "(SELECT tag FROM contact_tags WHERE contact_id = ?2)"},
      {&st_->add_tag,
       "INSERT OR IGNORE INTO contact_tags(contact_id, tag, added_at) VALUES (?1, ?2, ?3)"},
      {&st_->contact_devices, "SELECT device_id FROM devices WHERE contact_id = ?1"},
      {&st_->contact_identities,
       "SELECT kind || char(31) || value FROM identities WHERE contact_id = ?1"},
      {&st_->move_identity,
       "UPDATE identities SET contact_id = ?4 WHERE workspace_id = ?1 AND kind = ?2 AND value = ?3"},
      {&st_->insert_merge,
       "INSERT INTO merges(workspace_id, winner_id, loser_id, cause_event_id, identifier_kind, "
       "identifier_value, merged_at, moved) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&st_->latest_merge,
       "SELECT id, workspace_id, winner_id, moved FROM merges WHERE loser_id = ?1 "
       "AND unmerged_at IS NULL ORDER BY id DESC LIMIT 1"},
      {&st_->delete_merged_field,
       "DELETE FROM contact_fields WHERE contact_id = ?1 AND alias = ?2 AND source = 'merge:' || ?3"},
      {&st_->delete_tag, "DELETE FROM contact_tags WHERE contact_id = ?1 AND tag = ?2"},
      {&st_->mark_unmerged, "UPDATE merges SET unmerged_at = ?2 WHERE id = ?1"},
      {&st_->device_workspace, "SELECT workspace_id FROM devices WHERE device_id = ?1"},
  };
  for (const auto& [stmt, sql] : all) {
    SPOOR_ASSIGN_OR_RETURN(*stmt, db_.Prepare(sql));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> IdentityGraph::Root(int64_t contact) {
  for (int i = 0; i < kMaxMergeChain; ++i) {
    st_->merged_into.Bind(1, contact);
    SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> next, FirstInt(st_->merged_into));
    if (!next) return contact;
    contact = *next;
  }
  return absl::InternalError(StrCat("merge chain too long at contact ", contact));
}

absl::StatusOr<std::optional<int64_t>> IdentityGraph::Owner(int64_t workspace_id,
                                                            std::string_view kind,
                                                            std::string_view value) {
  st_->owner.Bind(1, workspace_id).Bind(2, kind).Bind(3, value);
  SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> owner, FirstInt(st_->owner));
  if (!owner) return owner;
  SPOOR_ASSIGN_OR_RETURN(int64_t root, Root(*owner));
  return std::optional<int64_t>(root);
}

absl::Status IdentityGraph::Claim(int64_t workspace_id, std::string_view kind,
                                  std::string_view value, int64_t contact, int64_t at) {
  return st_->claim.Bind(1, workspace_id).Bind(2, kind).Bind(3, value).Bind(4, contact)
      .Bind(5, at).Run();
}

absl::StatusOr<bool> IdentityGraph::HasIdentity(int64_t contact) {
  st_->has_identity.Bind(1, contact);
  SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> one, FirstInt(st_->has_identity));
  return one.has_value();
}

absl::StatusOr<std::optional<int64_t>> IdentityGraph::DeviceOwnerAt(std::string_view device_id,
                                                                    int64_t at) {
  st_->device_at.Bind(1, device_id).Bind(2, at);
  SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> owner, FirstInt(st_->device_at));
  if (owner) return owner;
  st_->device_current.Bind(1, device_id);
  return FirstInt(st_->device_current);
}

absl::Status IdentityGraph::MoveDevice(std::string_view device_id, int64_t workspace_id,
                                       int64_t contact, int64_t at, std::string_view cause) {
  st_->history_exists.Bind(1, device_id);
  SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> has_history, FirstInt(st_->history_exists));
  if (!has_history) {
    // Remember who had the device from the start, so earlier events stay there.
    st_->device_current.Bind(1, device_id);
    SPOOR_ASSIGN_OR_RETURN(std::optional<int64_t> first, FirstInt(st_->device_current));
    if (first) {
      SPOOR_RETURN_IF_ERROR(
          st_->insert_history.Bind(1, device_id).Bind(2, int64_t{0}).Bind(3, *first)
              .Bind(4, "created").Run());
    }
  }
  SPOOR_RETURN_IF_ERROR(
      st_->insert_history.Bind(1, device_id).Bind(2, at).Bind(3, contact).Bind(4, cause).Run());
  SPOOR_RETURN_IF_ERROR(st_->set_device.Bind(1, device_id).Bind(2, contact).Run());
  device_moves_.push_back({std::string(device_id), workspace_id, static_cast<uint64_t>(contact)});
  return absl::OkStatus();
}

absl::Status IdentityGraph::MoveFields(int64_t winner, int64_t loser,
                                       std::vector<std::string>& moved) {
  st_->gap_fields.Bind(1, loser).Bind(2, winner);
  SPOOR_ASSIGN_OR_RETURN(moved, Texts(st_->gap_fields));
  for (const std::string& alias : moved) {
    SPOOR_RETURN_IF_ERROR(st_->copy_field.Bind(1, loser).Bind(2, winner).Bind(3, alias).Run());
  }
  return absl::OkStatus();
}

absl::Status IdentityGraph::MoveTags(int64_t winner, int64_t loser,
                                     std::vector<std::string>& moved) {
  st_->gap_tags.Bind(1, loser).Bind(2, winner);
  SPOOR_ASSIGN_OR_RETURN(moved, Texts(st_->gap_tags));
  for (const std::string& tag : moved) {
    SPOOR_RETURN_IF_ERROR(st_->add_tag.Bind(1, winner).Bind(2, tag).Bind(3, int64_t{0}).Run());
  }
  return absl::OkStatus();
}

absl::Status IdentityGraph::MoveDevices(int64_t workspace_id, int64_t winner, int64_t loser,
                                        int64_t at, std::vector<std::string>& moved) {
  st_->contact_devices.Bind(1, loser);
  SPOOR_ASSIGN_OR_RETURN(moved, Texts(st_->contact_devices));
  for (const std::string& device : moved) {
    SPOOR_RETURN_IF_ERROR(MoveDevice(device, workspace_id, winner, at, "merge"));
  }
  return absl::OkStatus();
}

absl::Status IdentityGraph::Merge(int64_t workspace_id, int64_t winner, int64_t loser,
                                  const MergeCause& cause) {
  if (winner == loser) return absl::OkStatus();
  std::vector<std::string> fields, tags, devices, identities;
  SPOOR_RETURN_IF_ERROR(MoveFields(winner, loser, fields));
  SPOOR_RETURN_IF_ERROR(MoveTags(winner, loser, tags));
  SPOOR_RETURN_IF_ERROR(MoveDevices(workspace_id, winner, loser, cause.at, devices));
  st_->contact_identities.Bind(1, loser);
  SPOOR_ASSIGN_OR_RETURN(identities, Texts(st_->contact_identities));
  for (const std::string& kv : identities) {
    size_t sep = kv.find('\x1f');
    SPOOR_RETURN_IF_ERROR(st_->move_identity.Bind(1, workspace_id).Bind(2, kv.substr(0, sep))
                              .Bind(3, kv.substr(sep + 1)).Bind(4, winner).Run());
  }
  SPOOR_RETURN_IF_ERROR(st_->set_merged.Bind(1, loser).Bind(2, winner).Run());
  boost::json::object moved{{"fields", ToArray(fields)},
                            {"tags", ToArray(tags)},
                            {"devices", ToArray(devices)},
                            {"identities", ToArray(identities)}};
  return st_->insert_merge.Bind(1, workspace_id).Bind(2, winner).Bind(3, loser)
      .BindText(4, cause.event_id).BindText(5, cause.identifier_kind)
      .BindText(6, cause.identifier_value).Bind(7, cause.at)
      .Bind(8, boost::json::serialize(moved)).Run();
}

absl::StatusOr<int64_t> IdentityGraph::Unmerge(int64_t loser, int64_t at) {
  st_->latest_merge.Bind(1, loser);
  SPOOR_ASSIGN_OR_RETURN(bool found, st_->latest_merge.Step());
  if (!found) {
    st_->latest_merge.Reset();
    return absl::NotFoundError(StrCat("contact ", loser, " was not merged into another"));
  }
  int64_t merge_id = st_->latest_merge.Int(0);
  int64_t workspace_id = st_->latest_merge.Int(1);
  int64_t winner = st_->latest_merge.Int(2);
  boost::system::error_code ec;
  boost::json::value moved = boost::json::parse(st_->latest_merge.Text(3), ec);
  st_->latest_merge.Reset();
  if (ec || !moved.is_object()) return absl::DataLossError("unreadable merge record");
  auto list = [&](const char* key) {
    std::vector<std::string> out;
    if (auto* a = moved.as_object().if_contains(key); a && a->is_array()) {
      for (const auto& v : a->as_array()) {
        if (v.is_string()) out.emplace_back(v.as_string());
      }
    }
    return out;
  };
  for (const std::string& alias : list("fields")) {
    SPOOR_RETURN_IF_ERROR(
        st_->delete_merged_field.Bind(1, winner).Bind(2, alias).Bind(3, loser).Run());
  }
  for (const std::string& tag : list("tags")) {
    SPOOR_RETURN_IF_ERROR(st_->delete_tag.Bind(1, winner).Bind(2, tag).Run());
  }
  for (const std::string& device : list("devices")) {
    SPOOR_RETURN_IF_ERROR(MoveDevice(device, workspace_id, loser, at, "unmerge"));
  }
  for (const std::string& kv : list("identities")) {
    size_t sep = kv.find('\x1f');
    SPOOR_RETURN_IF_ERROR(st_->move_identity.Bind(1, workspace_id).Bind(2, kv.substr(0, sep))
                              .Bind(3, kv.substr(sep + 1)).Bind(4, loser).Run());
  }
  SPOOR_RETURN_IF_ERROR(st_->set_merged.Bind(1, loser).BindNull(2).Run());
  SPOOR_RETURN_IF_ERROR(st_->mark_unmerged.Bind(1, merge_id).Bind(2, at).Run());
  return winner;
}

std::vector<DeviceMove> IdentityGraph::TakeDeviceMoves() {
  std::vector<DeviceMove> out;
  out.swap(device_moves_);
  return out;
}

}  // namespace spoor::store::sqlite
