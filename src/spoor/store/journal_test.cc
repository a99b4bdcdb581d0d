#include "spoor/store/journal.h"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "spoor/common/crc32c.h"
#include "spoor/common/testing/temp_dir.h"

namespace spoor::store {
namespace {

using ::spoor::testing::TempDir;

// Every test runs with appends written directly (O_DIRECT) and through the
// page cache.
class JournalTest : public ::testing::TestWithParam<bool> {
 protected:
  std::unique_ptr<Journal> Open(uint64_t segment_bytes = 1 << 20, int64_t floor = 0) {
    JournalOptions options;
    options.dir = dir();
    options.segment_bytes = segment_bytes;
    options.floor_seq = floor;
    options.direct_io = GetParam();
    auto journal = Journal::Open(options);
    EXPECT_TRUE(journal.ok()) << journal.status();
    return journal.ok() ? std::move(*journal) : nullptr;
  }
  std::string dir() const { return dir_.path() + "/journal"; }
  // The segment files (the journal may be making a spare beside them).
  std::vector<std::string> Files() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir())) {
      if (e.path().extension() == ".journal") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<std::string> Bodies(int from, int n) {
    std::vector<std::string> out;
    for (int i = from; i < from + n; ++i) out.push_back("event-" + std::to_string(i));
    return out;
  }
  // What Append takes: views of `bodies`, which must outlive them.
  static std::vector<std::string_view> Views(const std::vector<std::string>& bodies) {
    return {bodies.begin(), bodies.end()};
  }
  static std::vector<std::string> ReadAll(Journal& j, int64_t after, int limit = 1000) {
    std::vector<std::string> out;
    auto rows = j.Read(after, limit);
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (rows.ok()) {
      for (const InboxRow& r : *rows) out.push_back(r.body);
    }
    return out;
  }
  TempDir dir_;
};

TEST_P(JournalTest, AppendsWithConsecutiveSeqsAndReadsThemBack) {
  auto j = Open();
  EXPECT_EQ(*j->Append(Views(Bodies(1, 3))), 3);
  EXPECT_EQ(*j->Append(Views(Bodies(4, 2))), 5);
  EXPECT_EQ(j->last_seq(), 5);
  EXPECT_EQ(ReadAll(*j, 0), Bodies(1, 5));
  EXPECT_EQ(ReadAll(*j, 3), Bodies(4, 2));
  // Pages of two, each continuing where the last stopped.
  auto first = j->Read(0, 2);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[1].seq, 2);
  auto second = j->Read(2, 2);
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ((*second)[0].seq, 3);
  EXPECT_EQ((*second)[0].body, "event-3");
  EXPECT_TRUE(j->Read(5, 10)->empty());
}

TEST_P(JournalTest, RollsSegmentsAndReadsAcrossThem) {
  auto j = Open(/*segment_bytes=*/100);
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(j->Append(Views(Bodies(i, 1))).ok());
  EXPECT_EQ(j->segment_count(), 7u);  // three records (23 bytes) after a segment's 16-byte head
  EXPECT_EQ(ReadAll(*j, 0), Bodies(1, 20));
  EXPECT_EQ(ReadAll(*j, 11, 3), Bodies(12, 3));
  // A batch larger than a segment gets a segment of its own size.
  std::vector<std::string> big(10, std::string(50, 'x'));
  EXPECT_EQ(*j->Append(Views(big)), 30);
  EXPECT_EQ(ReadAll(*j, 20).size(), 10u);
}

TEST_P(JournalTest, ReopenKeepsRecordsAndContinuesInANewSegment) {
  {
    auto j = Open();
    ASSERT_TRUE(j->Append(Views(Bodies(1, 4))).ok());
  }
  auto files = Files();
  ASSERT_EQ(files.size(), 1u);
  auto j = Open();
  EXPECT_EQ(j->last_seq(), 4);
  EXPECT_EQ(*j->Append(Views(Bodies(5, 1))), 5);
  EXPECT_EQ(Files().size(), 2u);
  EXPECT_EQ(ReadAll(*j, 0), Bodies(1, 5));
}

