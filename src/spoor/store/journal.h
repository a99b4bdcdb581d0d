// The journal: the ingest path's one durable write. Encoded events are
// appended to segment files as checksummed records, a batch with one write
// and one fdatasync (the next segment's file is made and synced by the
// journal's thread before it is needed); the processor reads them back
// (through a read-only mapping) and applies them to the store behind the
// acknowledgements. Segments whose records are all durably applied are
// deleted, or their file is reused for a later segment.
//
// Segment: "SPOORJ1\n", u64 salt (random, never 0), then records. Record:
// u32 body length, u32 CRC-32C of (salt, seq, body), i64 seq, body; all
// little-endian. A segment ends at its first record that is zero, torn,
// fails its checksum (as do the records a reused file held before) or does
// not follow its predecessor's seq; after a restart, appends go to a new
// segment, so a torn tail is never written over. Segments written before
// salts (no head; checksums of (seq, body)) are still read.
//
// One process at a time: Open() holds an exclusive lock on the directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "spoor/store/store.h"

namespace spoor::store {

struct JournalOptions {
  std::string dir;
  // Preallocated size of a segment; a batch larger than this gets a segment
  // of its own size.
  uint64_t segment_bytes = 16ull << 20;
  // fdatasync every append (survives power loss); off, appends survive a
  // process kill only.
  bool sync = true;
  // Appends write around the page cache (O_DIRECT), whole blocks at a time,
  // where the file system allows it: a sync then costs less.
  bool direct_io = true;
  // Appends get seqs above this even when every segment is gone: the store's
  // processed watermark.
  int64_t floor_seq = 0;
};

class Journal {
 public:
  // Errors: Unavailable when the directory cannot be created or used;
  // FailedPrecondition when another process holds it.
  static absl::StatusOr<std::unique_ptr<Journal>> Open(const JournalOptions& options);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends `bodies` with consecutive seqs after the last; returns the last
  // seq once they are on disk. Errors: Unavailable on a write or sync
  // failure, after which every append fails (never retried on the same
  // file: an fsync error may have dropped the data).
  absl::StatusOr<int64_t> Append(absl::Span<const std::string_view> bodies);
  // Appends one record with a given seq, above every seq so far (moving
  // events from an older layout). Durable once Append() or Sync() returns.
  absl::Status AppendWithSeq(int64_t seq, std::string_view body);
  absl::Status Sync();
  // Durable records with seq > `after_seq`, oldest first, at most `limit`.
  absl::StatusOr<std::vector<InboxRow>> Read(int64_t after_seq, int limit);
  int64_t last_seq() const;
  // The last seq of the oldest segment no longer appended to, or 0: once the
  // store has durably applied through it, Release() can free that segment.
  int64_t OldestSealedThrough() const;
  // Deletes the segments no longer appended to whose records all have
  // seq <= `through_seq`.
  absl::Status Release(int64_t through_seq);
  // How many segment files there are (for tests and metrics).
  size_t segment_count() const;
  // Whether the next segment's file is made, zeroed and synced, ahead of
  // need (it is made once the active segment is half full).
  bool spare_ready() const;

  class Impl;

 private:
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spoor::store
