// Catalog: loupe's small relational state in SQLite (Studio registry, saved views, tail
// positions, settings), with forward-only schema migrations.
//
// The schema version lives in SQLite's `PRAGMA user_version`. Open() applies every migration
// above it, each in its own transaction, so a crash mid-migration leaves the previous version.
// A database written by a newer loupe (version above the newest known migration) is refused with
// kFailedPrecondition rather than misread.
//
// Thread-safety: a Catalog is safe for concurrent use; statements are serialised on one
// connection (the catalog is small and rarely written).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage/base/result.h"

struct sqlite3;

namespace loupe::storage::catalog {

struct Migration {
  int version;           // 1, 2, 3, ... contiguous
  std::string_view sql;  // one or more statements
};

// The migrations of this build, in order. Exposed for tests.
const std::vector<Migration>& Migrations();

// A bound SQL parameter or a result column value.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;
using SqlRow = std::vector<SqlValue>;

class Catalog {
 public:
  // Opens (creating if needed) the database file at `path` and migrates it.
  static Result<std::unique_ptr<Catalog>> Open(const std::string& path);
  // Same, with an explicit migration list (tests).
  static Result<std::unique_ptr<Catalog>> Open(const std::string& path,
                                               const std::vector<Migration>& migrations);
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  int SchemaVersion() const;

  // Runs one statement with positional parameters (?1, ?2, ...) and returns its rows.
  Result<std::vector<SqlRow>> Query(std::string_view sql, const std::vector<SqlValue>& params = {});
  // Runs one statement; returns the number of rows changed.
  Result<int64_t> Exec(std::string_view sql, const std::vector<SqlValue>& params = {});
  // Runs `fn` inside BEGIN IMMEDIATE ... COMMIT; rolls back if it returns an error.
  Status Transaction(const std::function<Status(Catalog&)>& fn);

  // Settings: a string key-value table.
  Result<std::optional<std::string>> GetSetting(std::string_view key);
  Status PutSetting(std::string_view key, std::string_view value);

  const std::string& path() const { return path_; }
  uint64_t FileBytes() const;

 private:
  Catalog(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Migrate(const std::vector<Migration>& migrations);
  Result<std::vector<SqlRow>> QueryLocked(std::string_view sql, const std::vector<SqlValue>& params,
                                          int64_t* changes);

  std::string path_;
  sqlite3* db_;
  mutable std::recursive_mutex mu_;
  int version_ = 0;
};

}  // namespace loupe::storage::catalog
