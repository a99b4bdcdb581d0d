#include "spoor/store/journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "spdlog/spdlog.h"
#include "spoor/common/crc32c.h"
#include "spoor/common/ids.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::store {
namespace {

constexpr size_t kHeaderBytes = 16;
// A segment starts with kMagic and its salt (u64, never 0): its records'
// checksums cover the salt, so records left in a reused file by its earlier
// life never check out in its new one. Segments written before salts have
// no such head (their first record's length would exceed kMaxBody) and
// checksums without a salt.
constexpr std::string_view kMagic = "SPOORJ1\n";
constexpr size_t kSegmentHeadBytes = 16;
constexpr uint32_t kMaxBody = 64u << 20;
constexpr std::string_view kSuffix = ".journal";
// Zeroes are written this far ahead of the records (see ZeroAhead).
constexpr size_t kZeroAhead = 1 << 20;
// The next segment's file while it is made (see PrepareSpares): not a
// segment's name, so a restart never reads it as one.
constexpr std::string_view kSpareName = "next-segment.tmp";
// A released segment's file kept to be the next spare (see Release).
constexpr std::string_view kReusableName = "released-segment.tmp";
// The spare is zeroed and synced this much at a time.
constexpr size_t kSpareChunk = 1 << 20;

void PutLe(char* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t GetLe(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// The checksum of a record of a segment with `salt` (0: one without).
uint32_t Checksum(uint64_t salt, int64_t seq, std::string_view body) {
  char s[16];
  PutLe(s, salt, 8);
  PutLe(s + 8, static_cast<uint64_t>(seq), 8);
  const std::string_view head = salt == 0 ? std::string_view(s + 8, 8) : std::string_view(s, 16);
  return Crc32c(Crc32c(0, head), body);
}

template <typename Out>
void AppendRecord(Out& out, uint64_t salt, int64_t seq, std::string_view body) {
  char header[kHeaderBytes];
  PutLe(header, body.size(), 4);
  PutLe(header + 4, Checksum(salt, seq, body), 4);
  PutLe(header + 8, static_cast<uint64_t>(seq), 8);
  out.append(header, kHeaderBytes);
  out.append(body.data(), body.size());
}

// Direct writes (O_DIRECT) start and end on a boundary of this many bytes,
// from memory aligned to it.
constexpr size_t kBlock = 4096;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Renames `from` to `to`. When it cannot, warns and removes `from`, so the
// next try starts from nothing. Whether the file is now at `to`.
bool RenameOrDrop(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) == 0) return true;
  spdlog::warn("journal: cannot rename {}: {}", from, std::strerror(errno));
  unlink(from.c_str());
  return false;
}

// Zeroes to write ahead of the records (see ZeroAhead), aligned for direct
// writes too.
alignas(kBlock) constexpr char kZeros[64 << 10] = {};

// Bytes in memory aligned for direct writes; what it holds survives growth.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(data_); }

  char* data() { return data_; }
  size_t size() const { return size_; }
  void append(const char* p, size_t n) {
    Reserve(size_ + n);
    if (n > 0) std::memcpy(data_ + size_, p, n);
    size_ += n;
  }
  // Grows with zeroes, or cuts.
  void resize(size_t n) {
    Reserve(n);
    if (n > size_) std::memset(data_ + size_, 0, n - size_);
    size_ = n;
  }
  // Gives memory back down to `keep` bytes or what it holds.
  void Shrink(size_t keep) {
    if (capacity_ <= keep) return;
    AlignedBuffer smaller;
    smaller.append(data_, size_);
    std::swap(data_, smaller.data_);
    std::swap(size_, smaller.size_);
    std::swap(capacity_, smaller.capacity_);
  }