TEST_P(JournalTest, ATornTailIsCutAndNeverWrittenOver) {
  {
    auto j = Open();
    ASSERT_TRUE(j->Append(Views(Bodies(1, 3))).ok());
  }
  // Damage the third record's body, as a write cut short by a crash would.
  std::string file = Files().at(0);
  const off_t third_body = 16 + 2 * (16 + 7) + 16 + 2;  // after the segment's head
  int fd = open(file.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, "#", 1, third_body), 1);
  close(fd);
  auto j = Open();
  EXPECT_EQ(j->last_seq(), 2);
  EXPECT_EQ(*j->Append({"again"}), 3);
  auto rows = j->Read(0, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[2].body, "again");
  EXPECT_EQ(Files().size(), 2u);
}

TEST_P(JournalTest, SeqsStayAboveTheFloorWhenEverySegmentIsGone) {
  auto j = Open(1 << 20, /*floor=*/100);
  EXPECT_EQ(*j->Append(Views(Bodies(1, 1))), 101);
  EXPECT_TRUE(j->Read(100, 10)->size() == 1u);
}

TEST_P(JournalTest, ReleaseDeletesOnlySealedSegmentsThatAreFullyApplied) {
  auto j = Open(/*segment_bytes=*/100);
  for (int i = 1; i <= 12; ++i) ASSERT_TRUE(j->Append(Views(Bodies(i, 1))).ok());
  const size_t before = j->segment_count();
  const int64_t oldest = j->OldestSealedThrough();
  ASSERT_GT(oldest, 0);
  ASSERT_TRUE(j->Release(oldest - 1).ok());  // not all of it applied yet
  EXPECT_EQ(j->segment_count(), before);
  ASSERT_TRUE(j->Release(oldest).ok());
  EXPECT_EQ(j->segment_count(), before - 1);
  EXPECT_EQ(Files().size(), before - 1);
  ASSERT_TRUE(j->Release(12).ok());  // the active segment stays
  EXPECT_EQ(j->segment_count(), 1u);
  EXPECT_EQ(j->OldestSealedThrough(), 0);
  EXPECT_EQ(*j->Append(Views(Bodies(13, 1))), 13);
  EXPECT_EQ(ReadAll(*j, 12), Bodies(13, 1));
}

// The byte ranges of `path` that the file system holds as preallocated but
// never written ("unwritten" extents), or nullopt where it cannot tell.
std::optional<std::vector<std::pair<uint64_t, uint64_t>>> UnwrittenRanges(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return std::nullopt;
  constexpr int kExtents = 256;
  std::vector<char> buffer(sizeof(fiemap) + kExtents * sizeof(fiemap_extent));
  auto* map = reinterpret_cast<fiemap*>(buffer.data());
  map->fm_start = 0;
  map->fm_length = FIEMAP_MAX_OFFSET;
  map->fm_flags = FIEMAP_FLAG_SYNC;
  map->fm_extent_count = kExtents;
  const int rc = ioctl(fd, FS_IOC_FIEMAP, map);
  close(fd);
  if (rc != 0) return std::nullopt;
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (uint32_t i = 0; i < map->fm_mapped_extents; ++i) {
    const fiemap_extent& e = map->fm_extents[i];
    if (e.fe_flags & FIEMAP_EXTENT_UNWRITTEN) out.emplace_back(e.fe_logical, e.fe_logical + e.fe_length);
  }
  return out;
}

