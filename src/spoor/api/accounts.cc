#include "spoor/api/accounts.h"

#include "spoor/auth/auth.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::api {
namespace {

constexpr std::string_view kBadCredentials = "invalid email or password";
constexpr size_t kMaxEmailBytes = 254;
constexpr size_t kMaxPasswordBytes = 1024;
constexpr size_t kMaxTokenBytes = 128;

}  // namespace

absl::StatusOr<std::unique_ptr<Accounts>> Accounts::Create(store::Store& store, const Clock& clock,
                                                           AccountsOptions options) {
  SPOOR_ASSIGN_OR_RETURN(std::string dummy, auth::HashPassword(auth::NewSecret("")));
  return std::unique_ptr<Accounts>(new Accounts(store, clock, options, std::move(dummy)));
}

absl::StatusOr<store::User> Accounts::CheckPassword(std::string_view email,
                                                    std::string_view password,
                                                    std::string_view client_ip,
                                                    int64_t* retry_after_s) const {
  std::string email_key = StrCat("email:", AsciiLower(email.substr(0, kMaxEmailBytes)));
  std::string ip_key = StrCat("ip:", client_ip);
  int64_t wait = std::max(limiter_.RetryAfter(email_key), limiter_.RetryAfter(ip_key));
  if (wait > 0) {
    if (retry_after_s != nullptr) *retry_after_s = wait;
    return absl::ResourceExhaustedError("too many failed sign-ins; try again later");
  }
  absl::StatusOr<store::User> user = absl::NotFoundError("no such user");
  if (!email.empty() && email.size() <= kMaxEmailBytes) {
    user = store_.FindUserByEmail(AsciiLower(email));
  }
  if (!user.ok() && !absl::IsNotFound(user.status())) return user.status();
  bool ok = password.size() <= kMaxPasswordBytes &&
            auth::VerifyPassword(password, user.ok() ? user->password_hash : dummy_hash_) &&
            user.ok();
  if (!ok) {
    limiter_.RecordFailure(email_key);
    limiter_.RecordFailure(ip_key);
    return absl::UnauthenticatedError(ToAbsl(kBadCredentials));
  }
  limiter_.Reset(email_key);
  user->password_hash.clear();
  return user;
}

absl::StatusOr<NewSession> Accounts::SignIn(std::string_view email, std::string_view password,
                                            std::string_view client_ip,
                                            int64_t* retry_after_s) const {
  SPOOR_ASSIGN_OR_RETURN(store::User user,
                         CheckPassword(email, password, client_ip, retry_after_s));
  NewSession out;
  out.token = auth::NewSecret("ss_");
  store::WebSession session{auth::HashSecret(out.token), user.id,
                            clock_.NowMicros() + options_.session_lifetime_s * 1000000};
  SPOOR_RETURN_IF_ERROR(store_.SaveWebSession(session));
  out.who = SignedIn{std::move(user), CsrfToken(out.token)};
  return out;
}

absl::StatusOr<SignedIn> Accounts::Session(std::string_view token) const {
  if (token.empty() || token.size() > kMaxTokenBytes) {
    return absl::UnauthenticatedError("not signed in");
  }
  absl::StatusOr<store::WebSession> session =
      store_.FindWebSession(auth::HashSecret(token), clock_.NowMicros());
  if (absl::IsNotFound(session.status())) return absl::UnauthenticatedError("not signed in");
  SPOOR_RETURN_IF_ERROR(session.status());
  absl::StatusOr<store::User> user = store_.FindUser(session->user_id);
  if (absl::IsNotFound(user.status())) return absl::UnauthenticatedError("not signed in");
  SPOOR_RETURN_IF_ERROR(user.status());
  user->password_hash.clear();
  return SignedIn{std::move(*user), CsrfToken(token)};
}

absl::Status Accounts::SignOut(std::string_view token) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return absl::OkStatus();
  return store_.DeleteWebSession(auth::HashSecret(token), clock_.NowMicros());
}

std::string Accounts::CsrfToken(std::string_view session_token) {
  return auth::HashSecret(StrCat("csrf:", session_token));
}

}  // namespace spoor::api
