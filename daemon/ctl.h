/*
 * ctl — the subcommands of wxkbctl.  Each takes the arguments after the
 * subcommand name (argv[0] is the subcommand) and returns the exit status.
 */
#ifndef CTL_H
#define CTL_H

struct config;

int	ctl_check(int argc, char **argv);
int	ctl_query(int argc, char **argv);
int	ctl_simulate(const struct config *, int argc, char **argv);
int	ctl_reload(const struct config *, int argc, char **argv);
int	ctl_stats(const struct config *, int argc, char **argv);
int	ctl_push(const struct config *, int argc, char **argv);
int	ctl_menu(const struct config *, int argc, char **argv);
int	ctl_import(const struct config *, int argc, char **argv);
int	ctl_user(const struct config *, int argc, char **argv);

#endif
