#ifndef CFIELDSYNC_SQLITE_H
#define CFIELDSYNC_SQLITE_H

typedef struct sqlite3 sqlite3;

/// Turns triggers on or off for one connection (sqlite3_db_config is
/// variadic, which Swift cannot call). Returns an SQLite result code.
int fieldsync_sqlite_enable_triggers(sqlite3 *db, int enabled);

#endif
