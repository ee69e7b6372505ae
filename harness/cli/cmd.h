/* cli/cmd.h — the subcommands; main.c dispatches, each lives in cli/cmd_<name>.c and returns the
 * process exit code of docs/design.md §2. argv[0] is the subcommand's name. */
#ifndef DRILL_CLI_CMD_H
#define DRILL_CLI_CMD_H

int drill_cmd_run(int argc, char **argv);
int drill_cmd_validate(int argc, char **argv);
int drill_cmd_verify(int argc, char **argv);
int drill_cmd_db_checkpoint(int argc, char **argv);
int drill_cmd_faults(int argc, char **argv);
int drill_cmd_replica(int argc, char **argv);
int drill_cmd_up(int argc, char **argv);
int drill_cmd_vendor_check(int argc, char **argv);
int drill_cmd_clean(int argc, char **argv);
int drill_cmd_report(int argc, char **argv);

/* cmd_report.c: rebuild root/index.html and say so; 0, or 3 after printing why. */
int drill_cli_report_index(const char *root);
/* After a run wrote report_dir (--report-dir): rebuild the index beside it (its parent's
 * index.html) when this run created report_dir and that index.html is absent or chaindrill's;
 * otherwise say why not and print the `chaindrill report index` command. */
void drill_cli_report_index_beside(const char *report_dir, int created);

#endif
