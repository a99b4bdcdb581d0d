#include "spoor/common/strings.h"

#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace spoor {
namespace {

TEST(StrCat, JoinsEveryKindOfPiece) {
  const std::string s = "str";
  const std::string_view v = "view";
  const absl::string_view a = "absl";
  EXPECT_EQ(StrCat(), "");
  EXPECT_EQ(StrCat("lit", s, v, a, '!'), "litstrviewabsl!");
  EXPECT_EQ(StrCat(std::string()), "");
}

TEST(StrCat, FormatsNumbersAsToString) {
  EXPECT_EQ(StrCat(0, -7, 42u, int64_t{-9000000000}), "0-742-9000000000");
  EXPECT_EQ(StrCat(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(StrCat(std::numeric_limits<uint64_t>::max()), "18446744073709551615");
  EXPECT_EQ(StrCat(true, false), "10");
  EXPECT_EQ(StrCat(1.5), std::to_string(1.5));
  EXPECT_EQ(StrCat(1e300), std::to_string(1e300));  // longer than any stack buffer
  EXPECT_EQ(StrCat(static_cast<unsigned char>(65)), "65");
}

TEST(StrCat, MakesOneAllocationOfTheWholeSize) {
  const std::string long_piece(100, 'x');
  std::string out = StrCat("mautic_device_id=", long_piece, "; Max-Age=", 31536000, "; Path=/");
  EXPECT_EQ(out.size(), 17 + 100 + 10 + 8 + 8);
  EXPECT_EQ(out.capacity(), out.size());
}

}  // namespace
}  // namespace spoor
