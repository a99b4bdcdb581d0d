// The identity rules and sessionization, through the Store interface.
#include <filesystem>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "spoor/common/ids.h"
#include "spoor/store/store.h"

namespace spoor::store {
namespace {

constexpr int64_t kT0 = 1700000000000000;
constexpr int64_t kMinute = 60000000;

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "spoor-id-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    store_ = std::move(*OpenSqliteStore({dir_}));
    ws_ = store_->EnsureDefaultWorkspace()->id;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Event Hit(uint64_t contact, const std::string& device, int64_t t,
            std::vector<std::pair<std::string, std::string>> fields = {}) {
    Event e;
    e.id = NewEventId(t) + std::to_string(++counter_);
    e.workspace_id = ws_;
    e.received_at_us = t;
    e.contact_id = contact;
    e.device_id = device;
    e.url = "https://site.example/p" + std::to_string(counter_);
    e.fields = std::move(fields);
    return e;
  }
  void Apply(std::vector<Event> events) {
    auto stats = store_->ApplyEvents(events, ++seq_);
    ASSERT_TRUE(stats.ok()) << stats.status();
    for (auto& m : stats->device_moves) moves_.push_back(m);
  }
  boost::json::object Show(int64_t contact) {
    TimelineQuery q;
    q.limit = 1000;
    auto s = store_->ShowContact(contact, q);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? boost::json::parse(*s).as_object() : boost::json::object();
  }
  std::vector<boost::json::object> Rows(const std::string& what) {
    std::vector<boost::json::object> out;
    auto add = [&](std::string_view l) { out.push_back(boost::json::parse(l).as_object()); };
    absl::Status s = what == "events" ? store_->ExportEvents(std::nullopt, add)
                                      : store_->ExportSessions(std::nullopt, add);
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }
  static std::string Field(const boost::json::object& c, const char* alias) {
    const auto& f = c.at("fields").as_object();
    return f.contains(alias) ? std::string(f.at(alias).as_string()) : "";
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  int64_t ws_ = 0;
  int64_t seq_ = 0;
  int counter_ = 0;
  std::vector<DeviceOwner> moves_;
};

TEST_F(IdentityTest, AnonymousContactMergesIntoIdentifiedOneWithItsHistory) {
  Apply({Hit(1, "known", kT0, {{"email", "ann@x.com"}, {"firstname", "Ann"}})});
  Event anon = Hit(2, "anon", kT0 + kMinute, {{"lastname", "Smith"}});
  anon.tags_add = {"visitor"};
  Apply({anon, Hit(2, "anon", kT0 + 2 * kMinute)});
  Apply({Hit(2, "anon", kT0 + 3 * kMinute, {{"email", "ann@x.com"}, {"firstname", "Eve"}})});

  auto ann = Show(2);  // the old id still resolves
  EXPECT_EQ(ann.at("id").as_int64(), 1);
  EXPECT_EQ(Field(ann, "firstname"), "Ann");    // identified values win
  EXPECT_EQ(Field(ann, "lastname"), "Smith");   // anonymous values fill gaps
  EXPECT_EQ(ann.at("tags").as_array().size(), 1u);
  EXPECT_EQ(ann.at("timeline").as_array().size(), 4u);
  EXPECT_EQ(ann.at("devices").as_array().size(), 2u);
  const auto& merge = ann.at("merges").as_array().at(0).as_object();
  EXPECT_EQ(merge.at("loser_id").as_int64(), 2);
  EXPECT_EQ(merge.at("identifier_value").as_string(), "ann@x.com");
  EXPECT_FALSE(merge.at("cause_event_id").is_null());
  for (const auto& e : Rows("events")) EXPECT_EQ(e.at("contact_id").as_int64(), 1);
  ASSERT_FALSE(moves_.empty());
  EXPECT_EQ(moves_.back().device_id, "anon");
  EXPECT_EQ(moves_.back().contact_id, 1u);
}

TEST_F(IdentityTest, UnmergeRestoresBothContacts) {
  Apply({Hit(1, "known", kT0, {{"email", "ann@x.com"}, {"firstname", "Ann"}})});
  Event anon = Hit(2, "anon", kT0 + kMinute, {{"lastname", "Smith"}});
  anon.tags_add = {"visitor"};
  Apply({anon});
  Apply({Hit(2, "anon", kT0 + 2 * kMinute, {{"email", "ann@x.com"}})});
  std::vector<DeviceOwner> back;
  auto winner = store_->UnmergeContact(2, &back);
  ASSERT_TRUE(winner.ok()) << winner.status();
  EXPECT_EQ(*winner, 1);
  auto ann = Show(1);
  EXPECT_EQ(Field(ann, "lastname"), "");
  EXPECT_TRUE(ann.at("tags").as_array().empty());
  EXPECT_EQ(ann.at("devices").as_array().size(), 1u);
  auto anon_contact = Show(2);
  EXPECT_EQ(anon_contact.at("id").as_int64(), 2);
  EXPECT_EQ(Field(anon_contact, "lastname"), "Smith");
  EXPECT_EQ(anon_contact.at("devices").as_array().size(), 1u);
  EXPECT_EQ(anon_contact.at("timeline").as_array().size(), 1u);  // its own anonymous history
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].contact_id, 2u);
  EXPECT_TRUE(absl::IsNotFound(store_->UnmergeContact(2, nullptr).status()));
}

