/* harness/chain/root.c — being written. */
