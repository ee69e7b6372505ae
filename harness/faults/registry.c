/* harness/faults/registry.c — being written. */