 private:
  void Reserve(size_t n) {
    if (n <= capacity_) return;
    const size_t capacity = RoundUp(std::max({n, capacity_ * 2, size_t{64} << 10}), kBlock);
    void* grown = nullptr;
    if (posix_memalign(&grown, kBlock, capacity) != 0) throw std::bad_alloc();
    if (size_ > 0) std::memcpy(grown, data_, size_);
    std::free(data_);
    data_ = static_cast<char*>(grown);
    capacity_ = capacity;
  }

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

struct Record {
  int64_t seq = 0;
  std::string_view body;
  size_t bytes = 0;  // header and body
};

// The record at `at` in data[0, limit), if it is whole, checks out against
// `salt` and follows `prev_seq`.
std::optional<Record> ParseRecord(const char* data, size_t limit, size_t at, uint64_t salt,
                                  int64_t prev_seq) {
  if (limit < at || limit - at < kHeaderBytes) return std::nullopt;
  const char* p = data + at;
  const uint64_t length = GetLe(p, 4);
  const uint32_t checksum = static_cast<uint32_t>(GetLe(p + 4, 4));
  const int64_t seq = static_cast<int64_t>(GetLe(p + 8, 8));
  if (length > kMaxBody || length > limit - at - kHeaderBytes) return std::nullopt;
  if (seq <= prev_seq) return std::nullopt;  // zeroes, or not this log's next record
  std::string_view body(p + kHeaderBytes, length);
  if (Checksum(salt, seq, body) != checksum) return std::nullopt;
  return Record{seq, body, kHeaderBytes + length};
}

absl::Status ErrnoError(std::string_view what, const std::string& path, int err) {
  return absl::UnavailableError(StrCat("journal: ", what, " ", path, ": ", std::strerror(err)));
}

// Writes all of `data` at `offset` of `fd`; returns 0 or the errno.
int WriteAll(int fd, std::string_view data, size_t offset) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n =
        pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

// A segment file, mapped read-only for the reader. The writer publishes
// `end` and `last_seq` once what lies before `end` is on disk.
struct Segment {
  ~Segment() {
    if (map != nullptr) munmap(const_cast<char*>(map), size);
    if (fd >= 0) close(fd);
    if (direct_fd >= 0) close(direct_fd);
  }
  uint64_t number = 0;
  std::string path;
  int fd = -1;  // open for writing (-1 for segments found at start)
  int direct_fd = -1;  // the same, with O_DIRECT, where the file system has it
  const char* map = nullptr;
  size_t size = 0;
  uint64_t salt = 0;  // 0: a segment from before salts
  size_t start = 0;   // where its records start
  std::atomic<size_t> end{0};
  std::atomic<int64_t> last_seq{0};
  std::atomic<bool> sealed{false};
};

// A new salt: random, never 0.
uint64_t NewSalt() {
  uint64_t salt = 0;
  while (salt == 0) RandomBytes(&salt, sizeof(salt));
  return salt;
}

std::string SegmentHead(uint64_t salt) {
  std::string head(kMagic);
  head.resize(kSegmentHeadBytes);
  PutLe(head.data() + kMagic.size(), salt, 8);
  return head;
}

std::string SegmentName(uint64_t number) {
  char name[32];
  std::snprintf(name, sizeof(name), "%016llu", static_cast<unsigned long long>(number));
  return StrCat(name, kSuffix);
}

}  // namespace

class Journal::Impl {
 public:
  explicit Impl(JournalOptions options)
      : options_(std::move(options)),
        spare_path_((std::filesystem::path(options_.dir) / kSpareName).string()),
        reusable_path_((std::filesystem::path(options_.dir) / kReusableName).string()) {}

  ~Impl() {
    if (preparer_.joinable()) {
      {
        absl::MutexLock lock(&spare_mu_);
        stopping_ = true;
      }
      preparer_.join();
      unlink(spare_path_.c_str());
      unlink(reusable_path_.c_str());
    }
    if (dir_fd_ >= 0) close(dir_fd_);  // releases the lock
  }