TEST_P(JournalTest, RecordsLandInBlocksAlreadyWritten) {
  // A sync into preallocated, never-written blocks also commits file-system
  // metadata; the journal writes zeroes ahead so that records never do.
  auto j = Open(/*segment_bytes=*/8 << 20);
  const std::string record(1000, 'r');
  int64_t last = 0;
  for (int batch = 0; batch < 60; ++batch) {
    std::vector<std::string> bodies(static_cast<size_t>(20 + batch), record);
    auto appended = j->Append(Views(bodies));
    ASSERT_TRUE(appended.ok()) << appended.status();
    last = *appended;
  }
  const uint64_t end = static_cast<uint64_t>(last) * (record.size() + 16);
  ASSERT_GT(end, 2u << 20);  // past a few megabytes of zeroes
  ASSERT_EQ(Files().size(), 1u);
  auto unwritten = UnwrittenRanges(Files()[0]);
  if (!unwritten) GTEST_SKIP() << "this file system does not report extents";
  for (const auto& [from, to] : *unwritten) {
    EXPECT_GE(from, end + (512u << 10)) << "unwritten blocks at " << from << ".." << to;
  }
  // The zeroes read back as nothing: reopening finds exactly the records.
  j.reset();
  j = Open(8 << 20);
  EXPECT_EQ(j->last_seq(), last);
  EXPECT_EQ(ReadAll(*j, 0, 100000).size(), static_cast<size_t>(last));
}

// Once a segment is half full the journal makes the next one's file, all
// zeroes and synced, and a new segment is that file: records land in
// written blocks from its first byte, with no zeroes written on the way.
TEST_P(JournalTest, ANewSegmentIsTheSpareMadeAhead) {
  constexpr uint64_t kSegment = 1 << 20;
  auto j = Open(kSegment);
  const std::string spare = dir() + "/next-segment.tmp";
  const std::string record(1000, 'r');
  std::vector<std::string> bodies(100, record);
  int64_t last = 0;
  for (int i = 0; i < 4; ++i) last = *j->Append(Views(bodies));  // 400 KB: below half
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(j->spare_ready());
  EXPECT_FALSE(std::filesystem::exists(spare));
  for (int i = 0; i < 2; ++i) last = *j->Append(Views(bodies));  // 600 KB: past half
  for (int i = 0; i < 1000 && !j->spare_ready(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(j->spare_ready());
  EXPECT_EQ(std::filesystem::file_size(spare), kSegment);
  for (int i = 0; i < 5; ++i) last = *j->Append(Views(bodies));  // into a second segment
  ASSERT_EQ(Files().size(), 2u);
  EXPECT_FALSE(j->spare_ready());
  EXPECT_EQ(std::filesystem::file_size(Files()[1]), kSegment);
  auto unwritten = UnwrittenRanges(Files()[1]);
  if (unwritten) {
    EXPECT_TRUE(unwritten->empty());
  }
  EXPECT_EQ(ReadAll(*j, 0, 100000).size(), static_cast<size_t>(last));
  j.reset();
  EXPECT_FALSE(std::filesystem::exists(spare));  // not left behind by a stop
  j = Open(kSegment);
  EXPECT_EQ(j->last_seq(), last);
  EXPECT_EQ(ReadAll(*j, 0, 100000).size(), static_cast<size_t>(last));
}

TEST_P(JournalTest, ASpareLeftByACrashIsNeitherReadNorKept) {
  std::filesystem::create_directories(dir());
  const std::string spare = dir() + "/next-segment.tmp";
  {
    std::FILE* f = std::fopen(spare.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("half made", f);
    std::fclose(f);
  }
  auto j = Open();
  EXPECT_FALSE(std::filesystem::exists(spare));
  EXPECT_EQ(j->last_seq(), 0);
  auto bodies = Bodies(0, 3);
  EXPECT_EQ(*j->Append(Views(bodies)), 3);
}

TEST_P(JournalTest, OneProcessAtATime) {
  auto j = Open();
  JournalOptions options;
  options.dir = dir();
  options.direct_io = GetParam();
  auto second = Journal::Open(options);
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  j.reset();
  EXPECT_TRUE(Journal::Open(options).ok());
}

TEST_P(JournalTest, AppendWithSeqKeepsGivenSeqsInOrder) {
  auto j = Open();
  ASSERT_TRUE(j->AppendWithSeq(7, "a").ok());
  ASSERT_TRUE(j->AppendWithSeq(9, "b").ok());
  EXPECT_TRUE(absl::IsInvalidArgument(j->AppendWithSeq(9, "c")));
  ASSERT_TRUE(j->Sync().ok());
  EXPECT_EQ(*j->Append({"c"}), 10);
  auto rows = j->Read(7, 10);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].seq, 9);
  EXPECT_EQ((*rows)[1].seq, 10);
}

// A record as the journal lays it out (see journal.h), written here from
// the format's description: salt 0 is a segment from before salts.
std::string EncodeRecord(uint64_t salt, int64_t seq, std::string_view body) {
  auto le = [](uint64_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return out;
  };
  const std::string covered = (salt == 0 ? "" : le(salt, 8)) + le(static_cast<uint64_t>(seq), 8);
  const uint32_t crc = Crc32c(Crc32c(0, covered), body);
  return le(body.size(), 4) + le(crc, 4) + le(static_cast<uint64_t>(seq), 8) + std::string(body);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAt(const std::string& path, std::string_view data, off_t at) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT, 0640);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, data.data(), data.size(), at), static_cast<ssize_t>(data.size()));
  close(fd);
}

