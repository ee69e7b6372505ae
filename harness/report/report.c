/* harness/report/report.c — being written. */