  absl::Status Open() {
    std::error_code ec;
    std::filesystem::create_directories(options_.dir, ec);
    if (ec) return absl::UnavailableError(StrCat("journal: cannot create ", options_.dir, ": ", ec.message()));
    dir_fd_ = open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd_ < 0) return ErrnoError("cannot open", options_.dir, errno);
    if (flock(dir_fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        return absl::FailedPreconditionError(
            StrCat("the journal in ", options_.dir, " is in use by another spoor process"));
      }
      return ErrnoError("cannot lock", options_.dir, errno);
    }
    std::vector<uint64_t> numbers;
    for (const auto& entry : std::filesystem::directory_iterator(options_.dir, ec)) {
      std::string name = entry.path().filename().string();
      if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) continue;
      std::string digits = name.substr(0, name.size() - kSuffix.size());
      if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
      numbers.push_back(std::stoull(digits));
    }
    if (ec) return absl::UnavailableError(StrCat("journal: cannot list ", options_.dir, ": ", ec.message()));
    std::sort(numbers.begin(), numbers.end());
    int64_t last = 0;
    for (uint64_t number : numbers) {
      SPOOR_RETURN_IF_ERROR(Recover(number, last));
      next_number_ = number + 1;
    }
    last_seq_ = std::max(options_.floor_seq, last);
    unlink(spare_path_.c_str());  // one a stop left half made
    unlink(reusable_path_.c_str());
    preparer_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "spoor-journal");
      setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
      PrepareSpares();
    });
    return absl::OkStatus();
  }

  // Writes under the lock, syncs outside it: appends from several threads
  // then share the disk's flushes. A sync covers every earlier write to its
  // segment, so publishing the furthest synced end keeps what readers see a
  // prefix without gaps.
  absl::StatusOr<int64_t> Append(absl::Span<const std::string_view> bodies) {
    size_t bytes = 0;
    for (std::string_view body : bodies) {
      if (body.size() > kMaxBody) return absl::InvalidArgumentError("journal: record too large");
      bytes += kHeaderBytes + body.size();
    }
    std::shared_ptr<Segment> segment;
    size_t end = 0;
    int64_t last = 0;
    {
      absl::MutexLock lock(&append_mu_);
      if (!latched_.ok()) return latched_;
      SPOOR_RETURN_IF_ERROR(MakeRoom(bytes));
      last = last_seq_;
      for (std::string_view body : bodies) AppendRecord(out_, active_->salt, ++last, body);
      absl::Status written = WriteOut(last);
      out_.Shrink(kKeptOutBytes);
      SPOOR_RETURN_IF_ERROR(written);
      segment = active_;
      end = active_offset_;
    }
    if (options_.sync && fdatasync(segment->fd) != 0) {
      const int err = errno;
      absl::MutexLock lock(&append_mu_);
      return Latch(ErrnoError("cannot sync", segment->path, err));
    }
    Publish(*segment, end, last);
    return last;
  }

  absl::Status AppendWithSeq(int64_t seq, std::string_view body) {
    absl::MutexLock lock(&append_mu_);
    if (!latched_.ok()) return latched_;
    if (seq <= last_seq_) return absl::InvalidArgumentError("journal: seq out of order");
    if (body.size() > kMaxBody) return absl::InvalidArgumentError("journal: record too large");
    SPOOR_RETURN_IF_ERROR(MakeRoom(kHeaderBytes + body.size()));
    AppendRecord(out_, active_->salt, seq, body);
    SPOOR_RETURN_IF_ERROR(WriteOut(seq));
    unsynced_ = true;
    return absl::OkStatus();
  }

  absl::Status Sync() {
    absl::MutexLock lock(&append_mu_);
    if (!latched_.ok()) return latched_;
    if (active_ == nullptr || !unsynced_) return absl::OkStatus();
    if (options_.sync && fdatasync(active_->fd) != 0) {
      return Latch(ErrnoError("cannot sync", active_->path, errno));
    }
    unsynced_ = false;
    Publish(*active_, active_offset_, last_seq_);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<InboxRow>> Read(int64_t after_seq, int limit) {
    std::vector<std::shared_ptr<Segment>> segments;
    {
      absl::MutexLock lock(&mu_);
      segments = segments_;
    }
    absl::MutexLock lock(&read_mu_);
    std::vector<InboxRow> rows;
    for (const std::shared_ptr<Segment>& segment : segments) {
      if (static_cast<int>(rows.size()) >= limit) break;
      const int64_t segment_last = segment->last_seq.load(std::memory_order_acquire);
      const size_t end = segment->end.load(std::memory_order_acquire);
      if (segment_last <= after_seq) continue;
      size_t at = segment->start;
      int64_t prev = 0;
      if (cursor_number_ == segment->number && cursor_seq_ == after_seq) {
        at = cursor_offset_;
        prev = cursor_seq_;
      }
      while (at < end && static_cast<int>(rows.size()) < limit) {
        std::optional<Record> record = ParseRecord(segment->map, end, at, segment->salt, prev);
        if (!record) {
          return absl::DataLossError(
              StrCat("journal: unreadable record at ", segment->path, ":", at));
        }
        if (record->seq > after_seq) rows.push_back({record->seq, std::string(record->body)});
        at += record->bytes;
        prev = record->seq;
      }
      cursor_number_ = segment->number;
      cursor_offset_ = at;
      cursor_seq_ = prev;
      if (!rows.empty()) after_seq = rows.back().seq;
    }
    return rows;
  }

  int64_t last_seq() const {
    absl::MutexLock lock(&append_mu_);
    return last_seq_;
  }

  int64_t OldestSealedThrough() const {
    absl::MutexLock lock(&mu_);
    if (segments_.empty() || !segments_.front()->sealed) return 0;
    return segments_.front()->last_seq.load();
  }

  absl::Status Release(int64_t through_seq) {
    std::vector<std::shared_ptr<Segment>> released;
    {
      absl::MutexLock lock(&mu_);
      while (!segments_.empty() && segments_.front()->sealed &&
             segments_.front()->last_seq.load() <= through_seq) {
        released.push_back(std::move(segments_.front()));
        segments_.erase(segments_.begin());
      }
    }
    for (const auto& segment : released) {
      if (segment->size == options_.segment_bytes) {
        // Kept to be the file of a later segment (see PrepareSpares), under
        // a name that is not a segment's.
        absl::MutexLock lock(&spare_mu_);
        if (!reusable_ && rename(segment->path.c_str(), reusable_path_.c_str()) == 0) {
          reusable_ = true;
          continue;
        }
      }
      if (unlink(segment->path.c_str()) != 0 && errno != ENOENT) {
        spdlog::warn("journal: cannot delete {}: {}", segment->path, std::strerror(errno));
      }
    }
    return absl::OkStatus();
  }

  size_t segment_count() const {
    absl::MutexLock lock(&mu_);
    return segments_.size();
  }

  bool spare_ready() const {
    absl::MutexLock lock(&spare_mu_);
    return spare_ready_;
  }

 private:
  absl::Status Latch(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_) {
    latched_ = status;
    spdlog::error("{}", status.ToString());
    return status;
  }

  // Scans segment `number`, keeping its valid prefix; a segment without a
  // record is deleted.
  absl::Status Recover(uint64_t number, int64_t& last) {
    auto segment = std::make_shared<Segment>();
    segment->number = number;
    segment->path = (std::filesystem::path(options_.dir) / SegmentName(number)).string();
    int fd = open(segment->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("cannot open", segment->path, errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
      int err = errno;
      close(fd);
      return ErrnoError("cannot stat", segment->path, err);
    }
    segment->size = static_cast<size_t>(st.st_size);
    if (segment->size > 0) {
      void* map = mmap(nullptr, segment->size, PROT_READ, MAP_SHARED, fd, 0);
      if (map == MAP_FAILED) {
        int err = errno;
        close(fd);
        return ErrnoError("cannot map", segment->path, err);
      }
      segment->map = static_cast<const char*>(map);
    }
    close(fd);
    if (segment->size >= kSegmentHeadBytes &&
        std::string_view(segment->map, kMagic.size()) == kMagic) {
      segment->salt = GetLe(segment->map + kMagic.size(), 8);
      segment->start = kSegmentHeadBytes;
    }
    size_t at = segment->start;
    int64_t prev = 0;
    while (auto record = ParseRecord(segment->map, segment->size, at, segment->salt, prev)) {
      at += record->bytes;
      prev = record->seq;
    }
    if (prev == 0) {
      unlink(segment->path.c_str());
      return absl::OkStatus();
    }
    if (prev <= last) {
      // Never written by this journal: seqs only grow from one segment to the next.
      return absl::DataLossError(StrCat("journal: ", segment->path, " goes back to seq ", prev));
    }
    const size_t rest = std::min(segment->size - at, kHeaderBytes);
    if (std::any_of(segment->map + at, segment->map + at + rest, [](char c) { return c != 0; })) {
      spdlog::warn("journal: {} has a torn or damaged record at byte {}, after seq {}: the "
                   "records before it are kept",
                   segment->path, at, prev);
    }
    segment->end = at;
    segment->last_seq = prev;
    segment->sealed = true;  // appends go to a new segment, never over a torn tail
    last = prev;
    absl::MutexLock lock(&mu_);
    segments_.push_back(std::move(segment));
    return absl::OkStatus();
  }

  // Starts a segment unless the active one has room for `bytes` of records.
  absl::Status MakeRoom(size_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_) {
    if (active_ != nullptr && active_offset_ + bytes <= active_->size) return absl::OkStatus();
    return StartSegment(kSegmentHeadBytes + bytes);
  }

  // Writes the records appended to out_ (through `last`, for the active
  // segment, which has room for them) at its end, and a zero record head
  // after them where it fits: a segment, even a reused file, ends cleanly at
  // its last record. A direct write starts at the block the segment ends in
  // (out_ holds its bytes) and ends at a block's end, in zeroes. Not yet
  // synced.
  absl::Status WriteOut(int64_t last) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_) {
    const size_t tail = active_offset_ % kBlock;
    const size_t end = out_.size();
    const size_t bytes = end - tail;
    if (active_offset_ + bytes + kHeaderBytes <= active_->size) out_.resize(end + kHeaderBytes);
    const bool direct = active_->direct_fd >= 0;
    if (direct) out_.resize(RoundUp(out_.size(), kBlock));
    SPOOR_RETURN_IF_ERROR(ZeroAhead(active_offset_ - tail + out_.size()));
    const int err = direct ? WriteAll(active_->direct_fd, {out_.data(), out_.size()},
                                      active_offset_ - tail)
                           : WriteAll(active_->fd, {out_.data() + tail, out_.size() - tail},
                                      active_offset_);
    if (err != 0) return Latch(ErrnoError("cannot write", active_->path, err));
    active_offset_ += bytes;
    const size_t new_tail = active_offset_ % kBlock;
    std::memmove(out_.data(), out_.data() + end - new_tail, new_tail);
    out_.resize(new_tail);
    last_seq_ = last;
    if (!spare_asked_ && active_offset_ > active_->size / 2) {
      // Half full: time to make the next one. (Not sooner: a server that
      // fills no segment never writes a spare.)
      spare_asked_ = true;
      absl::MutexLock lock(&spare_mu_);
      spare_wanted_ = true;
    }
    return absl::OkStatus();
  }

  // The spare: the next segment's file, made ahead of the appends by the
  // journal's own thread, with its head synced and every block written.
  // Records written into it change no file-system metadata (blocks
  // preallocated but never written do: the first sync of a write into them
  // commits their new state too), and no zeroes are written ahead on the
  // append path, where they put a megabyte into some syncs. The spare is a
  // released segment's file given a new salt when there is one (nothing
  // else written), else zeroes. A segment takes the spare by a rename.
  void PrepareSpares() {
    auto wanted = [](Impl* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->spare_mu_) {
      return self->stopping_ || (self->spare_wanted_ && !self->spare_ready_);
    };
    while (true) {
      bool reuse = false;
      {
        absl::MutexLock lock(&spare_mu_);
        spare_mu_.Await(absl::Condition(+wanted, this));
        if (stopping_) return;
        if (reusable_) {
          // Renamed under the lock: once reusable_ is false, Release may put
          // the next released file at the same path.
          reusable_ = false;
          reuse = RenameOrDrop(reusable_path_, spare_path_);
        }
      }
      const uint64_t salt = NewSalt();
      const bool made = (reuse && Reuse(salt)) || MakeSpare(salt);
      absl::MutexLock lock(&spare_mu_);
      spare_wanted_ = false;
      spare_ready_ = made;
      spare_salt_ = salt;
    }
  }

  // Gives the spare, a released segment's file, `salt`.
  bool Reuse(uint64_t salt) {
    int fd = open(spare_path_.c_str(), O_RDWR | O_CLOEXEC);
    int err = fd < 0 ? errno : WriteAll(fd, SegmentHead(salt), 0);
    if (err == 0 && options_.sync && fdatasync(fd) != 0) err = errno;
    if (fd >= 0) close(fd);
    if (err == 0) return true;
    spdlog::warn("journal: cannot reuse {}: {}", reusable_path_, std::strerror(err));
    unlink(spare_path_.c_str());
    return false;
  }

  // Writes the spare: zeroes over segment_bytes, a chunk at a time, each
  // written back before the next (a burst of many megabytes would hold up
  // the appends' syncs), its head with `salt`, then one fdatasync: a flush
  // of the disk's cache per chunk cost the appends more than the zeroes did.
  bool MakeSpare(uint64_t salt) {
    int fd = open(spare_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
      spdlog::warn("journal: cannot create {}: {}", spare_path_, std::strerror(errno));
      return false;
    }
    static const std::string zeros(kSpareChunk, '\0');
    int err = 0;
    for (size_t at = 0; err == 0 && at < options_.segment_bytes; at += zeros.size()) {
      if (Stopping()) break;
      const size_t n = std::min(zeros.size(), options_.segment_bytes - at);
      err = WriteAll(fd, std::string_view(zeros).substr(0, n), at);
      const unsigned flags =
          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
      if (err == 0 &&
          sync_file_range(fd, static_cast<off_t>(at), static_cast<off_t>(n), flags) != 0) {
        err = errno;
      }
    }
    const bool whole = err == 0 && !Stopping();
    if (whole) err = WriteAll(fd, SegmentHead(salt), 0);
    if (whole && err == 0 && options_.sync && fdatasync(fd) != 0) err = errno;
    close(fd);
    if (whole && err == 0) return true;
    if (err != 0) spdlog::warn("journal: cannot write {}: {}", spare_path_, std::strerror(err));
    unlink(spare_path_.c_str());
    return false;
  }

  bool Stopping() {
    absl::MutexLock lock(&spare_mu_);
    return stopping_;
  }

  // Makes the spare segment `segment`'s file, if one is ready and of its
  // size; false leaves everything as it was.
  bool TakeSpare(Segment& segment) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_) {
    {
      // Renamed under the lock: once the spare is no longer ready, the
      // journal's thread may start the next one at the same path, which
      // must not be this one's file.
      absl::MutexLock lock(&spare_mu_);
      if (!spare_ready_ || segment.size != options_.segment_bytes) return false;
      spare_ready_ = false;
      spare_wanted_ = false;  // asked for this segment; its successor asks anew
      segment.salt = spare_salt_;
      if (!RenameOrDrop(spare_path_, segment.path)) return false;
    }
    segment.fd = open(segment.path.c_str(), O_RDWR | O_CLOEXEC);
    if (segment.fd < 0) {
      spdlog::warn("journal: cannot open {}: {}", segment.path, std::strerror(errno));
      unlink(segment.path.c_str());
      return false;
    }
    return true;
  }

  // Writes zeroes over the active segment up to `kZeroAhead` past `end`, a
  // megabyte at a time. Preallocated blocks are "unwritten" to the file
  // system: the first sync of a write into them also commits its metadata
  // journal, which makes a sync about a third slower. Records land in
  // blocks that already hold zeroes, and the sync that carries a megabyte
  // of zeroes comes once per megabyte of records. `end` is where the
  // append's own write ends; zeroes go after it, the same way it goes
  // (written through the page cache, a direct write would first have to
  // write those pages back).
  absl::Status ZeroAhead(size_t end) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_) {
    const size_t want = std::min(active_->size, end + kZeroAhead);
    if (want <= zeroed_) return absl::OkStatus();
    const bool direct = active_->direct_fd >= 0;
    const size_t from = direct ? RoundUp(std::max(zeroed_, end), kBlock) : std::max(zeroed_, end);
    const size_t to = std::min(active_->size, std::max(want, zeroed_ + kZeroAhead));
    for (size_t at = from; at < to; at += sizeof(kZeros)) {
      const size_t n = std::min(sizeof(kZeros), to - at);
      const int err = direct ? WriteAll(active_->direct_fd, {kZeros, RoundUp(n, kBlock)}, at)
                             : WriteAll(active_->fd, {kZeros, n}, at);
      if (err != 0) return Latch(ErrnoError("cannot write", active_->path, err));
    }
    zeroed_ = to;
    return absl::OkStatus();
  }

  // Makes records through `last`, ending at byte `end` of `segment`, visible
  // to readers, unless a later sync got there first.
  static void Publish(Segment& segment, size_t end, int64_t last) {
    size_t seen_end = segment.end.load(std::memory_order_relaxed);
    while (seen_end < end &&
           !segment.end.compare_exchange_weak(seen_end, end, std::memory_order_release)) {
    }
    int64_t seen_last = segment.last_seq.load(std::memory_order_relaxed);
    while (seen_last < last &&
           !segment.last_seq.compare_exchange_weak(seen_last, last, std::memory_order_release)) {
    }
  }

  // Seals the active segment and starts the next, preallocated to hold at
  // least `need` bytes, its directory entry on disk before it is used.
  absl::Status StartSegment(size_t need) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_) {
    auto segment = std::make_shared<Segment>();
    segment->number = next_number_++;
    segment->path = (std::filesystem::path(options_.dir) / SegmentName(segment->number)).string();
    segment->size = std::max<size_t>(options_.segment_bytes, need);
    segment->start = kSegmentHeadBytes;
    const bool spare = TakeSpare(*segment);
    if (!spare) {
      segment->salt = NewSalt();
      segment->fd = open(segment->path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
      if (segment->fd < 0) return Latch(ErrnoError("cannot create", segment->path, errno));
      int err = posix_fallocate(segment->fd, 0, static_cast<off_t>(segment->size));
      if (err == 0) err = WriteAll(segment->fd, SegmentHead(segment->salt), 0);
      if (err != 0) return Latch(ErrnoError("cannot write", segment->path, err));
    }
    // The spare's zeroes are on disk already; its new name is not yet.
    if (options_.sync && ((!spare && fsync(segment->fd) != 0) || fsync(dir_fd_) != 0)) {
      return Latch(ErrnoError("cannot sync", segment->path, errno));
    }
    void* map = mmap(nullptr, segment->size, PROT_READ, MAP_SHARED, segment->fd, 0);
    if (map == MAP_FAILED) return Latch(ErrnoError("cannot map", segment->path, errno));
    segment->map = static_cast<const char*>(map);
    if (options_.direct_io) {
      // Without the page cache, a sync costs the loop less (bench/README).
      segment->direct_fd = open(segment->path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
    }
    std::shared_ptr<Segment> previous = active_;
    if (previous != nullptr && active_offset_ > previous->start) {
      // Its tail on disk before anything lands in the next one: readers never
      // see a record of the next segment while an earlier one may be missing.
      if (options_.sync && fdatasync(previous->fd) != 0) {
        return Latch(ErrnoError("cannot sync", previous->path, errno));
      }
      Publish(*previous, active_offset_, last_seq_);
    }
    active_ = segment;
    active_offset_ = segment->start;
    out_.resize(0);
    out_.append(SegmentHead(segment->salt).data(), kSegmentHeadBytes);  // its first block
    zeroed_ = spare ? segment->size : segment->start;
    spare_asked_ = false;
    absl::MutexLock lock(&mu_);
    if (previous != nullptr) {
      if (previous->last_seq.load() == 0) {
        // Nothing was ever written to it: a batch larger than a segment.
        unlink(previous->path.c_str());
        segments_.erase(std::find(segments_.begin(), segments_.end(), previous));
      } else {
        previous->sealed = true;
      }
    }
    segments_.push_back(std::move(segment));
    return absl::OkStatus();
  }

  const JournalOptions options_;
  int dir_fd_ = -1;

  mutable absl::Mutex append_mu_;  // the writer's
  std::shared_ptr<Segment> active_ ABSL_GUARDED_BY(append_mu_);
  size_t active_offset_ ABSL_GUARDED_BY(append_mu_) = 0;
  // The bytes of the active segment's last block, then an append's records:
  // one buffer that commits reuse, given back down to kKeptOutBytes after
  // a large batch.
  AlignedBuffer out_ ABSL_GUARDED_BY(append_mu_);
  static constexpr size_t kKeptOutBytes = 4 << 20;
  size_t zeroed_ ABSL_GUARDED_BY(append_mu_) = 0;  // bytes of the active segment holding zeroes or records
  int64_t last_seq_ ABSL_GUARDED_BY(append_mu_) = 0;
  uint64_t next_number_ ABSL_GUARDED_BY(append_mu_) = 1;
  bool unsynced_ ABSL_GUARDED_BY(append_mu_) = false;  // AppendWithSeq() since the last Sync()
  bool spare_asked_ ABSL_GUARDED_BY(append_mu_) = false;  // for the active segment's successor
  absl::Status latched_ ABSL_GUARDED_BY(append_mu_);

  mutable absl::Mutex mu_;  // the list of segments, oldest first
  std::vector<std::shared_ptr<Segment>> segments_ ABSL_GUARDED_BY(mu_);

  // The spare's state, between the appender and the thread making it.
  const std::string spare_path_;
  mutable absl::Mutex spare_mu_;
  bool spare_wanted_ ABSL_GUARDED_BY(spare_mu_) = false;
  bool spare_ready_ ABSL_GUARDED_BY(spare_mu_) = false;
  uint64_t spare_salt_ ABSL_GUARDED_BY(spare_mu_) = 0;
  const std::string reusable_path_;
  bool reusable_ ABSL_GUARDED_BY(spare_mu_) = false;  // a released segment's file is there
  bool stopping_ ABSL_GUARDED_BY(spare_mu_) = false;
  std::thread preparer_;

  absl::Mutex read_mu_;  // where the last Read() stopped
  uint64_t cursor_number_ ABSL_GUARDED_BY(read_mu_) = 0;
  size_t cursor_offset_ ABSL_GUARDED_BY(read_mu_) = 0;
  int64_t cursor_seq_ ABSL_GUARDED_BY(read_mu_) = -1;
};

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Journal::~Journal() = default;

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(const JournalOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  SPOOR_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<Journal>(new Journal(std::move(impl)));
}

absl::StatusOr<int64_t> Journal::Append(absl::Span<const std::string_view> bodies) {
  return impl_->Append(bodies);
}
absl::Status Journal::AppendWithSeq(int64_t seq, std::string_view body) {
  return impl_->AppendWithSeq(seq, body);
}
absl::Status Journal::Sync() { return impl_->Sync(); }
absl::StatusOr<std::vector<InboxRow>> Journal::Read(int64_t after_seq, int limit) {
  return impl_->Read(after_seq, limit);
}
int64_t Journal::last_seq() const { return impl_->last_seq(); }
int64_t Journal::OldestSealedThrough() const { return impl_->OldestSealedThrough(); }
absl::Status Journal::Release(int64_t through_seq) { return impl_->Release(through_seq); }
size_t Journal::segment_count() const { return impl_->segment_count(); }
bool Journal::spare_ready() const { return impl_->spare_ready(); }

}  // namespace spoor::store
