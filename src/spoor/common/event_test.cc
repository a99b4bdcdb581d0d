#include "spoor/common/event.h"

#include <limits>

#include "gtest/gtest.h"

namespace spoor {
namespace {

Event Sample() {
  Event e;
  e.id = "0190-abc";
  e.workspace_id = 3;
  e.received_at_us = 1700000000123456;
  e.type = EventType::kPageView;
  e.source = EventSource::kJs;
  e.contact_id = 4503599627370496;
  e.device_id = "abc";
  e.new_device = true;
  e.url = "https://x.com/é";
  e.utm.campaign = "Spring";
  e.fields = {{"email", "a@b.c"}};
  e.tags_add = {"A"};
  e.tags_remove = {"B"};
  e.properties = {{"resolution", "1920x1080"}};
  e.user_agent = "Mozilla/5.0";
  return e;
}

TEST(EventCodec, RoundTrips) {
  Event e = Sample();
  auto d = DecodeEvent(EncodeEvent(e));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->id, e.id);
  EXPECT_EQ(d->workspace_id, 3);
  EXPECT_EQ(d->received_at_us, e.received_at_us);
  EXPECT_EQ(d->contact_id, e.contact_id);
  EXPECT_TRUE(d->new_device);
  EXPECT_EQ(d->url, e.url);
  EXPECT_EQ(d->utm.campaign, "Spring");
  EXPECT_EQ(d->fields, e.fields);
  EXPECT_EQ(d->tags_add, e.tags_add);
  EXPECT_EQ(d->tags_remove, e.tags_remove);
  EXPECT_EQ(d->properties, e.properties);
  EXPECT_EQ(d->user_agent, e.user_agent);
}

// Numbers at their longest (ten-byte varints), appended after bytes already
// there: those are kept, and the event reads back whole.
TEST(EventCodec, AppendsLongestNumbersAfterWhatIsThere) {
  Event e = Sample();
  e.workspace_id = -1;
  e.client_time_us = std::numeric_limits<int64_t>::min();
  e.contact_id = std::numeric_limits<uint64_t>::max();
  e.spare_contact_id = std::numeric_limits<uint64_t>::max();
  std::string out = "kept";
  AppendEncodedEvent(e, out);
  ASSERT_EQ(out.substr(0, 4), "kept");
  EXPECT_EQ(out.substr(4), EncodeEvent(e));
  auto d = DecodeEvent(std::string_view(out).substr(4));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->workspace_id, -1);
  EXPECT_EQ(d->client_time_us, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(d->contact_id, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(d->spare_contact_id, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(d->user_agent, e.user_agent);
}

TEST(EventCodec, CarriesContactWriteFlags) {
  Event e = Sample();
  e.type = EventType::kContactUpdate;
  e.source = EventSource::kApi;
  e.overwrite_blank = true;
  auto d = DecodeEvent(EncodeEvent(e));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->type, EventType::kContactUpdate);
  EXPECT_FALSE(d->replace_fields);
  EXPECT_TRUE(d->overwrite_blank);
  e.replace_fields = true;
  e.overwrite_blank = false;
  d = DecodeEvent(EncodeEvent(e));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->replace_fields);
  EXPECT_FALSE(d->overwrite_blank);
}

TEST(EventCodec, ReadsTheFormerEncoding) {
  // Version 2 is version 3 without the trailing flags byte.
  std::string bytes = EncodeEvent(Sample());
  bytes[0] = 2;
  bytes.pop_back();
  auto d = DecodeEvent(bytes);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->url, Sample().url);
  EXPECT_FALSE(d->replace_fields);
}

TEST(EventCodec, RejectsEveryTruncation) {
  std::string bytes = EncodeEvent(Sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeEvent(std::string_view(bytes).substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(DecodeEvent(bytes + "x").ok());
  EXPECT_FALSE(DecodeEvent("\x09").ok());
}

}  // namespace
}  // namespace spoor
