#include "spoor/common/crc32c.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace spoor {
namespace {

TEST(Crc32c, KnownValues) {
  EXPECT_EQ(Crc32c(0, ""), 0u);
  EXPECT_EQ(Crc32c(0, "123456789"), 0xE3069283u);  // the catalogue's check value
  EXPECT_EQ(Crc32c(0, std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4
  EXPECT_EQ(Crc32c(0, std::string(32, '\xff')), 0x62A8AB43u);
}

TEST(Crc32c, TheInstructionAndTheTableAgreeAtEveryLengthAndSplit) {
  std::mt19937 rng(7);
  std::string data(300, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t n = 0; n <= data.size(); ++n) {
    std::string_view s(data.data(), n);
    const uint32_t whole = Crc32c(0, s);
    ASSERT_EQ(whole, internal::Crc32cPortable(0, s)) << n;
    const size_t cut = n / 3;
    ASSERT_EQ(Crc32c(Crc32c(0, s.substr(0, cut)), s.substr(cut)), whole) << n;
    ASSERT_EQ(internal::Crc32cPortable(internal::Crc32cPortable(0, s.substr(0, cut)), s.substr(cut)),
              whole)
        << n;
  }
}

}  // namespace
}  // namespace spoor
