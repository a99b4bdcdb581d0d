// Mautic's forms API (/api/forms) against a running spoor: create, list,
// get, submit at /form/submit, edit, delete; Mautic's error shapes,
// permissions and workspace isolation.
#include <string>

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "api_fixture.h"
#include "harness.h"

namespace spoor::e2e {
namespace {

namespace json = boost::json;

class MauticFormsE2E : public ApiTest {
 protected:
  void SetUp() override { StartWithClients("Forms"); }

  HttpResponse Submit(int64_t form_id, const std::string& body) {
    return Send(server_->port(),
                {"POST", "/form/submit?ajax=1",
                 {{"Content-Type", "application/x-www-form-urlencoded"}, {"User-Agent", kBrowserUa}},
                 "mauticform%5BformId%5D=" + std::to_string(form_id) + "&" + body});
  }
  // The one contact with this email, once the pipeline has applied it.
  json::object ContactByEmail(const std::string& email) {
    json::object found;
    EXPECT_TRUE(WaitFor([&] {
      HttpResponse r = Api("GET", "/api/contacts?search=email:" + UrlEncode(email));
      if (r.status != 200) return false;
      json::object list = JsonObject(r.body);
      if (list.at("total").as_string() != "1") return false;
      found = list.at("contacts").as_object().begin()->value().as_object();
      return true;
    }, std::chrono::seconds(5))) << email;
    return found;
  }
  static void ExpectMauticError(const HttpResponse& r, int status, const std::string& message) {
    EXPECT_EQ(r.status, status) << r.body;
    json::object body = JsonObject(r.body);
    const json::object& e = body.at("errors").as_array().at(0).as_object();
    EXPECT_EQ(e.at("code").as_int64(), status);
    EXPECT_EQ(e.at("message").as_string(), message) << r.body;
  }

};

constexpr char kNewsletter[] = R"({
  "name": "Newsletter sign-up",
  "description": "Footer form",
  "formType": "standalone",
  "isPublished": true,
  "postAction": "message",
  "postActionProperty": "Merci !",
  "fields": [
    {"label": "Email", "type": "email", "leadField": "email", "isRequired": true},
    {"label": "First name", "type": "text", "mappedObject": "contact", "mappedField": "firstname"},
    {"label": "Where did you hear of us", "type": "text"},
    {"label": "Subscribe", "type": "button"}],
  "actions": [{"name": "Tag", "type": "lead.changetags",
               "properties": {"add_tags": ["newsletter"], "remove_tags": []}}]
})";

