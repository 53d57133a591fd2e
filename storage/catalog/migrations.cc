// Catalog schema history. Append only: never edit a released migration, add a new one.
#include "storage/catalog/catalog.h"

namespace loupe::storage::catalog {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, R"sql(
        CREATE TABLE settings (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
      )sql"},
  };
  return kMigrations;
}

}  // namespace loupe::storage::catalog
