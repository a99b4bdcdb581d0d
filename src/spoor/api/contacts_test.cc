#include "spoor/api/contacts.h"

#include "gtest/gtest.h"
#include "spoor/api/params.h"

namespace spoor::api {
namespace {

namespace json = boost::json;

store::Workspace Ws() {
  store::Workspace ws;
  ws.id = 7;
  ws.fields = {{"email", "Email", "email", true, true},
               {"firstname", "First name", "text", false, true},
               {"phone", "Phone", "tel", false, false},
               {"company", "Company", "text", false, true}};
  return ws;
}

json::object Obj(std::string_view s) { return json::parse(s).as_object(); }

TEST(ReadContactWrite, KeepsKnownFieldsAndTags) {
  ContactWrite w = ReadContactWrite(
      Obj(R"({"email":" batchemail1@email.com, ","phone":"+5561999990000","points":0,
              "nickname":"x","owner":3,"tags":["a"," -b ","", "c"],"overwriteWithBlank":true})"),
      Ws());
  EXPECT_TRUE(w.errors.empty());
  ASSERT_EQ(w.fields.size(), 2u);
  EXPECT_EQ(w.fields[0], (std::pair<std::string, std::string>{"email", "batchemail1@email.com"}));
  EXPECT_EQ(w.fields[1].second, "+5561999990000");
  EXPECT_EQ(w.tags_add, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(w.tags_remove, (std::vector<std::string>{"b"}));
  EXPECT_TRUE(w.overwrite_blank);
}

TEST(ReadContactWrite, TagsAsACommaString) {
  ContactWrite w = ReadContactWrite(Obj(R"({"tags":"x,-y"})"), Ws());
  EXPECT_EQ(w.tags_add, std::vector<std::string>{"x"});
  EXPECT_EQ(w.tags_remove, std::vector<std::string>{"y"});
}

TEST(ReadContactWrite, ReportsBadValues) {
  ContactWrite w = ReadContactWrite(
      Obj(R"({"email":"not-an-email","firstname":{"a":1},"phone":")" + std::string(5000, '1') +
          R"("})"),
      Ws());
  ASSERT_EQ(w.errors.size(), 3u);
  EXPECT_EQ(w.errors[0].alias, "email");
  EXPECT_TRUE(w.fields.empty());
}

TEST(ContactWriteEvent, IsAnApiContactUpdate) {
  ContactWrite w;
  w.fields = {{"email", "a@b.c"}};
  Event e = ContactWriteEvent(w, 7, 0, 99, 1700000000000000, true);
  EXPECT_EQ(e.type, EventType::kContactUpdate);
  EXPECT_EQ(e.source, EventSource::kApi);
  EXPECT_EQ(e.spare_contact_id, 99u);
  EXPECT_TRUE(e.replace_fields);
  EXPECT_FALSE(e.id.empty());
}

TEST(ReadContactQuery, ReadsWhereOrderAndPaging) {
  auto p = RequestParams(
      "start=10&limit=5&orderBy=dateAdded&orderByDir=DESC&where[0][col]=email&where[0][expr]=eq&"
      "where[0][val]=a@b.c&where[1][col]=l.date_added&where[1][expr]=gte&"
      "where[1][val]=2026-01-02%2003:04:05&where[2][col]=id&where[2][expr]=in&where[2][val]=1,2",
      "", "");
  ASSERT_TRUE(p.ok()) << p.status();
  auto q = ReadContactQuery(*p, Ws());
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->workspace_id, 7);
  EXPECT_EQ(q->start, 10);
  EXPECT_EQ(q->limit, 5);
  EXPECT_EQ(q->order_by, "date_added");
  EXPECT_TRUE(q->descending);
  ASSERT_EQ(q->filters.size(), 3u);
  EXPECT_EQ(q->filters[0].column, "email");
  EXPECT_EQ(q->filters[1].column, "date_added");
  EXPECT_EQ(q->filters[1].values[0], "1767323045000000");
  EXPECT_EQ(q->filters[2].values, (std::vector<std::string>{"1", "2"}));
}

