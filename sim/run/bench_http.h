/* `shipsim bench-http`: drive one URL through the load generator's HTTP path
 * (sim/common/http_client, libcurl multi on libevent) with a fixed number of requests kept in
 * flight, for `make bench`'s loadgen_vs_wrk figure (bench/run.sh, BENCH.md). */
#ifndef SHIPSIM_RUN_BENCH_HTTP_H
#define SHIPSIM_RUN_BENCH_HTTP_H

/* argv after the verb. Prints one JSON line with the counts and requests per second.
 * Exit 0, 1 when no request succeeded, 2 bad command line. */
int bench_http_cmd(int argc, char **argv);

extern const char bench_http_help[];

#endif
