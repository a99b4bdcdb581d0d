// Thin RAII wrapper over the SQLite C API: a connection and prepared
// statements. Internal to store/sqlite. Not thread-safe: one owner.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace spoor::store::sqlite {

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& Bind(int index, int64_t v);
  Stmt& Bind(int index, std::string_view v);
  Stmt& BindBlob(int index, std::string_view v);
  Stmt& BindNull(int index);
  // Binds NULL for an empty string.
  Stmt& BindText(int index, std::string_view v) {
    return v.empty() ? BindNull(index) : Bind(index, v);
  }

  // Steps once. Returns true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion and resets.
  absl::Status Run();
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string_view Text(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  static absl::StatusOr<std::unique_ptr<Db>> Open(const std::string& path, bool read_only);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  absl::Status Exec(std::string_view sql);
  absl::StatusOr<Stmt> Prepare(std::string_view sql);
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  sqlite3* raw() const { return db_; }
  absl::Status Error(std::string_view context) const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Maps a SQLite result code to a Status: I/O and full-disk errors become
// Unavailable, constraint errors InvalidArgument, others Internal.
absl::Status SqliteStatus(int rc, std::string_view context, sqlite3* db);

// `ids` as a JSON array, bound to a statement that reads it with
// `IN (SELECT value FROM json_each(?))`: one query for many keys.
std::string IdArray(absl::Span<const int64_t> ids);

}  // namespace spoor::store::sqlite
