import CFieldSyncProcess

/// How this process takes memory from the system.
enum ProcessMemory {
    /// glibc raises the size from which it maps a block on its own to the
    /// largest block freed so far (up to 32 MiB). After the first pull page
    /// the next pages' large buffers then come from the heap, which they
    /// leave fragmented: a first sync of 50,000 customers ended 20–30 MB above
    /// one of 12,500 with 3,000-row pages. At a fixed 1 MiB such buffers go
    /// back to the system when freed, and memory stays flat however large the book.
    static func returnLargeBlocksWhenFreed() {
        fieldsync_return_large_blocks_when_freed()
    }
}
