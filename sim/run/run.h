/* `shipsim run`: the runner (DESIGN.md sections 1 and 7, sim/run/README.md).
 *
 * scenario_load -> spawn mockplat, mockcarrier, syncd -> loadgen on the event loop (crashes on
 * schedule) -> drain -> collect truth, state, evidence -> check -> results folder -> stop all. */
#ifndef SHIPSIM_RUN_RUN_H
#define SHIPSIM_RUN_RUN_H

/* argv after the verb. Exit 0 every threshold holds, 1 one fails (or the run itself failed),
 * 2 bad scenario or command line, 130 interrupted (Ctrl-C). */
int run_cmd(int argc, char **argv);

/* The whole `shipsim run --help` text. */
extern const char run_help[];

#endif
