// Mautic's REST API (/api/contacts, /api/fields/contact) against a running
// spoor with OAuth2 bearer tokens: shapes, status codes, dedupe, batches,
// permissions, workspace isolation and hostile list parameters.
#include <string>

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "api_fixture.h"
#include "harness.h"

namespace spoor::e2e {
namespace {

namespace json = boost::json;

class MauticApiE2E : public ApiTest {
 protected:
  void SetUp() override { StartWithClients("EJ"); }

  int64_t NewContact(const std::string& body, int expect_status = 201) {
    HttpResponse r = Api("POST", "/api/contacts/new", body);
    EXPECT_EQ(r.status, expect_status) << r.body;
    return JsonObject(r.body).at("contact").as_object().at("id").as_int64();
  }

};

TEST_F(MauticApiE2E, CreateAnswers201ThenDedupesByEmailWith200) {
  HttpResponse r = Api("POST", "/api/contacts/new",
                       R"({"email":"ann@example.com","firstname":"Ann","phone":"+5561999990000",
                           "tags":["voter","ej"],"nickname":"ignored"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(r.Header("mautic-version").empty());
  json::object c = JsonObject(r.body).at("contact").as_object();
  int64_t id = c.at("id").as_int64();
  EXPECT_GT(id, 0);
  EXPECT_EQ(r.Header("location"), "/api/contacts/" + std::to_string(id));
  const json::object& all = c.at("fields").as_object().at("all").as_object();
  EXPECT_EQ(all.at("id").as_int64(), id);
  EXPECT_EQ(all.at("email").as_string(), "ann@example.com");
  EXPECT_EQ(all.at("phone").as_string(), "+5561999990000");
  EXPECT_EQ(all.at("points").as_int64(), 0);
  EXPECT_FALSE(all.contains("nickname"));
  EXPECT_EQ(c.at("fields").as_object().at("core").as_object().at("email").as_object().at("value"),
            "ann@example.com");
  EXPECT_EQ(c.at("tags").as_array().size(), 2u);
  EXPECT_FALSE(c.at("dateIdentified").is_null());

  // Same email (with a stray comma): the same contact, updated; blanks and 0 keep values.
  r = Api("POST", "/api/contacts/new",
          R"({"email":"ann@example.com,","firstname":"Anne","lastname":"","city":0,"tags":["-ej"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  c = JsonObject(r.body).at("contact").as_object();
  EXPECT_EQ(c.at("id").as_int64(), id);
  EXPECT_EQ(c.at("fields").as_object().at("all").as_object().at("firstname").as_string(), "Anne");
  ASSERT_EQ(c.at("tags").as_array().size(), 1u);
  EXPECT_EQ(c.at("tags").as_array()[0].as_object().at("tag").as_string(), "voter");
  EXPECT_EQ(r.Header("location"), "");
}

TEST_F(MauticApiE2E, ListShapesAndFilters) {
  HttpResponse empty =
      Api("GET", "/api/contacts?where%5B0%5D%5Bval%5D=unicorn&where%5B0%5D%5Bcol%5D=email&"
                 "where%5B0%5D%5Bexpr%5D=eq");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.body, R"({"total":"0","contacts":{}})");
  int64_t a = NewContact(R"({"email":"a@x.org","firstname":"Zed"})");
  int64_t b = NewContact(R"({"email":"b@x.org","firstname":"Amy"})");
  NewContact(R"({"phone":"+15550001"})");
  HttpResponse all = Api("GET", "/api/contacts");
  ASSERT_EQ(all.status, 200);
  json::object list = JsonObject(all.body);
  EXPECT_EQ(list.at("total").as_string(), "3");
  EXPECT_TRUE(list.at("contacts").as_object().contains(std::to_string(a)));
  HttpResponse sorted = Api("GET", "/api/contacts?orderBy=firstname&orderByDir=ASC&search=%21is:anonymous");
  ASSERT_EQ(sorted.status, 200) << sorted.body;
  json::object s = JsonObject(sorted.body);
  EXPECT_EQ(s.at("total").as_string(), "2");
  EXPECT_EQ(s.at("contacts").as_object().begin()->key(), std::to_string(b));  // Amy first
  HttpResponse page = Api("GET", "/api/contacts?start=1&limit=1&orderBy=id");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(JsonObject(page.body).at("total").as_string(), "3");
  EXPECT_EQ(JsonObject(page.body).at("contacts").as_object().size(), 1u);
  HttpResponse search = Api("GET", "/api/contacts?search=email:b@x.org");
  EXPECT_EQ(JsonObject(search.body).at("total").as_string(), "1");
  HttpResponse like = Api("GET", "/api/contacts?where[0][col]=email&where[0][expr]=like&where[0][val]=%25x.org");
  EXPECT_EQ(JsonObject(like.body).at("total").as_string(), "2");
}

TEST_F(MauticApiE2E, HostileListParametersAreRefusedOrBound) {
  NewContact(R"({"email":"a@x.org"})");
  for (const char* target : {
           "/api/contacts?orderBy=id;DROP%20TABLE%20contacts",
           "/api/contacts?orderBy=(SELECT%201)",
           "/api/contacts?orderByDir=DESC;--",
           "/api/contacts?where[0][col]=email)%20OR%201=1%20--&where[0][expr]=eq&where[0][val]=x",
           "/api/contacts?where[0][col]=email&where[0][expr]=eq%20OR%201=1&where[0][val]=x",
           "/api/contacts?start=-5",
           "/api/contacts?limit=abc",
           "/api/contacts?where[0][col]=email&where[0][expr]=eq&where[0][val][a][b][c][d][e]=1",
       }) {
    HttpResponse r = Api("GET", target);
    EXPECT_EQ(r.status, 400) << target << " " << r.body;
    EXPECT_TRUE(JsonObject(r.body).at("errors").is_array()) << target;
  }
  for (const char* target : {
           "/api/contacts?where[0][col]=email&where[0][expr]=eq&where[0][val]=%27%20OR%20%271%27=%271",
           "/api/contacts?search=%25%27%20OR%201=1%20--",
           "/api/contacts?search=email:%27%20OR%20%271%27=%271",
       }) {
    HttpResponse r = Api("GET", target);
    ASSERT_EQ(r.status, 200) << target << " " << r.body;
    EXPECT_EQ(JsonObject(r.body).at("total").as_string(), "0") << target;
  }
  EXPECT_EQ(JsonObject(Api("GET", "/api/contacts").body).at("total").as_string(), "1");
}

TEST_F(MauticApiE2E, GetEditPutDeleteAndMissingIds) {
  int64_t id = NewContact(R"({"email":"c@x.org","firstname":"Cy","city":"Recife"})");
  std::string path = "/api/contacts/" + std::to_string(id);
  HttpResponse got = Api("GET", path);
  ASSERT_EQ(got.status, 200);
  HttpResponse patched = Api("PATCH", path + "/edit", R"({"firstname":"Cyd","tags":"a,b"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  json::object all = JsonObject(patched.body).at("contact").as_object().at("fields").as_object().at("all").as_object();
  EXPECT_EQ(all.at("firstname").as_string(), "Cyd");
  EXPECT_EQ(all.at("city").as_string(), "Recife");
  // PUT replaces: fields it does not name are cleared.
  HttpResponse put = Api("PUT", path + "/edit", R"({"email":"c2@x.org","firstname":"Cy"})");
  ASSERT_EQ(put.status, 200) << put.body;
  all = JsonObject(put.body).at("contact").as_object().at("fields").as_object().at("all").as_object();
  EXPECT_EQ(all.at("email").as_string(), "c2@x.org");
  EXPECT_EQ(all.at("city").as_string(), "");
  // The old email no longer finds the contact; the new one does.
  EXPECT_EQ(NewContact(R"({"email":"c2@x.org"})", 200), id);
  // PATCH of an unknown id: 404; PUT of an unknown id creates.
  HttpResponse missing = Api("PATCH", "/api/contacts/999999/edit", R"({"firstname":"X"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(JsonObject(missing.body).at("errors").as_array()[0].as_object().at("code").as_int64(), 404);
  HttpResponse created = Api("PUT", "/api/contacts/999999/edit", R"({"firstname":"New"})");
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_NE(JsonObject(created.body).at("contact").as_object().at("id").as_int64(), 999999);
  EXPECT_EQ(Api("GET", "/api/contacts/abc").status, 404);
  EXPECT_EQ(Api("GET", "/api/contacts/-1").status, 404);

  HttpResponse deleted = Api("DELETE", path + "/delete");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_TRUE(JsonObject(deleted.body).at("contact").as_object().at("id").is_null());
  EXPECT_EQ(Api("GET", path).status, 404);
  EXPECT_EQ(Api("DELETE", path + "/delete").status, 404);
  for (const std::string& line : Export("contacts", data())) {
    EXPECT_EQ(line.find("\"id\":" + std::to_string(id) + ","), std::string::npos) << line;
  }
}

TEST_F(MauticApiE2E, BatchesDedupeAndReportPerItem) {
  HttpResponse r = Api("POST", "/api/contacts/batch/new",
                       R"([{"email":"b1@x.org","firstname":"One"},{"email":"b1@x.org","lastname":"Dup"},
                           {"email":"bad"},{"email":"b2@x.org"}])");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object body = JsonObject(r.body);
  EXPECT_EQ(json::serialize(body.at("statusCodes")), "[201,200,400,201]");
  EXPECT_TRUE(body.at("errors").as_object().contains("2"));
  const json::array& contacts = body.at("contacts").as_array();
  EXPECT_EQ(contacts[0].as_object().at("id"), contacts[1].as_object().at("id"));
  int64_t one = contacts[0].as_object().at("id").as_int64();
  int64_t two = contacts[3].as_object().at("id").as_int64();

  HttpResponse edit = Api("PATCH", "/api/contacts/batch/edit",
                          "[{\"id\":" + std::to_string(one) + ",\"city\":\"Natal\"},{\"id\":424242,\"city\":\"X\"}]");
  ASSERT_EQ(edit.status, 200) << edit.body;
  EXPECT_EQ(json::serialize(JsonObject(edit.body).at("statusCodes")), "[200,404]");
  std::string big = "[";
  for (int i = 0; i < 201; ++i) big += std::string(i ? "," : "") + "{\"firstname\":\"x\"}";
  big += "]";
  HttpResponse too_many = Api("POST", "/api/contacts/batch/new", big);
  EXPECT_EQ(too_many.status, 500);
  EXPECT_EQ(JsonObject(too_many.body).at("errors").as_array()[0].as_object().at("message").as_string(),
            "A max of 200 entities are supported at a time.");

  HttpResponse del = Api("DELETE", "/api/contacts/batch/delete?ids=" + std::to_string(one) + "," +
                                       std::to_string(two) + ",77");
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(JsonObject(del.body).at("contacts").as_array().size(), 2u);
  EXPECT_EQ(JsonObject(Api("GET", "/api/contacts").body).at("total").as_string(), "0");
}

TEST_F(MauticApiE2E, AuthPermissionsAndWorkspaces) {
  HttpResponse none = Send(server_->port(), {"GET", "/api/contacts", {}, ""});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body,
            R"({"errors":[{"code":401,"message":"API authorization denied.","details":[],"type":"access_denied"}]})");
  HttpResponse bad = Api("GET", "/api/contacts", "", "at_not-a-token");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(JsonObject(bad.body).at("errors").as_array()[0].as_object().at("type").as_string(), "invalid_grant");
  int64_t id = NewContact(R"({"email":"d@x.org"})");
  // A read-only client reads but does not write.
  EXPECT_EQ(Api("GET", "/api/contacts/" + std::to_string(id), "", reader_).status, 200);
  EXPECT_EQ(Api("POST", "/api/contacts/new", R"({"email":"e@x.org"})", reader_).status, 403);
  EXPECT_EQ(Api("DELETE", "/api/contacts/" + std::to_string(id) + "/delete", "", reader_).status, 403);
  // Another workspace's token sees nothing of this one, exactly like missing ids.
  HttpResponse theirs = Api("GET", "/api/contacts/" + std::to_string(id), "", other_);
  HttpResponse missing = Api("GET", "/api/contacts/123456789", "", other_);
  EXPECT_EQ(theirs.status, 404);
  EXPECT_EQ(theirs.body, missing.body);
  EXPECT_EQ(JsonObject(Api("GET", "/api/contacts", "", other_).body).at("total").as_string(), "0");
  EXPECT_EQ(Api("PATCH", "/api/contacts/" + std::to_string(id) + "/edit", R"({"city":"X"})", other_).status, 404);
  // Two credentials at once are refused (RFC 6750 §2).
  EXPECT_EQ(Api("GET", "/api/contacts?access_token=" + writer_, "", "x").status, 400);
  HttpRequest query_token{"GET", "/api/contacts?access_token=" + writer_, {}, ""};
  EXPECT_EQ(Send(server_->port(), query_token).status, 200);
}

TEST_F(MauticApiE2E, ApiContactSeenOnTheSiteIsOneContact) {
  std::string form = RunSpoor({"form", "create", "--name", "Newsletter", "--field", "email:email",
                               "--data", data()});
  int64_t form_id = JsonObject(form).at("id").as_int64();
  int64_t id = NewContact(R"({"email":"f@x.org","phone":"+5581000"})");
  HttpResponse sub;
  // The running server picks the new form up within a second.
  ASSERT_TRUE(WaitFor([&] {
    sub = Send(server_->port(), {"POST", "/form/submit?formId=" + std::to_string(form_id) + "&ajax=1",
                                 {{"Content-Type", "application/x-www-form-urlencoded"},
                                  {"User-Agent", kBrowserUa}},
                                 "mauticform[email]=F%40x.org"});
    return sub.status != 404;
  }, std::chrono::seconds(5)));
  ASSERT_EQ(sub.status, 200) << sub.body;
  // The submission is durable at once and applied soon after: then it is on
  // the API's contact, and no second contact exists.
  HttpResponse activity;
  ASSERT_TRUE(WaitFor([&] {
    activity = Api("GET", "/api/contacts/" + std::to_string(id) + "/activity");
    return activity.status == 200 && JsonObject(activity.body).at("total").as_int64() == 2;
  }, std::chrono::seconds(5))) << activity.body;
  EXPECT_EQ(JsonObject(Api("GET", "/api/contacts").body).at("total").as_string(), "1");
  ASSERT_EQ(activity.status, 200) << activity.body;
  json::object a = JsonObject(activity.body);
  for (const char* key : {"events", "filters", "order", "types", "total", "page", "limit", "maxPages"}) {
    EXPECT_TRUE(a.contains(key)) << key;
  }
  EXPECT_EQ(a.at("total").as_int64(), 2);  // the API write and the form submission
  EXPECT_EQ(a.at("events").as_array()[0].as_object().at("event").as_string(), "form.submitted");
  HttpResponse devices = Api("GET", "/api/contacts/" + std::to_string(id) + "/devices");
  ASSERT_EQ(devices.status, 200) << devices.body;
  EXPECT_EQ(JsonObject(devices.body).at("total").as_int64(), 1);
  HttpResponse all = Api("GET", "/api/contacts/activity?filters[includeEvents][]=form.submitted");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(JsonObject(all.body).at("total").as_int64(), 1);
  HttpResponse utm = Api("POST", "/api/contacts/" + std::to_string(id) + "/utm/add",
                         R"({"utm_source":"ej","utm_campaign":"Consulta 2026"})");
  ASSERT_EQ(utm.status, 200) << utm.body;
}

TEST_F(MauticApiE2E, FieldDefinitions) {
  HttpResponse r = Api("GET", "/api/fields/contact");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object body = JsonObject(r.body);
  bool email_unique = false;
  for (const json::value& f : body.at("fields").as_array()) {
    const json::object& o = f.as_object();
    EXPECT_TRUE(o.contains("isPubliclyUpdatable"));
    if (o.at("alias") == "email") email_unique = o.at("isUniqueIdentifier").as_bool();
  }
  EXPECT_TRUE(email_unique);
  EXPECT_EQ(body.at("total").as_int64(), static_cast<int64_t>(body.at("fields").as_array().size()));
  HttpResponse one = Api("GET", "/api/fields/contact/1");
  ASSERT_EQ(one.status, 200);
  EXPECT_TRUE(JsonObject(one.body).at("field").as_object().contains("alias"));
  EXPECT_EQ(Api("GET", "/api/fields/contact/999").status, 404);
  EXPECT_EQ(Api("GET", "/api/nothing-here").status, 404);
}

// HTTP Basic with a user's email and password, as Mautic offers it: refused
// with Mautic's message unless the server runs with --api-basic-auth.
TEST(MauticApiBasicAuthE2E, OffByDefaultThenByRole) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  auto viewer = JsonObject(RunSpoor({"user", "create", "--email", "viewer@example.com", "--role", "viewer",
                               "--data", data}));
  auto editor = JsonObject(RunSpoor({"user", "create", "--email", "editor@example.com", "--role", "editor",
                               "--data", data}));
  auto basic = [](const json::object& user, const std::string& email) {
    return "Basic " + Base64(email + ":" + std::string(user.at("password").as_string()));
  };
  {
    SpoorServer server(data);
    ASSERT_TRUE(server.ok()) << server.log();
    HttpResponse r = Send(server.port(), {"GET", "/api/contacts",
                                          {{"Authorization", basic(editor, "editor@example.com")}}, ""});
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.body,
              R"({"errors":[{"code":403,"message":"Basic Auth disabled. You need to enable HTTP basic auth in the API settings of Mautic's Configuration.","details":[],"type":"access_denied"}]})");
  }
  SpoorServer server(data, {"--api-basic-auth"});
  ASSERT_TRUE(server.ok()) << server.log();
  auto send = [&](const std::string& method, const std::string& target, const std::string& auth,
                  const std::string& body = "") {
    HttpRequest req{method, target, {{"Authorization", auth}}, body};
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    return Send(server.port(), req);
  };
  HttpResponse created = send("POST", "/api/contacts/new", basic(editor, "editor@example.com"),
                              R"({"email":"basic@x.org"})");
  EXPECT_EQ(created.status, 201) << created.body;
  HttpResponse listed = send("GET", "/api/contacts", basic(viewer, "viewer@example.com"));
  EXPECT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(JsonObject(listed.body).at("total").as_string(), "1");
  EXPECT_EQ(send("POST", "/api/contacts/new", basic(viewer, "viewer@example.com"),
                 R"({"email":"no@x.org"})").status, 403);
  HttpResponse wrong = send("GET", "/api/contacts", "Basic " + Base64("viewer@example.com:nope"));
  EXPECT_EQ(wrong.status, 401);
  HttpResponse unknown = send("GET", "/api/contacts", "Basic " + Base64("who@example.com:nope"));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.body, wrong.body);
}

}  // namespace
}  // namespace spoor::e2e
