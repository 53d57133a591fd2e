#include "storage/catalog/catalog.h"

#include <sqlite3.h>

#include <filesystem>

namespace loupe::storage::catalog {
namespace {

Status SqliteError(sqlite3* db, std::string_view what) {
  const int code = sqlite3_extended_errcode(db);
  std::string msg = "sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db);
  switch (code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(msg);
    case SQLITE_FULL:
      return Status::ResourceExhausted(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(msg);
    case SQLITE_CONSTRAINT:
      return Status::AlreadyExists(msg);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return Status::IOError(msg);
    default:
      return Status::Internal(msg);
  }
}

struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

}  // namespace

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::string& path) {
  return Open(path, Migrations());
}

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::string& path,
                                               const std::vector<Migration>& migrations) {
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    Status s = db ? SqliteError(db, "open " + path) : Status::IOError("sqlite: cannot open " + path);
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<Catalog> catalog(new Catalog(path, db));
  sqlite3_busy_timeout(db, 5000);
  // WAL: readers never block the writer; synchronous=NORMAL is durable against process crashes
  // (and loses at most the last transaction on power loss).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=ON"}) {
    auto r = catalog->Query(pragma);
    if (!r.ok()) return r.status().WithContext("opening catalog " + path);
  }
  LOUPE_RETURN_IF_ERROR(catalog->Migrate(migrations).WithContext("migrating catalog " + path));
  return catalog;
}

Catalog::~Catalog() { sqlite3_close(db_); }

int Catalog::SchemaVersion() const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return version_;
}

Status Catalog::Migrate(const std::vector<Migration>& migrations) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto rows = Query("PRAGMA user_version");
  if (!rows.ok()) return rows.status();
  const int current = rows->empty() ? 0 : static_cast<int>(std::get<int64_t>((*rows)[0][0]));
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return Status::FailedPrecondition("catalog schema version " + std::to_string(current) +
                                      " is newer than this loupe understands (" +
                                      std::to_string(newest) + "); use a newer loupe");
  }
  version_ = current;
  for (const auto& m : migrations) {
    if (m.version <= current) continue;
    if (m.version != version_ + 1) {
      return Status::Internal("migrations are not contiguous at version " + std::to_string(m.version));
    }
    LOUPE_RETURN_IF_ERROR(Transaction([&](Catalog& c) -> Status {
      char* err = nullptr;
      const std::string sql(m.sql);
      if (sqlite3_exec(c.db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        return Status::Internal("migration " + std::to_string(m.version) + ": " + msg);
      }
      auto r = c.Exec("PRAGMA user_version = " + std::to_string(m.version));
      return r.ok() ? Status::OK() : r.status();
    }));
    version_ = m.version;
  }
  return Status::OK();
}

Result<std::vector<SqlRow>> Catalog::Query(std::string_view sql, const std::vector<SqlValue>& params) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return QueryLocked(sql, params, nullptr);
}

Result<int64_t> Catalog::Exec(std::string_view sql, const std::vector<SqlValue>& params) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  int64_t changes = 0;
  auto r = QueryLocked(sql, params, &changes);
  if (!r.ok()) return r.status();
  return changes;
}

Result<std::vector<SqlRow>> Catalog::QueryLocked(std::string_view sql,
                                                 const std::vector<SqlValue>& params,
                                                 int64_t* changes) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
    return SqliteError(db_, "prepare");
  }
  std::unique_ptr<sqlite3_stmt, StmtCloser> stmt(raw);
  for (size_t i = 0; i < params.size(); ++i) {
    const int idx = static_cast<int>(i + 1);
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::monostate>(params[i])) {
      rc = sqlite3_bind_null(raw, idx);
    } else if (auto* iv = std::get_if<int64_t>(&params[i])) {
      rc = sqlite3_bind_int64(raw, idx, *iv);
    } else if (auto* dv = std::get_if<double>(&params[i])) {
      rc = sqlite3_bind_double(raw, idx, *dv);
    } else {
      const auto& sv = std::get<std::string>(params[i]);
      rc = sqlite3_bind_text(raw, idx, sv.data(), static_cast<int>(sv.size()), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) return SqliteError(db_, "bind");
  }
  std::vector<SqlRow> rows;
  while (true) {
    const int rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return SqliteError(db_, "step");
    const int n = sqlite3_column_count(raw);
    SqlRow row;
    row.reserve(n);
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(raw, c)) {
        case SQLITE_INTEGER: row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(raw, c))); break;
        case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(raw, c)); break;
        case SQLITE_NULL: row.emplace_back(std::monostate{}); break;
        default: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_blob(raw, c));
          row.emplace_back(std::string(text ? text : "", sqlite3_column_bytes(raw, c)));
        }
      }
    }
    rows.push_back(std::move(row));
  }
  if (changes) *changes = sqlite3_changes64(db_);
  return rows;
}

Status Catalog::Transaction(const std::function<Status(Catalog&)>& fn) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  auto begin = Exec("BEGIN IMMEDIATE");
  if (!begin.ok()) return begin.status();
  Status s = fn(*this);
  if (!s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  auto commit = Exec("COMMIT");
  if (!commit.ok()) {
    (void)Exec("ROLLBACK");
    return commit.status();
  }
  return Status::OK();
}

Result<std::optional<std::string>> Catalog::GetSetting(std::string_view key) {
  auto rows = Query("SELECT value FROM settings WHERE key = ?1", {std::string(key)});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::get<std::string>((*rows)[0][0]));
}

Status Catalog::PutSetting(std::string_view key, std::string_view value) {
  auto r = Exec(
      "INSERT INTO settings(key, value) VALUES(?1, ?2) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      {std::string(key), std::string(value)});
  return r.ok() ? Status::OK() : r.status();
}

uint64_t Catalog::FileBytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    auto sz = std::filesystem::file_size(path_ + suffix, ec);
    if (!ec) total += sz;
  }
  return total;
}

}  // namespace loupe::storage::catalog
