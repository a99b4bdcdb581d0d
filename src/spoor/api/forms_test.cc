#include "spoor/api/forms.h"

#include "gtest/gtest.h"
#include "spoor/common/strings.h"
#include "spoor/common/text.h"

namespace spoor::api {
namespace {

namespace json = boost::json;

store::Workspace Ws() {
  store::Workspace ws;
  ws.id = 3;
  ws.fields = {{"email", "Email", "email", true, true},
               {"firstname", "First name", "text", false, true},
               {"phone", "Phone", "tel", false, false}};
  return ws;
}

json::object Obj(std::string_view s) { return json::parse(s).as_object(); }

std::string Errors(const FormWrite& w) {
  std::string out;
  for (const FieldError& e : w.errors) out += e.alias + ": " + e.message + "\n";
  return out;
}

TEST(MakeAlias, LikeMautic) {
  EXPECT_EQ(MakeAlias("First name", 25), "first_name");
  EXPECT_EQ(MakeAlias("  E-mail address!! ", 25), "e_mail_address");
  EXPECT_EQ(MakeAlias("Acme Global Conference Registration", 10), "acme_globa");
  EXPECT_EQ(MakeAlias("Acme_ Global", 5), "acme");
  EXPECT_EQ(MakeAlias("Éé", 25), "");
}

TEST(ReadFormWrite, CreateMapsFieldsToTheDefinition) {
  FormWrite w = ReadFormWrite(Obj(R"({
      "name": "Newsletter", "description": "Sign up", "formType": "standalone",
      "postAction": "message", "postActionProperty": "Merci !",
      "fields": [
        {"label": "Email", "type": "email", "leadField": "email", "isRequired": true},
        {"label": "First name", "mappedObject": "contact", "mappedField": "firstname"},
        {"label": "Comment", "alias": "remark", "type": "textarea", "defaultValue": "none"},
        {"label": "Send", "type": "button"}],
      "actions": [{"type": "lead.changetags", "name": "Tags",
                   "properties": {"add_tags": ["news", "web"], "remove_tags": "cold"}}]})"),
                              Ws(), nullptr);
  ASSERT_TRUE(w.errors.empty()) << Errors(w);
  const collect::FormDefinition& f = w.form;
  EXPECT_EQ(f.name, "Newsletter");
  EXPECT_EQ(f.alias, "newsletter");
  EXPECT_EQ(f.description, "Sign up");
  EXPECT_EQ(f.message, "Merci !");
  EXPECT_EQ(f.post_action, "message");
  EXPECT_TRUE(f.redirect_url.empty());
  ASSERT_EQ(f.fields.size(), 4u);
  EXPECT_EQ(f.fields[0].alias, "email");
  EXPECT_EQ(f.fields[0].contact_field, "email");
  EXPECT_EQ(f.fields[0].type, "email");
  EXPECT_TRUE(f.fields[0].required);
  EXPECT_EQ(f.fields[1].alias, "first_name");
  EXPECT_EQ(f.fields[1].contact_field, "firstname");
  EXPECT_EQ(f.fields[1].type, "text");
  EXPECT_EQ(f.fields[2].alias, "remark");
  EXPECT_EQ(f.fields[2].contact_field, "");
  EXPECT_EQ(f.fields[2].default_value, "none");
  EXPECT_EQ(f.fields[3].type, "button");
  EXPECT_EQ(f.add_tags, (std::vector<std::string>{"news", "web"}));
  EXPECT_EQ(f.remove_tags, std::vector<std::string>{"cold"});

  // The definition round-trips through the store's JSON.
  absl::StatusOr<collect::FormDefinition> back =
      collect::ParseFormDefinition(collect::FormDefinitionToJson(f));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->fields[1].label, "First name");
  EXPECT_EQ(back->fields[3].type, "button");
  EXPECT_EQ(back->description, "Sign up");
  EXPECT_EQ(back->post_action, "message");
}

