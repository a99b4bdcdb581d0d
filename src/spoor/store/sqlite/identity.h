// The identity graph inside the SQLite engine: which contact an identifier
// (email, external id, ...) or a device belongs to, device ownership over
// time, and reversible merges. Internal to store/sqlite; runs inside the
// caller's transaction; one owner.
//
// Events never change contact: a merge sets the loser's merged_into and
// records what it moved (fields, tags, devices, identities), so Root() of an
// old contact id gives the current one and Unmerge() can put everything back.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "spoor/store/sqlite/db.h"

namespace spoor::store::sqlite {

struct DeviceMove {
  std::string device_id;
  int64_t workspace_id = 0;
  uint64_t contact_id = 0;
};

struct MergeCause {
  std::string event_id;
  std::string identifier_kind;
  std::string identifier_value;
  int64_t at = 0;
};

class IdentityGraph {
 public:
  static absl::StatusOr<std::unique_ptr<IdentityGraph>> Create(Db& db);
  ~IdentityGraph();

  // Follows merged_into to the contact that absorbed `contact` (itself when
  // none).
  absl::StatusOr<int64_t> Root(int64_t contact);
  // Root contact owning (kind, value), if any.
  absl::StatusOr<std::optional<int64_t>> Owner(int64_t workspace_id, std::string_view kind,
                                               std::string_view value);
  absl::Status Claim(int64_t workspace_id, std::string_view kind, std::string_view value,
                     int64_t contact, int64_t at);
  // Whether the contact holds any identity of the given kinds.
  absl::StatusOr<bool> HasIdentity(int64_t contact);
  // The contact a device belonged to at time `at` (by its history), if the
  // device is known.
  absl::StatusOr<std::optional<int64_t>> DeviceOwnerAt(std::string_view device_id, int64_t at);
  absl::Status MoveDevice(std::string_view device_id, int64_t workspace_id, int64_t contact,
                          int64_t at, std::string_view cause);
  // Merges `loser` into `winner`: winner's values win, loser's fill gaps.
  absl::Status Merge(int64_t workspace_id, int64_t winner, int64_t loser, const MergeCause& cause);
  // Reverses the latest merge of `loser`. Errors: NotFound when there is none.
  absl::StatusOr<int64_t> Unmerge(int64_t loser, int64_t at);

  // Devices moved since the last call (for the receiver's identity cache).
  std::vector<DeviceMove> TakeDeviceMoves();

 private:
  explicit IdentityGraph(Db& db);
  absl::Status Prepare();
  absl::Status MoveFields(int64_t winner, int64_t loser, std::vector<std::string>& moved);
  absl::Status MoveTags(int64_t winner, int64_t loser, std::vector<std::string>& moved);
  absl::Status MoveDevices(int64_t workspace_id, int64_t winner, int64_t loser, int64_t at,
                           std::vector<std::string>& moved);

  Db& db_;
  struct Statements;
  std::unique_ptr<Statements> st_;
  std::vector<DeviceMove> device_moves_;
};

}  // namespace spoor::store::sqlite