TEST_F(IdentityTest, TwoIdentifiedContactsAreNeverMergedTheDeviceMoves) {
  Apply({Hit(1, "shared", kT0, {{"email", "ann@x.com"}})});
  Apply({Hit(2, "bobs", kT0, {{"email", "bob@x.com"}})});
  Apply({Hit(1, "shared", kT0 + kMinute, {{"email", "bob@x.com"}})});
  auto ann = Show(1);
  auto bob = Show(2);
  EXPECT_EQ(ann.at("id").as_int64(), 1);
  EXPECT_EQ(Field(ann, "email"), "ann@x.com");
  EXPECT_EQ(ann.at("timeline").as_array().size(), 1u);  // history stays
  EXPECT_EQ(bob.at("timeline").as_array().size(), 2u);
  EXPECT_TRUE(ann.at("merges").as_array().empty());
  // The shared device now belongs to Bob.
  Apply({Hit(1, "shared", kT0 + 2 * kMinute)});
  EXPECT_EQ(Show(2).at("timeline").as_array().size(), 3u);
}

TEST_F(IdentityTest, NewPersonOnAnIdentifiedDeviceGetsANewContact) {
  Apply({Hit(1, "shared", kT0, {{"email", "ann@x.com"}})});
  Event carl = Hit(1, "shared", kT0 + kMinute, {{"email", "carl@x.com"}});
  carl.spare_contact_id = 3;
  Apply({carl});
  EXPECT_EQ(Field(Show(1), "email"), "ann@x.com");  // never overwritten
  auto c = Show(3);
  EXPECT_EQ(Field(c, "email"), "carl@x.com");
  EXPECT_EQ(c.at("timeline").as_array().size(), 1u);
}

TEST_F(IdentityTest, LateEventsFollowTheDeviceOwnerAtTheirTime) {
  Apply({Hit(1, "shared", kT0, {{"email", "ann@x.com"}})});
  Apply({Hit(2, "bobs", kT0, {{"email", "bob@x.com"}})});
  Apply({Hit(1, "shared", kT0 + 10 * kMinute, {{"email", "bob@x.com"}})});
  // An offline queue delivers an event from before the switch.
  Event late = Hit(2, "shared", kT0 + 5 * kMinute);
  late.client_time_us = kT0 + 5 * kMinute;
  late.received_at_us = kT0 + 20 * kMinute;
  Apply({late});
  EXPECT_EQ(Show(1).at("timeline").as_array().size(), 2u);
}