TEST(ReadFormWrite, ButtonsAreNotReadFromSubmissions) {
  FormWrite w = ReadFormWrite(Obj(R"({"name": "F", "fields": [
      {"label": "Email", "type": "email", "leadField": "email", "isRequired": true},
      {"label": "Submit", "type": "button", "isRequired": true}]})"),
                              Ws(), nullptr);
  ASSERT_TRUE(w.errors.empty()) << Errors(w);
  collect::FormSubmission sub =
      collect::ReadSubmission(w.form, {{"mauticform[email]", "A@B.example"}});
  EXPECT_TRUE(sub.errors.empty());
  ASSERT_EQ(sub.values.size(), 1u);
  EXPECT_EQ(sub.values[0].second, "a@b.example");
}

TEST(ReadFormWrite, GeneratedAliasesAreUnique) {
  FormWrite w = ReadFormWrite(Obj(R"({"name": "F", "fields": [
      {"label": "Name"}, {"label": "name"}, {"label": "!!"}]})"),
                              Ws(), nullptr);
  ASSERT_TRUE(w.errors.empty()) << Errors(w);
  EXPECT_EQ(w.form.fields[0].alias, "name");
  EXPECT_EQ(w.form.fields[1].alias, "name1");
  EXPECT_EQ(w.form.fields[2].alias, "field3");
}

TEST(ReadFormWrite, RedirectNeedsAnHttpUrl) {
  FormWrite ok = ReadFormWrite(
      Obj(R"({"name": "F", "postAction": "redirect", "postActionProperty": "https://example.com/thanks"})"),
      Ws(), nullptr);
  ASSERT_TRUE(ok.errors.empty()) << Errors(ok);
  EXPECT_EQ(ok.form.redirect_url, "https://example.com/thanks");
  for (std::string_view bad : {R"x("javascript:alert(1)")x", R"x("")x", R"x("https://")x",
                               R"x("https://a b")x", R"x(["x"])x"}) {
    FormWrite w = ReadFormWrite(
        Obj(StrCat(R"({"name": "F", "postAction": "redirect", "postActionProperty": )", bad, "}")),
        Ws(), nullptr);
    ASSERT_EQ(w.errors.size(), 1u) << bad;
    EXPECT_EQ(w.errors[0].alias, "postActionProperty") << bad;
  }
}

TEST(ReadFormWrite, RefusesWhatItCannotHonour) {
  struct Case {
    std::string_view body, key;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({"fields": []})", "name"},
           {R"({"name": "   "})", "name"},
           {R"({"name": "F", "postAction": "hideform"})", "postAction"},
           {R"({"name": "F", "fields": [{"label": "X", "type": "captcha"}]})", "fields[0].type"},
           {R"({"name": "F", "fields": [{"label": "X", "leadField": "nope"}]})", "fields[0].leadField"},
           {R"({"name": "F", "fields": [{"label": "X", "mappedObject": "company", "mappedField": "x"}]})",
            "fields[0].mappedObject"},
           {R"({"name": "F", "fields": [{"type": "text"}]})", "fields[0].label"},
           {R"({"name": "F", "fields": ["email"]})", "fields[0]"},
           {R"({"name": "F", "fields": [{"label": "A", "alias": "x"}, {"label": "B", "alias": "x"}]})",
            "fields[1].alias"},
           {R"({"name": "F", "fields": [{"label": "A", "isRequired": "maybe"}]})", "fields[0].isRequired"},
           {R"({"name": "F", "actions": [{"type": "email.send.lead", "properties": {}}]})",
            "actions[0].type"},
           {R"({"name": "F", "isPublished": "sometimes"})", "isPublished"},
           {R"({"name": {"x": 1}})", "name"},
       }) {
    FormWrite w = ReadFormWrite(Obj(c.body), Ws(), nullptr);
    ASSERT_FALSE(w.errors.empty()) << c.body;
    EXPECT_EQ(w.errors[0].alias, c.key) << c.body << "\n" << Errors(w);
  }
  std::string long_name(256, 'n');
  FormWrite w = ReadFormWrite(Obj(StrCat(R"({"name": ")", long_name, R"("})")), Ws(), nullptr);
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].alias, "name");
  json::array many;
  for (int i = 0; i < 101; ++i) many.push_back(json::object{{"label", StrCat("f", i)}});
  w = ReadFormWrite(json::object{{"name", "F"}, {"fields", many}}, Ws(), nullptr);
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_EQ(w.errors[0].alias, "fields");
}

