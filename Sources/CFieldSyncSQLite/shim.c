#include <sqlite3.h>
#include "CFieldSyncSQLite.h"

int fieldsync_sqlite_enable_triggers(sqlite3 *db, int enabled) {
    int now = -1;
    int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, enabled, &now);
    if (rc != SQLITE_OK) return rc;
    return now == enabled ? SQLITE_OK : SQLITE_ERROR;
}
