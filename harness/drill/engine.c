/* harness/drill/engine.c — being written. */