TEST_F(MauticFormsE2E, CreateListGetSubmitEditDelete) {
  HttpResponse created = Api("POST", "/api/forms/new", kNewsletter);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_FALSE(created.Header("mautic-version").empty());
  json::object form = JsonObject(created.body).at("form").as_object();
  int64_t id = form.at("id").as_int64();
  ASSERT_GT(id, 0);
  EXPECT_EQ(created.Header("location"), "/api/forms/" + std::to_string(id));
  EXPECT_EQ(form.at("name").as_string(), "Newsletter sign-up");
  EXPECT_EQ(form.at("alias").as_string(), "newsletter");
  EXPECT_EQ(form.at("description").as_string(), "Footer form");
  EXPECT_TRUE(form.at("isPublished").as_bool());
  EXPECT_TRUE(form.at("dateAdded").is_string());
  EXPECT_EQ(form.at("postAction").as_string(), "message");
  EXPECT_EQ(form.at("postActionProperty").as_string(), "Merci !");
  const json::array& fields = form.at("fields").as_array();
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0].at("alias").as_string(), "email");
  EXPECT_EQ(fields[0].at("leadField").as_string(), "email");
  EXPECT_TRUE(fields[0].at("isRequired").as_bool());
  EXPECT_EQ(fields[1].at("alias").as_string(), "first_name");
  EXPECT_EQ(fields[1].at("mappedField").as_string(), "firstname");
  EXPECT_EQ(fields[2].at("alias").as_string(), "where_did_you_hear_of_us");
  EXPECT_TRUE(fields[2].at("leadField").is_null());
  EXPECT_EQ(fields[3].at("type").as_string(), "button");
  EXPECT_EQ(fields[3].at("order").as_int64(), 4);
  EXPECT_EQ(form.at("actions").as_array().at(0).at("type").as_string(), "lead.changetags");

  HttpResponse list = Api("GET", "/api/forms", "", reader_);
  ASSERT_EQ(list.status, 200) << list.body;
  json::object l = JsonObject(list.body);
  EXPECT_EQ(l.at("total").as_int64(), 1);
  EXPECT_EQ(l.at("forms").as_array().at(0).at("id").as_int64(), id);
  HttpResponse got = Api("GET", "/api/forms/" + std::to_string(id), "", reader_);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(JsonObject(got.body).at("form"), form);

  // Submitted like any form: validation, then the contact gets the mapped fields.
  HttpResponse missing = Submit(id, "mauticform%5Bfirst_name%5D=Ann");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_TRUE(JsonObject(missing.body).at("validationErrors").as_object().contains("email"));
  HttpResponse sub = Submit(id, "mauticform%5Bemail%5D=Ann%40Forms.example&"
                                "mauticform%5Bfirst_name%5D=Ann&"
                                "mauticform%5Bwhere_did_you_hear_of_us%5D=radio&"
                                "mauticform%5Bsubscribe%5D=1");
  ASSERT_EQ(sub.status, 200) << sub.body;
  json::object answer = JsonObject(sub.body);
  EXPECT_EQ(answer.at("success").as_int64(), 1);
  EXPECT_EQ(answer.at("message").as_string(), "Merci !");
  EXPECT_EQ(answer.at("results").at("where_did_you_hear_of_us").as_string(), "radio");
  EXPECT_FALSE(answer.at("results").as_object().contains("subscribe"));
  json::object contact = ContactByEmail("ann@forms.example");
  const json::object& all = contact.at("fields").at("all").as_object();
  EXPECT_EQ(all.at("firstname").as_string(), "Ann");
  ASSERT_EQ(contact.at("tags").as_array().size(), 1u);
  EXPECT_EQ(contact.at("tags").as_array()[0].at("tag").as_string(), "newsletter");

  // PATCH: the first name is no longer mapped, the phone is added and required.
  HttpResponse edited = Api("PATCH", "/api/forms/" + std::to_string(id) + "/edit", R"({
      "name": "Newsletter", "fields": [{"id": 2, "leadField": ""},
                                      {"label": "Phone", "type": "tel", "leadField": "phone",
                                       "isRequired": true}]})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  json::object e = JsonObject(edited.body).at("form").as_object();
  EXPECT_EQ(e.at("name").as_string(), "Newsletter");
  EXPECT_EQ(e.at("description").as_string(), "Footer form");
  EXPECT_TRUE(e.at("dateModified").is_string());
  ASSERT_EQ(e.at("fields").as_array().size(), 5u);
  EXPECT_TRUE(e.at("fields").as_array()[1].at("leadField").is_null());
  EXPECT_EQ(e.at("fields").as_array()[4].at("alias").as_string(), "phone");
  // The running server took the edit at once.
  HttpResponse need_phone = Submit(id, "mauticform%5Bemail%5D=bo%40forms.example");
  EXPECT_EQ(need_phone.status, 400) << need_phone.body;
  EXPECT_TRUE(JsonObject(need_phone.body).at("validationErrors").as_object().contains("phone"));
  ASSERT_EQ(Submit(id, "mauticform%5Bemail%5D=bo%40forms.example&mauticform%5Bphone%5D=%2B4930123&"
                       "mauticform%5Bfirst_name%5D=Bo").status, 200);
  json::object bo = ContactByEmail("bo@forms.example");
  EXPECT_EQ(bo.at("fields").at("all").at("phone").as_string(), "+4930123");
  EXPECT_NE(bo.at("fields").at("all").at("firstname"), json::value("Bo"));

  // PUT replaces the whole form.
  HttpResponse put = Api("PUT", "/api/forms/" + std::to_string(id) + "/edit",
                         R"({"name": "Short", "postAction": "redirect",
                             "postActionProperty": "https://example.com/thanks",
                             "fields": [{"label": "Email", "type": "email", "leadField": "email"}]})");
  ASSERT_EQ(put.status, 200) << put.body;
  json::object p = JsonObject(put.body).at("form").as_object();
  EXPECT_EQ(p.at("id").as_int64(), id);
  EXPECT_EQ(p.at("fields").as_array().size(), 1u);
  EXPECT_TRUE(p.at("actions").as_array().empty());
  EXPECT_EQ(p.at("postAction").as_string(), "redirect");
  EXPECT_EQ(p.at("postActionProperty").as_string(), "https://example.com/thanks");

  HttpResponse deleted = Api("DELETE", "/api/forms/" + std::to_string(id) + "/delete");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  json::object d = JsonObject(deleted.body).at("form").as_object();
  EXPECT_TRUE(d.at("id").is_null());
  EXPECT_EQ(d.at("name").as_string(), "Short");
  ExpectMauticError(Api("GET", "/api/forms/" + std::to_string(id)), 404, "Item was not found.");
  ExpectMauticError(Api("DELETE", "/api/forms/" + std::to_string(id) + "/delete"), 404,
                    "Item was not found.");
  EXPECT_EQ(JsonObject(Api("GET", "/api/forms").body).at("total").as_int64(), 0);
  EXPECT_EQ(Submit(id, "mauticform%5Bemail%5D=late%40forms.example").status, 404);
}

