#include "spoor/store/store.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "spoor/common/testing/temp_dir.h"
#include "spoor/common/ids.h"
#include "spoor/store/sqlite/db.h"

namespace spoor::store {
namespace {

using ::spoor::testing::TempDir;

std::vector<std::string> Lines(Store& store, bool events) {
  std::vector<std::string> out;
  auto add = [&](std::string_view l) { out.emplace_back(l); };
  absl::Status s = events ? store.ExportEvents(std::nullopt, add)
                          : store.ExportContacts(std::nullopt, add);
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

Event PageView(int64_t ws, uint64_t contact, std::string device, int64_t t) {
  Event e;
  e.id = NewEventId(t);
  e.workspace_id = ws;
  e.received_at_us = t;
  e.contact_id = contact;
  e.device_id = std::move(device);
  e.url = "https://site.example/a";
  e.title = "A <b>title</b>";
  return e;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions options{dir_.path()};
    options.ingest = true;
    auto store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto ws = store_->EnsureDefaultWorkspace();
    ASSERT_TRUE(ws.ok()) << ws.status();
    ws_ = *ws;
  }
  TempDir dir_;
  std::unique_ptr<Store> store_;
  Workspace ws_;
};

TEST_F(SqliteStoreTest, DefaultWorkspaceHasEmailAsPublicUniqueIdentifier) {
  EXPECT_TRUE(ws_.is_default);
  EXPECT_TRUE(IsUuid(ws_.uuid));
  bool found = false;
  for (const auto& f : ws_.fields) {
    if (f.alias == "email") {
      found = true;
      EXPECT_TRUE(f.is_unique_identifier);
      EXPECT_TRUE(f.is_publicly_updatable);
    }
  }
  EXPECT_TRUE(found);
  auto again = store_->EnsureDefaultWorkspace();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->uuid, ws_.uuid);
}

TEST_F(SqliteStoreTest, InboxAppendsAndReadsInOrder) {
  std::vector<std::string_view> bodies = {"a", "b", "c"};
  ASSERT_TRUE(store_->AppendInbox(bodies).ok());
  auto rows = store_->ReadInbox(0, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[2].body, "c");
  auto tail = store_->ReadInbox((*rows)[1].seq, 10);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 1u);
}

TEST_F(SqliteStoreTest, ApplyingPastASealedJournalSegmentDeletesIt) {
  store_.reset();
  StoreOptions options{dir_.path()};
  options.ingest = true;
  options.journal_segment_bytes = 64;  // a record or two a segment
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = std::move(*store);
  const std::string journal = dir_.path() + "/journal";
  auto files = [&] {  // segments (the journal may be making a spare beside them)
    return std::count_if(std::filesystem::directory_iterator(journal),
                         std::filesystem::directory_iterator(),
                         [](const auto& e) { return e.path().extension() == ".journal"; });
  };
  int64_t last = 0;
  for (int i = 0; i < 6; ++i) {
    const std::string body(40, static_cast<char>('a' + i));
    last = *store_->AppendInbox({body});
  }
  ASSERT_EQ(files(), 6);
  ASSERT_TRUE(store_->ApplyEvents({}, 3).ok());
  EXPECT_EQ(files(), 3);  // seqs 4, 5 and 6 are not applied yet
  ASSERT_TRUE(store_->ApplyEvents({}, last).ok());
  EXPECT_EQ(files(), 1);  // the segment being appended to stays
  auto rows = store_->ReadInbox(last - 1, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().body, std::string(40, 'f'));
}

TEST_F(SqliteStoreTest, UnprocessedRowsOfAnOldInboxMoveToTheJournal) {
  ASSERT_TRUE(store_->ApplyEvents({}, 2).ok());  // the old inbox's rows 1 and 2 were applied
  store_.reset();
  {
    auto inbox = sqlite::Db::Open(dir_.path() + "/inbox.db", false);
    ASSERT_TRUE(inbox.ok());
    ASSERT_TRUE((*inbox)->Exec("CREATE TABLE inbox(seq INTEGER PRIMARY KEY, body BLOB NOT NULL);"
                               "INSERT INTO inbox(seq, body) VALUES (1, 'one'), (2, 'two'), "
                               "(3, 'three'), (4, 'four')").ok());
  }
  StoreOptions options{dir_.path()};
  options.ingest = true;
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/inbox.db"));
  auto rows = (*store)->ReadInbox(*(*store)->ProcessedSeq(), 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].seq, 3);
  EXPECT_EQ((*rows)[0].body, "three");
  EXPECT_EQ((*rows)[1].body, "four");
  EXPECT_EQ(*(*store)->AppendInbox({"five"}), 5);
}

TEST_F(SqliteStoreTest, OnlyOneProcessIngests) {
  StoreOptions options{dir_.path()};
  options.ingest = true;
  EXPECT_TRUE(absl::IsFailedPrecondition(OpenSqliteStore(options).status()));
  // The CLI's writes do not need the journal.
  EXPECT_TRUE(OpenSqliteStore({dir_.path()}).ok());
}