TEST(ReadContactQuery, ReadsMauticSearchStrings) {
  auto q = ReadContactQuery(Obj(R"({"search":"email:a@b.c is:anonymous hello"})"), Ws());
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_EQ(q->filters.size(), 1u);
  EXPECT_EQ(q->filters[0].op, "eq");
  EXPECT_EQ(q->anonymous, true);
  EXPECT_EQ(q->text, "hello");
}

TEST(ReadContactQuery, RefusesBadParameters) {
  EXPECT_FALSE(ReadContactQuery(Obj(R"({"start":"-1"})"), Ws()).ok());
  EXPECT_FALSE(ReadContactQuery(Obj(R"({"limit":"x"})"), Ws()).ok());
  EXPECT_FALSE(ReadContactQuery(Obj(R"({"orderByDir":"sideways"})"), Ws()).ok());
  EXPECT_FALSE(ReadContactQuery(Obj(R"({"where":"email"})"), Ws()).ok());
  EXPECT_FALSE(ReadContactQuery(Obj(R"({"where":[{"col":"email"}]})"), Ws()).ok());
  EXPECT_FALSE(ReadContactQuery(Obj(R"({"where":[{"expr":"orX","val":[]}]})"), Ws()).ok());
  EXPECT_FALSE(
      ReadContactQuery(Obj(R"({"where":[{"col":"date_added","expr":"gt","val":"soon"}]})"), Ws()).ok());
}

TEST(RenderContactList, TotalIsAStringAndAnEmptyListAnObject) {
  store::ContactPage empty;
  EXPECT_EQ(json::serialize(RenderContactList(empty, Ws())), R"({"total":"0","contacts":{}})");
  store::ContactPage page;
  page.total = 1;
  store::ContactRecord c;
  c.id = 4242;
  c.created_at_us = 1437481632000000;
  c.modified_at_us = c.created_at_us;
  c.last_active_us = c.created_at_us;
  c.fields = {{"email", "a@b.c"}};
  c.tags = {"vip"};
  page.contacts.push_back(c);
  json::object out = RenderContactList(page, Ws());
  EXPECT_EQ(out.at("total").as_string(), "1");
  const json::object& contact = out.at("contacts").as_object().at("4242").as_object();
  EXPECT_EQ(contact.at("id").as_int64(), 4242);
  EXPECT_EQ(contact.at("dateAdded").as_string(), "2015-07-21T12:27:12+00:00");
  const json::object& all = contact.at("fields").as_object().at("all").as_object();
  EXPECT_EQ(all.begin()->key(), "id");
  EXPECT_EQ(all.at("email").as_string(), "a@b.c");
  EXPECT_EQ(all.at("firstname").as_string(), "");
  EXPECT_TRUE(all.at("company").is_null());
  EXPECT_EQ(all.at("points").as_int64(), 0);
  EXPECT_EQ(contact.at("tags").as_array()[0].as_object().at("tag").as_string(), "vip");
  EXPECT_TRUE(contact.at("dateIdentified").is_null());
}

TEST(MauticTime, ParsesTheFormatsClientsSend) {
  EXPECT_EQ(ParseMauticTime("2015-07-21"), 1437436800000000);
  EXPECT_EQ(ParseMauticTime("2015-07-21 12:27:12"), 1437481632000000);
  EXPECT_EQ(ParseMauticTime("2015-07-21T12:27:12+00:00"), 1437481632000000);
  EXPECT_EQ(ParseMauticTime("2015-07-21T12:27:12Z"), 1437481632000000);
  EXPECT_FALSE(ParseMauticTime("2015-13-01").has_value());
  EXPECT_FALSE(ParseMauticTime("21/07/2015").has_value());
  EXPECT_FALSE(ParseMauticTime("2015-07-21 12:27:12+02:00").has_value());
  EXPECT_EQ(MauticTime(1437481632000000), "2015-07-21T12:27:12+00:00");
}

}  // namespace
}  // namespace spoor::api