TEST(ReadFormWrite, PatchMergesIntoTheStoredForm) {
  FormWrite created = ReadFormWrite(Obj(R"({"name": "F", "postActionProperty": "Thanks",
      "fields": [{"label": "Email", "type": "email", "leadField": "email"},
                 {"label": "Phone", "type": "tel"}],
      "actions": [{"type": "lead.changetags", "properties": {"add_tags": ["a"]}}]})"),
                                    Ws(), nullptr);
  ASSERT_TRUE(created.errors.empty()) << Errors(created);
  collect::FormDefinition base = created.form;
  FormWrite w = ReadFormWrite(Obj(R"({"description": "d",
      "fields": [{"id": 2, "leadField": "phone", "isRequired": true},
                 {"alias": "email", "label": "Your email"},
                 {"label": "First name", "leadField": "firstname"}]})"),
                              Ws(), &base);
  ASSERT_TRUE(w.errors.empty()) << Errors(w);
  EXPECT_EQ(w.form.name, "F");
  EXPECT_EQ(w.form.message, "Thanks");
  EXPECT_EQ(w.form.description, "d");
  EXPECT_EQ(w.form.add_tags, std::vector<std::string>{"a"});
  ASSERT_EQ(w.form.fields.size(), 3u);
  EXPECT_EQ(w.form.fields[0].label, "Your email");
  EXPECT_EQ(w.form.fields[0].contact_field, "email");
  EXPECT_EQ(w.form.fields[1].alias, "phone");
  EXPECT_EQ(w.form.fields[1].contact_field, "phone");
  EXPECT_TRUE(w.form.fields[1].required);
  EXPECT_EQ(w.form.fields[2].alias, "first_name");

  // Without a base (PUT), the payload is the whole form.
  FormWrite put = ReadFormWrite(Obj(R"({"name": "G"})"), Ws(), nullptr);
  ASSERT_TRUE(put.errors.empty()) << Errors(put);
  EXPECT_TRUE(put.form.fields.empty());
  EXPECT_TRUE(put.form.add_tags.empty());
}

TEST(RenderForm, MauticShape) {
  FormWrite w = ReadFormWrite(Obj(R"({"name": "Contact us", "isPublished": false,
      "fields": [{"label": "Email", "type": "email", "mappedField": "email", "isRequired": true},
                 {"label": "Note"}],
      "actions": [{"type": "lead.changetags", "properties": {"add_tags": "x"}}]})"),
                              Ws(), nullptr);
  ASSERT_TRUE(w.errors.empty()) << Errors(w);
  w.form.id = 12;
  json::object o = RenderForm(w.form, 1437481632000000);
  EXPECT_EQ(o.at("id").as_int64(), 12);
  EXPECT_EQ(o.at("name").as_string(), "Contact us");
  EXPECT_EQ(o.at("alias").as_string(), "contact_us");
  EXPECT_FALSE(o.at("isPublished").as_bool());
  EXPECT_EQ(o.at("dateAdded").as_string(), "2015-07-21T12:27:12+00:00");
  EXPECT_TRUE(o.at("dateModified").is_null());
  EXPECT_TRUE(o.at("description").is_null());
  EXPECT_EQ(o.at("postAction").as_string(), "message");
  EXPECT_EQ(o.at("postActionProperty").as_string(), "Thank you.");
  EXPECT_EQ(o.at("formType").as_string(), "standalone");
  const json::array& fields = o.at("fields").as_array();
  ASSERT_EQ(fields.size(), 2u);
  const json::object& email = fields[0].as_object();
  EXPECT_EQ(email.at("id").as_int64(), 1);
  EXPECT_EQ(email.at("order").as_int64(), 1);
  EXPECT_EQ(email.at("label").as_string(), "Email");
  EXPECT_EQ(email.at("alias").as_string(), "email");
  EXPECT_EQ(email.at("type").as_string(), "email");
  EXPECT_TRUE(email.at("isRequired").as_bool());
  EXPECT_EQ(email.at("leadField").as_string(), "email");
  EXPECT_EQ(email.at("mappedField").as_string(), "email");
  EXPECT_EQ(email.at("mappedObject").as_string(), "contact");
  EXPECT_TRUE(email.at("defaultValue").is_null());
  const json::object& note = fields[1].as_object();
  EXPECT_TRUE(note.at("leadField").is_null());
  EXPECT_TRUE(note.at("mappedObject").is_null());
  const json::array& actions = o.at("actions").as_array();
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].at("type").as_string(), "lead.changetags");
  EXPECT_EQ(actions[0].at("properties").at("add_tags").as_array().size(), 1u);
}