TEST_F(SqliteStoreTest, ApplyStoresEventOnceAndAdvancesWatermark) {
  Event e = PageView(ws_.id, 77, "dev1", 1700000000000000);
  auto stats = store_->ApplyEvents({e, e}, 5);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->applied, 1);
  EXPECT_EQ(stats->duplicates, 1);
  auto again = store_->ApplyEvents({e}, 6);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicates, 1);
  EXPECT_EQ(*store_->ProcessedSeq(), 6);
  auto events = Lines(*store_, true);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("\"title\":\"A <b>title</b>\""), std::string::npos) << events[0];
  EXPECT_EQ(Lines(*store_, false).size(), 1u);
}

TEST_F(SqliteStoreTest, PublicRequestNeverTakesAnotherContactsEmail) {
  Event a = PageView(ws_.id, 1, "devA", 1700000000000000);
  a.fields = {{"email", "a@x.com"}, {"firstname", "Ann"}};
  Event b = PageView(ws_.id, 2, "devB", 1700000000001000);
  b.fields = {{"email", "a@x.com"}, {"firstname", "Bob"}};
  ASSERT_TRUE(store_->ApplyEvents({a, b}, 2).ok());
  auto contacts = Lines(*store_, false);
  ASSERT_EQ(contacts.size(), 2u);
  EXPECT_NE(contacts[0].find("\"email\":\"a@x.com\""), std::string::npos);
  EXPECT_NE(contacts[0].find("\"firstname\":\"Ann\""), std::string::npos);
  EXPECT_EQ(contacts[1].find("a@x.com"), std::string::npos) << contacts[1];
}

TEST_F(SqliteStoreTest, TagsAddAndRemove) {
  Event a = PageView(ws_.id, 9, "d9", 1700000000000000);
  a.tags_add = {"A", "B"};
  Event b = PageView(ws_.id, 9, "d9", 1700000000001000);
  b.tags_remove = {"A"};
  ASSERT_TRUE(store_->ApplyEvents({a, b}, 2).ok());
  auto contacts = Lines(*store_, false);
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_NE(contacts[0].find("\"tags\":[\"B\"]"), std::string::npos) << contacts[0];
}

// More contacts than the export reads details for at once: each line still
// carries its own contact's fields, tags and devices, in contact order.
TEST_F(SqliteStoreTest, ContactExportKeepsEachContactsDetailsAcrossChunks) {
  const int64_t t0 = 1700000000000000;
  constexpr uint64_t kContacts = 600;
  std::vector<Event> events;
  for (uint64_t c = 1; c <= kContacts; ++c) {
    const std::string n = std::to_string(c);
    Event e = PageView(ws_.id, c, "dev" + n, t0 + static_cast<int64_t>(c));
    if (c % 3 != 0) e.fields = {{"firstname", "name" + n}};
    if (c % 2 == 0) e.tags_add = {"tag" + n};
    events.push_back(std::move(e));
    if (c % 5 == 0) events.push_back(PageView(ws_.id, c, "second" + n, t0 + 1000 + static_cast<int64_t>(c)));
  }
  ASSERT_TRUE(store_->ApplyEvents(events, 1).ok());
  auto contacts = Lines(*store_, false);
  ASSERT_EQ(contacts.size(), kContacts);
  for (uint64_t c = 1; c <= kContacts; ++c) {
    const std::string& line = contacts[c - 1];
    const std::string n = std::to_string(c);
    EXPECT_NE(line.find("\"id\":" + n + ","), std::string::npos) << line;
    EXPECT_EQ(line.find("\"firstname\":\"name" + n + "\"") != std::string::npos, c % 3 != 0) << line;
    EXPECT_EQ(line.find("\"tags\":[\"tag" + n + "\"]") != std::string::npos, c % 2 == 0) << line;
    if (c % 2 != 0) {
      EXPECT_NE(line.find("\"tags\":[]"), std::string::npos) << line;
    }
    const std::string devices = c % 5 == 0 ? "[\"dev" + n + "\",\"second" + n + "\"]" : "[\"dev" + n + "\"]";
    EXPECT_NE(line.find("\"devices\":" + devices), std::string::npos) << line;
  }
}

TEST_F(SqliteStoreTest, SessionsSplitAfterThirtyMinutesOfInactivity) {
  const int64_t t0 = 1700000000000000, minute = 60000000;
  std::vector<Event> events = {PageView(ws_.id, 5, "d5", t0),
                               PageView(ws_.id, 5, "d5", t0 + 29 * minute),
                               PageView(ws_.id, 5, "d5", t0 + 29 * minute + 31 * minute)};
  ASSERT_TRUE(store_->ApplyEvents(events, 3).ok());
  std::vector<std::string> sessions;
  ASSERT_TRUE(store_->ExportSessions(std::nullopt, [&](std::string_view l) {
    sessions.emplace_back(l);
  }).ok());
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_NE(sessions[0].find("\"event_count\":2"), std::string::npos) << sessions[0];
}

