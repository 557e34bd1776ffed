/* The demine command: shared helpers for the subcommands (one file each).
 * The CLI only parses arguments and prints; the library does the work.
 *
 * Exit statuses: 0 = done, 1 = error (nothing changed), 2 = usage,
 * 3 = done but some rows were rejected / problems were found.
 */
#ifndef DM_CLI_CLI_H
#define DM_CLI_CLI_H

#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>

enum { EXIT_DONE = 0, EXIT_ERROR = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 3 };

typedef struct dm_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} dm_command;

int cmd_init(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_imports(int argc, char **argv); /* cmd_import.c */
int cmd_stats(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_kinds(int argc, char **argv);
int cmd_casualties(int argc, char **argv);
int cmd_minefield(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_forecast(int argc, char **argv);
int cmd_priority(int argc, char **argv);
int cmd_settlement(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_chart(int argc, char **argv); /* cmd_report.c */

/* Prints "demine: <msg>" to stderr and returns the exit status for err. */
int cli_fail(const dm_error *err);

/* Prints a usage error and returns EXIT_USAGE. */
int cli_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The name of the user running the command (for the change log). Static. */
const char *cli_user(void);

/* The published productivity and cost figures the forecasts use: `given`
 * when not NULL (--figures), else data/aze/productivity_and_cost.csv in the
 * data folder (DEMINE_DATA, else the source tree's data/). */
void cli_figures_path(const char *given, char *out, size_t outsz);

/* The reports' translation files: data/i18n in the data folder (DEMINE_DATA,
 * else the source tree's data/). */
void cli_i18n_dir(char *out, size_t outsz);

/* Writes text to stdout; false (with a message) when stdout fails. */
bool cli_write_stdout(const char *text);

#endif
