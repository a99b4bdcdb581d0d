// Users signing in: password checks (argon2id; rate-limited per client IP
// and per email; one answer, and about the same time, for an unknown email
// and a wrong password) and browser sessions (a random token in a cookie,
// kept hashed). HTTP-free: the edge hands it plain values.
//
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "spoor/auth/rate_limiter.h"
#include "spoor/common/clock.h"
#include "spoor/store/store.h"

namespace spoor::api {

struct AccountsOptions {
  int64_t session_lifetime_s = 12 * 3600;
  auth::RateLimitOptions login_limit;
};

// A user with a browser session.
struct SignedIn {
  store::User user;        // password_hash left empty
  std::string csrf_token;  // what this session's forms must send back
};

struct NewSession {
  std::string token;  // the cookie's value; only its hash is stored
  SignedIn who;
};

class Accounts {
 public:
  // Errors: ResourceExhausted when memory for hashing is missing.
  static absl::StatusOr<std::unique_ptr<Accounts>> Create(store::Store& store, const Clock& clock,
                                                          AccountsOptions options = {});

  // Checks an email and password. Errors: Unauthenticated (unknown email or
  // wrong password, one message for both), ResourceExhausted (too many
  // failures from this IP or for this email; `*retry_after_s` says how long),
  // Unavailable (store).
  absl::StatusOr<store::User> CheckPassword(std::string_view email, std::string_view password,
                                            std::string_view client_ip,
                                            int64_t* retry_after_s) const;
  // CheckPassword, then a new session. Errors: as CheckPassword.
  absl::StatusOr<NewSession> SignIn(std::string_view email, std::string_view password,
                                    std::string_view client_ip, int64_t* retry_after_s) const;
  // The session of a cookie's token. Errors: Unauthenticated (unknown,
  // expired or signed out), Unavailable.
  absl::StatusOr<SignedIn> Session(std::string_view token) const;
  absl::Status SignOut(std::string_view token) const;
  // The CSRF token of a session: derived from its secret token, so it
  // cannot be computed without the cookie.
  static std::string CsrfToken(std::string_view session_token);
  int64_t session_lifetime_s() const { return options_.session_lifetime_s; }

 private:
  Accounts(store::Store& store, const Clock& clock, AccountsOptions options, std::string dummy)
      : store_(store),
        clock_(clock),
        options_(options),
        dummy_hash_(std::move(dummy)),
        limiter_(clock, options.login_limit) {}

  store::Store& store_;
  const Clock& clock_;
  const AccountsOptions options_;
  // Verified for unknown emails, so they cost what a wrong password costs.
  const std::string dummy_hash_;
  mutable auth::RateLimiter limiter_;
};

}  // namespace spoor::api
