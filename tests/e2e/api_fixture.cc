#include "api_fixture.h"

namespace spoor::e2e {

namespace json = boost::json;

json::object JsonObject(const std::string& text) { return json::parse(text).as_object(); }

void ApiTest::StartWithClients(const std::string& client_name,
                               std::vector<std::string> serve_flags) {
  other_ws_ = JsonObject(RunSpoor({"workspace", "create", "--name", "Other", "--data", data()}));
  json::object writer = CreateClient(client_name);
  json::object reader = CreateClient(client_name, {"--scope", "read"});
  json::object other =
      CreateClient(client_name, {"--workspace", std::string(other_ws_.at("id").as_string())});
  server_ = std::make_unique<SpoorServer>(data(), std::move(serve_flags));
  ASSERT_TRUE(server_->ok()) << server_->log();
  writer_ = TokenFor(writer);
  reader_ = TokenFor(reader);
  other_ = TokenFor(other);
}

json::object ApiTest::CreateClient(const std::string& name, std::vector<std::string> extra) {
  std::vector<std::string> args{"client", "create", "--name", name, "--data", data()};
  for (std::string& a : extra) args.push_back(std::move(a));
  return JsonObject(RunSpoor(args));
}

std::string ApiTest::TokenFor(const json::object& client) {
  std::string token = ClientCredentialsToken(server_->port(),
                                             std::string(client.at("client_id").as_string()),
                                             std::string(client.at("client_secret").as_string()));
  EXPECT_FALSE(token.empty());
  return token;
}

HttpResponse ApiTest::Api(const std::string& method, const std::string& target,
                          const std::string& body, const std::string& token) {
  HttpRequest req{method, target,
                  {{"Authorization", "Bearer " + (token.empty() ? writer_ : token)}}, body};
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  return Send(server_->port(), req);
}

}  // namespace spoor::e2e
