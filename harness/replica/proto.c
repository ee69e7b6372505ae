/* harness/replica/proto.c — being written. */
