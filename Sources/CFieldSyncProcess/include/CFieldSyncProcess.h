#ifndef CFIELDSYNC_PROCESS_H
#define CFIELDSYNC_PROCESS_H

/// Makes glibc give blocks of 1 MiB and more back to the system when they are
/// freed, instead of keeping them in a heap that fragments (no-op elsewhere).
void fieldsync_return_large_blocks_when_freed(void);

#include <spawn.h>

/// Sets spawn attributes (initialised) so that the program starts with no
/// signal blocked and every signal at its default handling, whatever the
/// spawning thread had: the threads of Swift's cooperative pool block most
/// signals, and a program started from one would never see a SIGTERM.
/// Returns 0, or an error number.
int fieldsync_spawn_with_default_signals(posix_spawnattr_t *attributes);

#endif
