// A running spoor with three API clients, each swapped for a client
// credentials token: a writer, a reader (scope read) and a writer of another
// workspace. The fixture the API suites share.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "harness.h"

namespace spoor::e2e {

// Parses a JSON object (the tests' answers are objects).
boost::json::object JsonObject(const std::string& text);

class ApiTest : public ::testing::Test {
 protected:
  // Creates the other workspace and the clients (named `client_name`),
  // starts the server and issues the three tokens.
  void StartWithClients(const std::string& client_name,
                        std::vector<std::string> serve_flags = {});
  std::string data() const { return dir_.path() + "/data"; }
  // `spoor client create --name NAME --data DIR EXTRA...`'s answer.
  boost::json::object CreateClient(const std::string& name, std::vector<std::string> extra = {});
  // A client's access token; the test fails when it is refused.
  std::string TokenFor(const boost::json::object& client);
  // An API request with a bearer token (the writer's unless given); a body
  // is sent as JSON.
  HttpResponse Api(const std::string& method, const std::string& target,
                   const std::string& body = "", const std::string& token = "");

  TempDir dir_;
  std::unique_ptr<SpoorServer> server_;
  boost::json::object other_ws_;
  std::string writer_, reader_, other_;
};

}  // namespace spoor::e2e
