/* harness/storage/storage.c — being written. */