ino_t Inode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

// A released segment's file becomes a later segment: nothing is written
// but its head, and the records its earlier life left behind the new ones
// are never read, not even after a restart.
TEST_P(JournalTest, AReleasedSegmentsFileBecomesALaterOne) {
  constexpr uint64_t kSegment = 1 << 20;  // ten batches of 100 records of 1016 bytes
  auto j = Open(kSegment);
  const std::vector<std::string> bodies(100, std::string(1000, 'r'));
  int64_t last = 0;
  auto append = [&](int batches) {
    for (int i = 0; i < batches; ++i) last = *j->Append(Views(bodies));
  };
  auto await_spare = [&] {
    for (int i = 0; i < 1000 && !j->spare_ready(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(j->spare_ready());
  };
  append(6);  // past half the first segment: a spare of zeroes is made
  await_spare();
  append(5);  // the eleventh batch starts the second segment
  ASSERT_EQ(Files().size(), 2u);
  const std::string first = Files()[0];
  const ino_t first_inode = Inode(first);
  const int64_t sealed = j->OldestSealedThrough();
  ASSERT_EQ(sealed, 1000);
  ASSERT_TRUE(j->Release(sealed).ok());
  EXPECT_FALSE(std::filesystem::exists(first));
  ASSERT_EQ(Files().size(), 1u);
  append(5);  // past half the second segment
  await_spare();
  append(5);  // the third segment: fewer records than the first held
  const std::vector<std::string> after(3, std::string(10, 'n'));
  last = *j->Append(Views(after));
  const std::string reused = Files()[1];
  EXPECT_EQ(Inode(reused), first_inode);
  EXPECT_EQ(std::filesystem::file_size(reused), kSegment);
  auto unwritten = UnwrittenRanges(reused);
  if (unwritten) {
    EXPECT_TRUE(unwritten->empty());
  }
  const size_t expected = static_cast<size_t>(last - sealed);
  auto rows = j->Read(sealed, 100000);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), expected);
  EXPECT_EQ(rows->back().body, after.back());
  j.reset();
  j = Open(kSegment);
  EXPECT_EQ(j->last_seq(), last);
  rows = j->Read(sealed, 100000);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), expected);
}

// What lies after a segment's last record counts only if it checks out
// against the segment's salt: bytes its file held before, even a whole
// record with the next seq, end it.
TEST_P(JournalTest, ARecordWithoutTheSegmentsSaltEndsIt) {
  {
    auto j = Open();
    ASSERT_TRUE(j->Append(Views(Bodies(1, 3))).ok());
  }
  const std::string file = Files().at(0);
  const std::string content = ReadFile(file);
  ASSERT_EQ(content.substr(0, 8), "SPOORJ1\n");
  uint64_t salt = 0;
  for (int i = 0; i < 8; ++i) salt |= uint64_t{static_cast<unsigned char>(content[8 + i])} << (8 * i);
  ASSERT_NE(salt, 0u);
  const off_t end = 16 + 3 * (16 + 7);
  ASSERT_EQ(content.substr(16, 16 + 7), EncodeRecord(salt, 1, "event-1"));
  for (uint64_t other : {uint64_t{0}, salt + 1}) {
    WriteAt(file, EncodeRecord(other, 4, "forged!"), end);
    auto j = Open();
    EXPECT_EQ(j->last_seq(), 3) << "salt " << other;
  }
  // The same record with the segment's own salt is one of its records.
  WriteAt(file, EncodeRecord(salt, 4, "event-4"), end);
  auto j = Open();
  EXPECT_EQ(j->last_seq(), 4);
  EXPECT_EQ(ReadAll(*j, 0), Bodies(1, 4));
}