TEST_F(SqliteStoreTest, PagedExportsGiveEveryRowOnceAndStopShort) {
  const int64_t t0 = 1700000000000000, hour = 3600000000;
  // 7 contacts, 2 sessions each (an hour apart), in another workspace too.
  // Contact 101 gives its email at once; 102 and 103 give the same one in
  // their second hour, and so are merged into 101: their events export
  // under 101.
  auto other = store_->CreateWorkspace("other");
  ASSERT_TRUE(other.ok()) << other.status();
  for (int64_t k = 0; k < 2; ++k) {
    std::vector<Event> events;
    for (uint64_t c = 1; c <= 7; ++c) {
      const int64_t t = t0 + k * hour + static_cast<int64_t>(c);
      events.push_back(PageView(ws_.id, 100 + c, "d" + std::to_string(c), t));
      if ((c == 1 && k == 0) || ((c == 2 || c == 3) && k == 1)) {
        events.back().fields = {{"email", "m@x.com"}};
      }
    }
    if (k == 0) events.push_back(PageView(other->id, 999, "elsewhere", t0));
    ASSERT_TRUE(store_->ApplyEvents(events, k + 1).ok());
  }
  std::vector<std::string> merged_events;
  ASSERT_TRUE(store_->ExportEvents(ws_.id, [&](std::string_view l) {
    if (l.find("\"contact_id\":101,") != std::string_view::npos) merged_events.emplace_back(l);
  }).ok());
  ASSERT_EQ(merged_events.size(), 6u);  // 101's own two and 102's and 103's
  for (ExportKind kind : {ExportKind::kContacts, ExportKind::kEvents, ExportKind::kSessions}) {
    std::multiset<std::string> whole;
    auto add_to = [](std::multiset<std::string>& set) {
      return [&set](std::string_view l) { set.emplace(l); };
    };
    absl::Status s = kind == ExportKind::kContacts ? store_->ExportContacts(ws_.id, add_to(whole))
                     : kind == ExportKind::kEvents ? store_->ExportEvents(ws_.id, add_to(whole))
                                                   : store_->ExportSessions(ws_.id, add_to(whole));
    ASSERT_TRUE(s.ok()) << s;
    if (kind == ExportKind::kSessions) {
      ASSERT_GE(whole.size(), 7u);  // merged contacts' sessions may join
    } else {
      ASSERT_EQ(whole.size(), kind == ExportKind::kContacts ? 7u : 14u);
    }
    std::multiset<std::string> paged;
    ExportPage page;
    page.limit = 3;
    int pages = 0;
    do {
      ASSERT_LT(++pages, 10);
      ASSERT_TRUE(store_->ExportPageOf(kind, ws_.id, page, add_to(paged)).ok());
      EXPECT_LE(page.rows, 3);
    } while (page.rows == page.limit);
    EXPECT_EQ(paged, whole) << static_cast<int>(kind);
    EXPECT_EQ(pages, static_cast<int>(whole.size()) / 3 + 1);
  }
}

TEST_F(SqliteStoreTest, ContactCounterReservationsDoNotOverlap) {
  auto a = store_->ReserveContactCounter(100);
  auto b = store_->ReserveContactCounter(100);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*b, *a + 100);
}

TEST_F(SqliteStoreTest, SecretIsStable) {
  auto a = store_->Secret("contact_ids");
  auto b = store_->Secret("contact_ids");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST_F(SqliteStoreTest, TrackingDomainsAddRemoveAndBumpConfigVersion) {
  int64_t v0 = *store_->ConfigVersion();
  ASSERT_TRUE(store_->AddTrackingDomain(ws_.id, "https://a.example").ok());
  EXPECT_GT(*store_->ConfigVersion(), v0);
  auto ws = store_->FindWorkspace("");
  ASSERT_TRUE(ws.ok());
  ASSERT_EQ(ws->tracking_domains.size(), 1u);
  EXPECT_TRUE(store_->RemoveTrackingDomain(ws_.id, "https://a.example").ok());
  EXPECT_TRUE(absl::IsNotFound(store_->RemoveTrackingDomain(ws_.id, "https://a.example")));
}

TEST_F(SqliteStoreTest, ReopenKeepsDataAndSchema) {
  ASSERT_TRUE(store_->ApplyEvents({PageView(ws_.id, 3, "d3", 1700000000000000)}, 1).ok());
  store_.reset();
  auto reopened = OpenSqliteStore({dir_.path()});
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(Lines(**reopened, true).size(), 1u);
  auto ro = OpenSqliteStore({dir_.path(), /*read_only=*/true});
  ASSERT_TRUE(ro.ok()) << ro.status();
  EXPECT_EQ(Lines(**ro, true).size(), 1u);
}

}  // namespace
}  // namespace spoor::store