TEST_F(MauticFormsE2E, CliFormsAreListedAndPutCreatesUnknownIds) {
  json::object cli = JsonObject(RunSpoor({"form", "create", "--name", "Demo", "--field", "email:required",
                                    "--data", data()}));
  int64_t cli_id = cli.at("id").as_int64();
  HttpResponse got;
  ASSERT_TRUE(WaitFor([&] {
    got = Api("GET", "/api/forms/" + std::to_string(cli_id));
    return got.status == 200;
  }, std::chrono::seconds(5))) << got.body;
  json::object f = JsonObject(got.body).at("form").as_object();
  EXPECT_EQ(f.at("name").as_string(), "Demo");
  EXPECT_EQ(f.at("fields").as_array().at(0).at("leadField").as_string(), "email");

  HttpResponse made = Api("PUT", "/api/forms/9999/edit", R"({"name": "Made by PUT"})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_NE(JsonObject(made.body).at("form").at("id").as_int64(), 9999);
  ExpectMauticError(Api("PATCH", "/api/forms/9999/edit", R"({"name": "x"})"), 404,
                    "Item was not found.");
}

TEST_F(MauticFormsE2E, BadPayloadsAnswerMauticValidationErrors) {
  HttpResponse r = Api("POST", "/api/forms/new", R"({"description": "no name"})");
  ASSERT_EQ(r.status, 400) << r.body;
  json::object e = JsonObject(r.body).at("errors").as_array().at(0).as_object();
  EXPECT_EQ(e.at("code").as_int64(), 400);
  EXPECT_EQ(e.at("message").as_string(), "name: A name is required.");
  EXPECT_EQ(e.at("details").at("name").as_array().at(0).as_string(), "A name is required.");

  r = Api("POST", "/api/forms/new",
          R"x({"name": "F", "postAction": "redirect", "postActionProperty": "javascript:alert(1)",
              "fields": [{"label": "X", "leadField": "no_such_field"}]})x");
  ASSERT_EQ(r.status, 400) << r.body;
  json::object details = JsonObject(r.body).at("errors").as_array().at(0).at("details").as_object();
  EXPECT_TRUE(details.contains("postActionProperty")) << r.body;
  EXPECT_TRUE(details.contains("fields[0].leadField")) << r.body;

  // Malformed bodies and hostile values: 4xx, never 5xx.
  for (const std::string& body :
       {std::string("{"), std::string("[1,2]"), std::string(R"({"name": ["x"]})"),
        std::string(R"({"name": "F", "fields": "email"})"),
        std::string(R"({"name": "F", "fields": {"0": {"label": 5, "type": {"x": 1}}}})"),
        std::string(R"({"name": "F", "actions": [{"type": "lead.changetags", "properties": 3}]})"),
        R"({"name": ")" + std::string(300, 'x') + R"("})"}) {
    HttpResponse bad = Api("POST", "/api/forms/new", body);
    EXPECT_GE(bad.status, 400) << body << " -> " << bad.body;
    EXPECT_LT(bad.status, 500) << body << " -> " << bad.body;
  }
  for (const std::string& target :
       {std::string("/api/forms/abc"), std::string("/api/forms/0"), std::string("/api/forms/-1"),
        std::string("/api/forms/99999999999999999999"), std::string("/api/forms/1/nope"),
        std::string("/api/forms?limit=x"), std::string("/api/forms?orderBy=1;drop")}) {
    HttpResponse bad = Api("GET", target);
    EXPECT_GE(bad.status, 400) << target;
    EXPECT_LT(bad.status, 500) << target;
  }
  EXPECT_EQ(JsonObject(Api("GET", "/api/forms").body).at("total").as_int64(), 0);
}

TEST_F(MauticFormsE2E, ReadScopeCannotWriteAndWorkspacesAreIsolated) {
  ExpectMauticError(Api("POST", "/api/forms/new", R"({"name": "F"})", reader_), 403,
                    "You do not have access to the requested area/action.");
  HttpResponse created = Api("POST", "/api/forms/new", R"({"name": "Mine"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = std::to_string(JsonObject(created.body).at("form").at("id").as_int64());
  ExpectMauticError(Api("PATCH", "/api/forms/" + id + "/edit", R"({"name": "x"})", reader_), 403,
                    "You do not have access to the requested area/action.");
  ExpectMauticError(Api("DELETE", "/api/forms/" + id + "/delete", "", reader_), 403,
                    "You do not have access to the requested area/action.");

  // Another workspace's form answers like a missing one.
  ExpectMauticError(Api("GET", "/api/forms/" + id, "", other_), 404, "Item was not found.");
  ExpectMauticError(Api("PATCH", "/api/forms/" + id + "/edit", R"({"name": "x"})", other_), 404,
                    "Item was not found.");
  ExpectMauticError(Api("DELETE", "/api/forms/" + id + "/delete", "", other_), 404,
                    "Item was not found.");
  EXPECT_EQ(JsonObject(Api("GET", "/api/forms", "", other_).body).at("total").as_int64(), 0);
  // PUT on another workspace's id creates a new form there, never touching this one.
  HttpResponse put = Api("PUT", "/api/forms/" + id + "/edit", R"({"name": "Theirs"})", other_);
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_NE(std::to_string(JsonObject(put.body).at("form").at("id").as_int64()), id);
  EXPECT_EQ(JsonObject(Api("GET", "/api/forms/" + id).body).at("form").at("name").as_string(), "Mine");

  ExpectMauticError(Api("GET", "/api/forms", "", "not-a-token"), 401,
                    "The access token provided is invalid.");
}

}  // namespace
}  // namespace spoor::e2e