TEST_P(JournalTest, SegmentsWrittenBeforeSaltsAreStillRead) {
  std::filesystem::create_directories(dir());
  const std::string file = dir() + "/0000000000000001.journal";
  std::string records;
  for (int i = 1; i <= 3; ++i) records += EncodeRecord(0, i, "event-" + std::to_string(i));
  WriteAt(file, records + std::string(1000, '\0'), 0);
  auto j = Open();
  EXPECT_EQ(j->last_seq(), 3);
  EXPECT_EQ(ReadAll(*j, 0), Bodies(1, 3));
  EXPECT_EQ(*j->Append(Views(Bodies(4, 1))), 4);
  j.reset();
  j = Open();
  EXPECT_EQ(ReadAll(*j, 0), Bodies(1, 4));
  EXPECT_EQ(ReadAll(*j, 2), Bodies(3, 2));
}

// Whether the file system under `dir` takes direct writes.
bool DirectWrites(const std::string& dir) {
  const std::string probe = dir + "/direct-probe";
  int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_DIRECT, 0640);
  if (fd >= 0) close(fd);
  unlink(probe.c_str());
  return fd >= 0;
}

// How many of the first `pages` pages of `path` the page cache holds.
int CachedPages(const std::string& path, size_t pages) {
  int fd = open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0);
  const size_t length = pages * 4096;
  void* map = mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  EXPECT_NE(map, MAP_FAILED);
  std::vector<unsigned char> resident(pages);
  EXPECT_EQ(mincore(map, length, resident.data()), 0);
  munmap(map, length);
  int cached = 0;
  for (unsigned char r : resident) cached += r & 1;
  return cached;
}

// Direct appends leave nothing of theirs in the page cache (and read back
// the same); the other kind stays there until written back.
TEST_P(JournalTest, DirectAppendsGoAroundThePageCache) {
  auto j = Open(1 << 20);
  if (GetParam() && !DirectWrites(dir())) GTEST_SKIP() << "no O_DIRECT on this file system";
  const std::vector<std::string> bodies(30, std::string(1000, 'd'));  // about 8 pages
  ASSERT_EQ(*j->Append(Views(bodies)), 30);
  if (GetParam()) {
    // Nor do the zeroes written ahead of the records (the first segment has
    // no spare).
    EXPECT_EQ(CachedPages(Files().at(0), 64), 0);
  } else {
    EXPECT_EQ(CachedPages(Files().at(0), 7), 7);
  }
  ASSERT_EQ(*j->Append(Views(bodies)), 60);
  EXPECT_EQ(ReadAll(*j, 0).size(), 60u);
  j.reset();
  j = Open(1 << 20);
  EXPECT_EQ(j->last_seq(), 60);
  EXPECT_EQ(ReadAll(*j, 0).size(), 60u);
}

// Segments rolled one after the other, each taking the spare made for it:
// the next spare is never made over the file a segment just took, and
// every record reads back after a restart.
TEST_P(JournalTest, SparesAreNeverMadeOverTheSegmentThatTookThem) {
  auto j = Open(/*segment_bytes=*/100);
  for (int i = 1; i <= 300; ++i) {
    ASSERT_EQ(*j->Append(Views(Bodies(i, 1))), i);
    // Now and then, time for the journal's thread to make a spare.
    if (i % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  j.reset();
  j = Open(/*segment_bytes=*/100);
  EXPECT_EQ(ReadAll(*j, 0), Bodies(1, 300));
}

INSTANTIATE_TEST_SUITE_P(Writes, JournalTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "Direct" : "Cached";
                         });

}  // namespace
}  // namespace spoor::store