TEST_F(IdentityTest, IdentifyBeforeEarlierAnonymousEventsStillClaimsThem) {
  Apply({Hit(1, "known", kT0, {{"email", "ann@x.com"}})});
  Apply({Hit(2, "anon", kT0 + 5 * kMinute, {{"email", "ann@x.com"}})});
  // Earlier anonymous events of the same device arrive afterwards (retries).
  Event early = Hit(2, "anon", kT0 + kMinute);
  early.client_time_us = kT0 + kMinute;
  Apply({early});
  EXPECT_EQ(Show(1).at("timeline").as_array().size(), 3u);
}

TEST_F(IdentityTest, ExternalUserIdIsAnIdentity) {
  Event a = Hit(1, "phone", kT0);
  a.user_id = "app-user-7";
  Apply({a});
  Event b = Hit(2, "tablet", kT0 + kMinute);
  b.user_id = "app-user-7";
  Apply({b});
  EXPECT_EQ(Show(2).at("id").as_int64(), 1);
}

TEST_F(IdentityTest, TimelineIsPagedAndFiltered) {
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) events.push_back(Hit(9, "d9", kT0 + i * kMinute));
  Event custom = Hit(9, "d9", kT0 + 10 * kMinute);
  custom.type = EventType::kCustom;
  custom.name = "video_play";
  events.push_back(custom);
  Apply(events);
  TimelineQuery q;
  q.limit = 4;
  auto page1 = boost::json::parse(*store_->ShowContact(9, q)).as_object();
  ASSERT_EQ(page1.at("timeline").as_array().size(), 4u);
  EXPECT_EQ(page1.at("timeline").as_array()[0].at("name").as_string(), "video_play");
  q.before = std::string(page1.at("next_before").as_string());
  auto page2 = boost::json::parse(*store_->ShowContact(9, q)).as_object();
  ASSERT_EQ(page2.at("timeline").as_array().size(), 2u);
  EXPECT_TRUE(page2.at("next_before").is_null());
  TimelineQuery only_custom;
  only_custom.types = {"custom"};
  auto customs = boost::json::parse(*store_->ShowContact(9, only_custom)).as_object();
  EXPECT_EQ(customs.at("timeline").as_array().size(), 1u);
  TimelineQuery window;
  window.from_us = kT0 + kMinute;
  window.to_us = kT0 + 3 * kMinute;
  auto ranged = boost::json::parse(*store_->ShowContact(9, window)).as_object();
  EXPECT_EQ(ranged.at("timeline").as_array().size(), 3u);
  only_custom.types = {"nope"};
  EXPECT_FALSE(store_->ShowContact(9, only_custom).ok());
}

TEST_F(IdentityTest, SessionsSplitOnInactivityCampaignAndReferrer) {
  std::vector<Event> events = {Hit(5, "d", kT0), Hit(5, "d", kT0 + 29 * kMinute),
                               Hit(5, "d", kT0 + 60 * kMinute)};  // 31 minutes after
  Event campaign = Hit(5, "d", kT0 + 61 * kMinute);
  campaign.utm.campaign = "Spring";
  Event same_campaign = Hit(5, "d", kT0 + 62 * kMinute);
  same_campaign.utm.campaign = "Spring";
  Event referral = Hit(5, "d", kT0 + 63 * kMinute);
  referral.referrer = "https://news.example/article";
  events.insert(events.end(), {campaign, same_campaign, referral});
  Apply(events);
  auto sessions = Rows("sessions");
  ASSERT_EQ(sessions.size(), 4u);
  EXPECT_EQ(sessions[0].at("event_count").as_int64(), 2);
  EXPECT_EQ(sessions[1].at("event_count").as_int64(), 1);
  EXPECT_EQ(sessions[2].at("event_count").as_int64(), 2);
  EXPECT_EQ(sessions[2].at("utm_campaign").as_string(), "Spring");
  EXPECT_EQ(sessions[3].at("referrer").as_string(), "https://news.example/article");
}

