/* harness/scenario/scenario.c — being written. */
