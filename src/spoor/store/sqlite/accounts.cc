#include "spoor/store/sqlite/accounts.h"

#include <boost/json.hpp>

#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::store::sqlite {
namespace {

constexpr std::string_view kClientColumns =
    "client_id, secret_hash, name, redirect_uris, grants, workspace_id, scope, "
    "revoked_at IS NOT NULL, is_public FROM api_clients";

std::string JsonList(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return boost::json::serialize(a);
}

void ReadList(std::string_view text, std::vector<std::string>& out) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return;
  for (const auto& item : v.as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
}

ApiClient ClientRow(const Stmt& stmt) {
  ApiClient c;
  c.client_id = stmt.Text(0);
  c.secret_hash = stmt.Text(1);
  c.name = stmt.Text(2);
  ReadList(stmt.Text(3), c.redirect_uris);
  ReadList(stmt.Text(4), c.grants);
  c.workspace_id = stmt.Int(5);
  c.scope = stmt.Text(6);
  c.revoked = stmt.Int(7) != 0;
  c.is_public = stmt.Int(8) != 0;
  return c;
}

User UserRow(const Stmt& stmt) {
  return User{stmt.Int(0), std::string(stmt.Text(1)), std::string(stmt.Text(2)),
              std::string(stmt.Text(3))};
}

}  // namespace

absl::StatusOr<User> FindUserByEmail(Db& db, std::string_view email) {
  SPOOR_ASSIGN_OR_RETURN(
      Stmt stmt, db.Prepare("SELECT id, email, password_hash, role FROM users WHERE email = ?1"));
  stmt.Bind(1, email);
  SPOOR_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError("no such user");
  return UserRow(stmt);
}

absl::StatusOr<User> FindUserById(Db& db, int64_t id) {
  SPOOR_ASSIGN_OR_RETURN(
      Stmt stmt, db.Prepare("SELECT id, email, password_hash, role FROM users WHERE id = ?1"));
  stmt.Bind(1, id);
  SPOOR_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError("no such user");
  return UserRow(stmt);
}