TEST_F(IdentityTest, OutOfOrderEventsJoinTheSessionOfTheirTime) {
  Apply({Hit(6, "d", kT0), Hit(6, "d", kT0 + 20 * kMinute), Hit(6, "d", kT0 + 90 * kMinute)});
  Event late = Hit(6, "d", kT0 + 10 * kMinute);
  late.client_time_us = kT0 + 10 * kMinute;
  late.received_at_us = kT0 + 100 * kMinute;
  Apply({late});
  auto sessions = Rows("sessions");
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].at("event_count").as_int64(), 3);
  EXPECT_EQ(sessions[1].at("event_count").as_int64(), 1);
  auto events = Rows("events");
  EXPECT_EQ(events.back().at("session_id").as_int64(), sessions[0].at("id").as_int64());
}

}  // namespace
}  // namespace spoor::store

namespace spoor::store {
namespace {

class ContactWriteTest : public IdentityTest {
 protected:
  Event Write(uint64_t contact, uint64_t spare,
              std::vector<std::pair<std::string, std::string>> fields) {
    Event e = Hit(contact, "", kT0 + counter_ * kMinute, std::move(fields));
    e.url.clear();
    e.type = EventType::kContactUpdate;
    e.source = EventSource::kApi;
    e.spare_contact_id = spare;
    return e;
  }
  std::string FieldOf(int64_t contact, const std::string& alias) {
    auto c = store_->GetContact(ws_, contact);
    if (!c.ok()) return "<missing>";
    for (const auto& [a, v] : c->fields) {
      if (a == alias) return v;
    }
    return "";
  }
};

TEST_F(ContactWriteTest, CreatesThenUpdatesByIdentifierWithoutSessions) {
  Apply({Write(0, 500, {{"email", "ann@x.com"}, {"firstname", "Ann"}})});
  EXPECT_EQ(FieldOf(500, "firstname"), "Ann");
  // Same email, another spare: lands on 500 and replaces values.
  Event again = Write(0, 501, {{"email", "ann@x.com"}, {"firstname", "Anne"}});
  Apply({again});
  EXPECT_EQ(*store_->EventContact(ws_, again.id), 500);
  EXPECT_EQ(FieldOf(500, "firstname"), "Anne");
  EXPECT_FALSE(store_->GetContact(ws_, 501).ok());
  EXPECT_TRUE(Rows("sessions").empty());
}

TEST_F(ContactWriteTest, AnEditReplacesTheEmailButNeverTakesAnother) {
  Apply({Write(0, 500, {{"email", "ann@x.com"}}), Write(0, 600, {{"email", "bob@x.com"}})});
  Apply({Write(500, 0, {{"email", "ann@new.com"}})});
  EXPECT_EQ(FieldOf(500, "email"), "ann@new.com");
  // The old address is free again; bob's stays bob's.
  Apply({Write(500, 0, {{"email", "bob@x.com"}, {"city", "Natal"}})});
  EXPECT_EQ(FieldOf(500, "email"), "ann@new.com");
  EXPECT_EQ(FieldOf(500, "city"), "Natal");
  Event claim = Write(0, 700, {{"email", "ann@x.com"}});
  Apply({claim});
  EXPECT_EQ(*store_->EventContact(ws_, claim.id), 700);
}

TEST_F(ContactWriteTest, BlanksKeepValuesUnlessAskedAndReplaceClears) {
  Apply({Write(0, 500, {{"email", "ann@x.com"}, {"firstname", "Ann"}, {"city", "Recife"}})});
  Apply({Write(500, 0, {{"firstname", ""}})});
  EXPECT_EQ(FieldOf(500, "firstname"), "Ann");
  Event blank = Write(500, 0, {{"firstname", ""}});
  blank.overwrite_blank = true;
  Apply({blank});
  EXPECT_EQ(FieldOf(500, "firstname"), "");
  Event put = Write(500, 0, {{"lastname", "Lee"}});
  put.replace_fields = true;
  Apply({put});
  EXPECT_EQ(FieldOf(500, "city"), "");
  EXPECT_EQ(FieldOf(500, "email"), "");
  EXPECT_EQ(FieldOf(500, "lastname"), "Lee");
  Event claim = Write(0, 800, {{"email", "ann@x.com"}});
  Apply({claim});
  EXPECT_EQ(*store_->EventContact(ws_, claim.id), 800);  // the identity went with the field
}

TEST_F(ContactWriteTest, DeleteRemovesTheContactItsMergesAndForgetsItsDevices) {
  Apply({Hit(1, "known", kT0, {{"email", "ann@x.com"}})});
  Apply({Hit(2, "anon", kT0 + kMinute), Hit(2, "anon", kT0 + 2 * kMinute, {{"email", "ann@x.com"}})});
  ASSERT_TRUE(store_->GetContact(ws_, 1).ok());
  moves_.clear();
  Event del = Write(1, 0, {});
  del.type = EventType::kContactDelete;
  Apply({del});
  EXPECT_FALSE(store_->GetContact(ws_, 1).ok());
  EXPECT_TRUE(Rows("events").empty());
  EXPECT_TRUE(Rows("sessions").empty());
  ASSERT_EQ(moves_.size(), 2u);
  for (const DeviceOwner& m : moves_) EXPECT_EQ(m.contact_id, 0u);
  // An edit for the deleted contact does not bring it back.
  Apply({Write(1, 0, {{"firstname", "Ghost"}})});
  EXPECT_FALSE(store_->GetContact(ws_, 1).ok());
  // The email is free again.
  Event claim = Write(0, 900, {{"email", "ann@x.com"}});
  Apply({claim});
  EXPECT_EQ(*store_->EventContact(ws_, claim.id), 900);
}

TEST_F(ContactWriteTest, ListsFilterSortAndPageWithBoundValues) {
  Apply({Write(0, 501, {{"email", "b@x.com"}, {"firstname", "Bea"}}),
         Write(0, 502, {{"email", "a@x.com"}, {"firstname", "Al"}}),
         Write(0, 503, {{"phone", "+1"}})});
  ContactQuery q;
  q.workspace_id = ws_;
  q.order_by = "firstname";
  auto page = store_->ListContacts(q);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total, 3);
  ASSERT_EQ(page->contacts.size(), 3u);
  EXPECT_EQ(page->contacts[0].id, 503);  // NULL sorts first
  EXPECT_EQ(page->contacts[1].id, 502);
  // Each contact of the page carries its own fields, in alias order.
  using Fields = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(page->contacts[0].fields, (Fields{{"phone", "+1"}}));
  EXPECT_EQ(page->contacts[1].fields, (Fields{{"email", "a@x.com"}, {"firstname", "Al"}}));
  EXPECT_EQ(page->contacts[2].fields, (Fields{{"email", "b@x.com"}, {"firstname", "Bea"}}));
  q.filters = {{"email", "like", {"%@x.com"}}};
  q.limit = 1;
  q.start = 1;
  page = store_->ListContacts(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 2);
  ASSERT_EQ(page->contacts.size(), 1u);
  EXPECT_EQ(page->contacts[0].id, 501);
  q.filters = {{"email", "eq", {"x' OR '1'='1"}}};
  EXPECT_EQ(store_->ListContacts(q)->total, 0);
  q.filters = {{"email; DROP TABLE contacts", "eq", {"x"}}};
  EXPECT_TRUE(absl::IsInvalidArgument(store_->ListContacts(q).status()));
  q.filters = {{"id", "in", {"501", "503"}}};
  q.start = 0;
  q.limit = 10;
  EXPECT_EQ(store_->ListContacts(q)->total, 2);
  q.filters = {{"id", "gt", {"abc"}}};
  EXPECT_FALSE(store_->ListContacts(q).ok());
  q.filters.clear();
  q.anonymous = true;
  EXPECT_EQ(store_->ListContacts(q)->total, 1);
  q.anonymous.reset();
  q.text = "Be";
  EXPECT_EQ(store_->ListContacts(q)->total, 1);
  q.text = "%";
  EXPECT_EQ(store_->ListContacts(q)->total, 0);  // a literal %, not a wildcard
  EXPECT_FALSE(store_->GetContact(ws_ + 1, 501).ok());  // another workspace
}

}  // namespace
}  // namespace spoor::store
