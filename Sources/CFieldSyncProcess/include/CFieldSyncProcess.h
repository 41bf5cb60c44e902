#ifndef CFIELDSYNC_PROCESS_H
#define CFIELDSYNC_PROCESS_H

/// Makes glibc give blocks of 1 MiB and more back to the system when they are
/// freed, instead of keeping them in a heap that fragments (no-op elsewhere).
void fieldsync_return_large_blocks_when_freed(void);

#endif