absl::Status InsertClient(Db& db, const ApiClient& c, int64_t now_us) {
  SPOOR_ASSIGN_OR_RETURN(
      Stmt stmt,
      db.Prepare("INSERT INTO api_clients(client_id, secret_hash, name, redirect_uris, grants, "
                 "workspace_id, scope, created_at, is_public) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                 "?8, ?9)"));
  return stmt.Bind(1, c.client_id)
      .Bind(2, c.secret_hash)
      .Bind(3, c.name)
      .Bind(4, JsonList(c.redirect_uris))
      .Bind(5, JsonList(c.grants))
      .Bind(6, c.workspace_id)
      .Bind(7, c.scope)
      .Bind(8, now_us)
      .Bind(9, int64_t{c.is_public ? 1 : 0})
      .Run();
}

absl::StatusOr<ApiClient> SelectClient(Db& db, std::string_view client_id) {
  SPOOR_ASSIGN_OR_RETURN(Stmt stmt,
                         db.Prepare(StrCat("SELECT ", kClientColumns, " WHERE client_id = ?1")));
  stmt.Bind(1, client_id);
  SPOOR_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError("no such client");
  return ClientRow(stmt);
}

absl::StatusOr<std::vector<ApiClient>> SelectClients(Db& db) {
  SPOOR_ASSIGN_OR_RETURN(Stmt stmt, db.Prepare(StrCat("SELECT ", kClientColumns, " ORDER BY id")));
  std::vector<ApiClient> out;
  while (true) {
    SPOOR_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(ClientRow(stmt));
  }
  return out;
}

absl::Status InsertToken(Db& db, const OAuthToken& t, int64_t now_us) {
  SPOOR_ASSIGN_OR_RETURN(
      Stmt stmt,
      db.Prepare(
          "INSERT INTO oauth_tokens(token_hash, kind, client_id, workspace_id, scope, expires_at, "
          "created_at, family, user_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  return stmt.Bind(1, t.token_hash)
      .Bind(2, t.kind)
      .Bind(3, t.client_id)
      .Bind(4, t.workspace_id)
      .Bind(5, t.scope)
      .Bind(6, t.expires_at_us)
      .Bind(7, now_us)
      .BindText(8, t.family)
      .Bind(9, t.user_id)
      .Run();
}

absl::StatusOr<OAuthToken> SelectToken(Db& db, std::string_view token_hash) {
  SPOOR_ASSIGN_OR_RETURN(
      Stmt stmt,
      db.Prepare("SELECT t.token_hash, t.kind, t.client_id, t.workspace_id, t.scope, t.expires_at, "
                 "t.revoked_at IS NOT NULL OR c.revoked_at IS NOT NULL, t.family, t.user_id "
                 "FROM oauth_tokens t JOIN api_clients c ON c.client_id = t.client_id "
                 "WHERE t.token_hash = ?1"));
  stmt.Bind(1, token_hash);
  SPOOR_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError("no such token");
  OAuthToken t;
  t.token_hash = stmt.Text(0);
  t.kind = stmt.Text(1);
  t.client_id = stmt.Text(2);
  t.workspace_id = stmt.Int(3);
  t.scope = stmt.Text(4);
  t.expires_at_us = stmt.Int(5);
  t.revoked = stmt.Int(6) != 0;
  t.family = stmt.Text(7);
  t.user_id = stmt.Int(8);
  return t;
}

absl::Status InsertWebSession(Db& db, const WebSession& s, int64_t now_us) {
  SPOOR_ASSIGN_OR_RETURN(
      Stmt stmt, db.Prepare("INSERT INTO web_sessions(token_hash, user_id, created_at, expires_at) "
                            "VALUES (?1, ?2, ?3, ?4)"));
  return stmt.Bind(1, s.token_hash)
      .Bind(2, s.user_id)
      .Bind(3, now_us)
      .Bind(4, s.expires_at_us)
      .Run();
}

absl::StatusOr<WebSession> SelectWebSession(Db& db, std::string_view token_hash, int64_t now_us) {
  SPOOR_ASSIGN_OR_RETURN(Stmt stmt,
                         db.Prepare("SELECT token_hash, user_id, expires_at FROM web_sessions "
                                    "WHERE token_hash = ?1 AND expires_at > ?2"));
  stmt.Bind(1, token_hash).Bind(2, now_us);
  SPOOR_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError("no such session");
  return WebSession{std::string(stmt.Text(0)), stmt.Int(1), stmt.Int(2)};
}

absl::Status DeleteWebSessions(Db& db, std::string_view token_hash, int64_t now_us) {
  SPOOR_ASSIGN_OR_RETURN(
      Stmt stmt, db.Prepare("DELETE FROM web_sessions WHERE token_hash = ?1 OR expires_at <= ?2"));
  return stmt.Bind(1, token_hash).Bind(2, now_us).Run();
}

absl::Status InsertCode(Db& db, const AuthorizationCode& c, int64_t now_us) {
  SPOOR_ASSIGN_OR_RETURN(Stmt purge, db.Prepare("DELETE FROM oauth_codes WHERE expires_at <= ?1"));
  // Used codes stay a day, so a replay is still recognised (and revokes).
  SPOOR_RETURN_IF_ERROR(purge.Bind(1, now_us - int64_t{86400} * 1000000).Run());
  SPOOR_ASSIGN_OR_RETURN(
      Stmt stmt,
      db.Prepare(
          "INSERT INTO oauth_codes(code_hash, client_id, user_id, redirect_uri, code_challenge, "
          "workspace_id, scope, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
          "?9)"));
  return stmt.Bind(1, c.code_hash)
      .Bind(2, c.client_id)
      .Bind(3, c.user_id)
      .Bind(4, c.redirect_uri)
      .Bind(5, c.code_challenge)
      .Bind(6, c.workspace_id)
      .Bind(7, c.scope)
      .Bind(8, c.expires_at_us)
      .Bind(9, now_us)
      .Run();
}

absl::StatusOr<AuthorizationCode> ConsumeCode(Db& db, std::string_view code_hash, int64_t now_us) {
  SPOOR_ASSIGN_OR_RETURN(
      Stmt stmt,
      db.Prepare("SELECT code_hash, client_id, user_id, redirect_uri, code_challenge, "
                 "workspace_id, scope, "
                 "expires_at, used_at IS NOT NULL FROM oauth_codes WHERE code_hash = ?1"));
  stmt.Bind(1, code_hash);
  SPOOR_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return absl::NotFoundError("no such code");
  AuthorizationCode c;
  c.code_hash = stmt.Text(0);
  c.client_id = stmt.Text(1);
  c.user_id = stmt.Int(2);
  c.redirect_uri = stmt.Text(3);
  c.code_challenge = stmt.Text(4);
  c.workspace_id = stmt.Int(5);
  c.scope = stmt.Text(6);
  c.expires_at_us = stmt.Int(7);
  c.used = stmt.Int(8) != 0;
  stmt.Reset();
  SPOOR_ASSIGN_OR_RETURN(
      Stmt mark,
      db.Prepare("UPDATE oauth_codes SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL"));
  SPOOR_RETURN_IF_ERROR(mark.Bind(1, code_hash).Bind(2, now_us).Run());
  if (db.Changes() == 0) c.used = true;
  return c;
}

absl::StatusOr<bool> RevokeOneToken(Db& db, std::string_view token_hash, int64_t now_us) {
  SPOOR_ASSIGN_OR_RETURN(
      Stmt stmt,
      db.Prepare(
          "UPDATE oauth_tokens SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL"));
  SPOOR_RETURN_IF_ERROR(stmt.Bind(1, token_hash).Bind(2, now_us).Run());
  return db.Changes() > 0;
}

absl::Status RevokeFamily(Db& db, std::string_view family, int64_t now_us) {
  if (family.empty()) return absl::OkStatus();
  SPOOR_ASSIGN_OR_RETURN(
      Stmt stmt,
      db.Prepare(
          "UPDATE oauth_tokens SET revoked_at = ?2 WHERE family = ?1 AND revoked_at IS NULL"));
  return stmt.Bind(1, family).Bind(2, now_us).Run();
}

}  // namespace spoor::store::sqlite
