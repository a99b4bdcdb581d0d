#include "spoor/common/ids.h"

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace spoor {
namespace {

TEST(DeviceId, Has25Base36CharactersAndIsUnique) {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewDeviceId();
    EXPECT_EQ(id.size(), 25u);
    EXPECT_TRUE(IsWellFormedDeviceId(id)) << id;
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(DeviceId, AcceptsMauticTrackingIdsAndRejectsOthers) {
  EXPECT_TRUE(IsWellFormedDeviceId("nowvkqdf6113236eokcg7qs"));
  EXPECT_FALSE(IsWellFormedDeviceId("short"));
  EXPECT_FALSE(IsWellFormedDeviceId("NOWVKQDF6113236EOKCG7QS"));
  EXPECT_FALSE(IsWellFormedDeviceId("nowvkqdf6113236eokcg7q'"));
}

TEST(EventId, IsTimeOrderedUuidV7) {
  std::string a = NewEventId(1700000000000000);
  std::string b = NewEventId(1700000000001000);
  EXPECT_TRUE(IsUuid(a));
  EXPECT_EQ(a[14], '7');
  EXPECT_LT(a.substr(0, 13), b.substr(0, 13));
}

TEST(ClientEventId, AcceptsSafeCharactersOnly) {
  EXPECT_TRUE(IsAcceptableClientEventId("e1a2b3-c_d.e:f"));
  EXPECT_FALSE(IsAcceptableClientEventId(""));
  EXPECT_FALSE(IsAcceptableClientEventId(std::string(65, 'a')));
  EXPECT_FALSE(IsAcceptableClientEventId("a b"));
  EXPECT_FALSE(IsAcceptableClientEventId("a<b"));
}

TEST(ContactIdPermutation, IsABijectionOntoPositiveIntegersBelow2To53) {
  std::array<uint8_t, 32> key{};
  key[0] = 7;
  ContactIdPermutation perm(key);
  absl::flat_hash_set<uint64_t> seen;
  for (uint64_t c = 0; c < 5000; ++c) {
    uint64_t id = perm.Apply(c);
    EXPECT_GE(id, 1u);
    EXPECT_LE(id, kMaxContactId);
    EXPECT_EQ(perm.Invert(id), c);
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(ContactIdPermutation, NeighboursAreNotSequential) {
  std::array<uint8_t, 32> key{};
  ContactIdPermutation perm(key);
  int adjacent = 0;
  for (uint64_t c = 0; c < 1000; ++c) {
    uint64_t a = perm.Apply(c), b = perm.Apply(c + 1);
    if (a + 1 == b || b + 1 == a) ++adjacent;
  }
  EXPECT_EQ(adjacent, 0);
}

TEST(ContactIdPermutation, DifferentKeysGiveDifferentIds) {
  std::array<uint8_t, 32> k1{}, k2{};
  k2[3] = 1;
  EXPECT_NE(ContactIdPermutation(k1).Apply(42), ContactIdPermutation(k2).Apply(42));
}

}  // namespace
}  // namespace spoor
