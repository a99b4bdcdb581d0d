// Users, browser sessions, OAuth2 clients, codes and tokens in SQLite.
// Internal to store/sqlite: SqliteStore calls these with its mutex held.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "spoor/store/sqlite/db.h"
#include "spoor/store/store.h"

namespace spoor::store::sqlite {

// Errors: NotFound.
absl::StatusOr<User> FindUserByEmail(Db& db, std::string_view email);
absl::StatusOr<User> FindUserById(Db& db, int64_t id);
absl::Status InsertClient(Db& db, const ApiClient& client, int64_t now_us);
// Errors: NotFound.
absl::StatusOr<ApiClient> SelectClient(Db& db, std::string_view client_id);
absl::StatusOr<std::vector<ApiClient>> SelectClients(Db& db);
absl::Status InsertToken(Db& db, const OAuthToken& token, int64_t now_us);
// Errors: NotFound.
absl::StatusOr<OAuthToken> SelectToken(Db& db, std::string_view token_hash);
absl::Status InsertWebSession(Db& db, const WebSession& session, int64_t now_us);
absl::StatusOr<WebSession> SelectWebSession(Db& db, std::string_view token_hash, int64_t now_us);
absl::Status DeleteWebSessions(Db& db, std::string_view token_hash, int64_t now_us);
absl::Status InsertCode(Db& db, const AuthorizationCode& code, int64_t now_us);
absl::StatusOr<AuthorizationCode> ConsumeCode(Db& db, std::string_view code_hash, int64_t now_us);
absl::StatusOr<bool> RevokeOneToken(Db& db, std::string_view token_hash, int64_t now_us);
absl::Status RevokeFamily(Db& db, std::string_view family, int64_t now_us);

}  // namespace spoor::store::sqlite