TEST(RenderForm, CliFormsReadAsMautic) {
  // A form made by `spoor form create` (no post_action, a redirect).
  absl::StatusOr<collect::FormDefinition> f = collect::ParseFormDefinition(
      R"({"name":"Demo","fields":[{"alias":"email","contact_field":"email","type":"email","required":true}],
          "redirect_url":"https://example.com/ok"})");
  ASSERT_TRUE(f.ok());
  json::object o = RenderForm(*f, 0);
  EXPECT_EQ(o.at("postAction").as_string(), "redirect");
  EXPECT_EQ(o.at("postActionProperty").as_string(), "https://example.com/ok");
  EXPECT_EQ(o.at("fields").as_array()[0].at("label").as_string(), "email");
  EXPECT_TRUE(o.at("dateAdded").is_null());
}

TEST(ListForms, PagesSearchesAndChecksParameters) {
  store::Workspace ws = Ws();
  ws.forms = {{1, "Alpha", R"({"name":"Alpha"})", 10},
              {2, "Beta", R"({"name":"Beta","published":false})", 20},
              {3, "Gamma", R"({"name":"Gamma"})", 30},
              {4, "Broken", "not json", 40}};
  absl::StatusOr<json::object> all = ListForms(ws, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->at("total").as_int64(), 3);
  EXPECT_EQ(all->at("forms").as_array()[0].at("id").as_int64(), 1);
  absl::StatusOr<json::object> page =
      ListForms(ws, Obj(R"({"start":"1","limit":"1","orderByDir":"DESC"})"));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->at("forms").as_array().size(), 1u);
  EXPECT_EQ(page->at("forms").as_array()[0].at("id").as_int64(), 2);
  absl::StatusOr<json::object> found = ListForms(ws, Obj(R"({"search":"gam"})"));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->at("total").as_int64(), 1);
  absl::StatusOr<json::object> published = ListForms(ws, Obj(R"({"publishedOnly":"1"})"));
  ASSERT_TRUE(published.ok());
  EXPECT_EQ(published->at("total").as_int64(), 2);
  EXPECT_FALSE(ListForms(ws, Obj(R"({"orderBy":"name; DROP"})")).ok());
  EXPECT_FALSE(ListForms(ws, Obj(R"({"start":"-1"})")).ok());
  EXPECT_FALSE(ListForms(ws, Obj(R"({"limit":"x"})")).ok());
  EXPECT_FALSE(ListForms(ws, Obj(R"({"orderByDir":"up"})")).ok());
  EXPECT_TRUE(absl::IsNotFound(FindForm(ws, 9, nullptr).status()));
  EXPECT_TRUE(absl::IsDataLoss(FindForm(ws, 4, nullptr).status()));
}

}  // namespace
}  // namespace spoor::api
