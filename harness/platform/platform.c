/* harness/platform/platform.c — being written. */
