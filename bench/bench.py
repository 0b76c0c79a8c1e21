#!/usr/bin/env python3
"""make bench: shipsim's performance figures (issue 10, BENCH.md).

Runs every measurement on 127.0.0.1 with a time budget each, prints a table and writes
results/bench/bench.json. Only processes this script starts are stopped, always by PID.

  http       loadgen_vs_wrk, mockplat_vs_nginx (pairs in the same run, medians)
  pipeline   pipeline_orders_per_s, pipeline_http_per_s (rate stepped up, whole system)
  inflight   inflight_max_held, syncd_rss_bytes_per_inflight, mockplat_rss_bytes_per_order
  monthly    sim_hours_per_wall_minute of scenarios/monthly-stress.json

Environment: SHIPSIM_BIN (binaries, default bin/), BENCH_QUICK=1 (short runs, for trying the
script; the figures are then not comparable), BENCH_ONLY=http,pipeline,... (a subset).
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SHIPSIM_BIN", os.path.join(ROOT, "bin"))
OUT = os.path.join(ROOT, "results", "bench")
QUICK = os.environ.get("BENCH_QUICK", "") == "1"
ONLY = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]

CONNECTIONS = 48            # the load generator's connection count (LOAD_CONNECTIONS_DEFAULT)
PAIRS = 3 if QUICK else 5   # interleaved wrk / bench-http / nginx rounds, medians taken
PAIR_S = 2 if QUICK else 3  # wall seconds of one wrk or bench-http run
START_TIMEOUT_S = 10        # a server prints its listening line within this
PIPE_LOAD_S = 10 if QUICK else 20      # wall seconds of load per pipeline step (time scale 1)
PIPE_RAMP_S = 3
# syncd paces each shop at shop_rate_per_s (50 calls/s, its default: a real platform's limit) and
# an order takes ~2 platform calls, so 2 + 2 shops cap the pipeline near 100 orders/s whatever the
# CPU; 16 + 16 (the most one shop group holds) put the cap at ~800/s, above what 2 cores carry.
SHOPS_PER_FLAVOR = int(os.environ.get("BENCH_SHOPS_PER_FLAVOR", "16"))
PIPE_BUDGET_S = 120 if QUICK else 330  # the whole rate step-up
PIPE_RATE_FIRST = 50.0
PIPE_RATE_MIN = 5.0
PIPE_RATE_MAX = 12800.0
HOLD_S = 20 if QUICK else 60           # the in-flight level must hold this long
# longest wall time an order stays in flight: 100,000 in flight at 60% of a ~200/s pipeline
# needs ~14 minutes of fill
HOLD_FILL_S_MAX = 40 if QUICK else 900
INFLIGHT_TARGET = 100000
RSS_LEVELS = (10000, 100000)
RSS_SLICES_MAX = 90         # one-second wrk slices placing orders for mockplat's RSS
# monthly-stress.json runs at scale 200 (24 sim-hours in ~8 wall minutes, 3 sim-h/min by
# construction); the benchmark runs it at the target's scale, 720 (a sim-day in 2 wall minutes),
# and reads how many sim-hours per wall minute the whole run (start, load, drain, collection)
# achieved and whether it still passed.
MONTHLY_SCALE = 720
MONTHLY_SCALE_FALLBACK = 360  # when the 720x run fails: a passing figure at half the speed
MONTHLY_TIMEOUT_S = 150 if QUICK else 420  # the 360x run takes ~270 s on a quiet host
RUN_GRACE_S = 20            # after SIGINT, the runner's own stop and collection

TARGETS = {
    "pipeline_orders_per_s": (">=", 2000),
    "inflight_max_held": (">=", 100000),
    "loadgen_vs_wrk": (">=", 0.8),
    "mockplat_vs_nginx": (">=", 0.5),
    "syncd_rss_bytes_per_inflight": ("<=", 4096),
    "mockplat_rss_bytes_per_order": ("<=", 2048),
    "sim_hours_per_wall_minute": (">=", 12),
}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


# --- processes -------------------------------------------------------------------------------

def start_server(argv, log_path, env=None):
    """Start a server that prints 'listening on 127.0.0.1:PORT' first; return (Popen, port)."""
    errf = open(log_path, "wb")
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errf, env=env)
    errf.close()
    ready, _, _ = select.select([p.stdout], [], [], START_TIMEOUT_S)
    line = p.stdout.readline().decode(errors="replace") if ready else ""
    m = re.search(r"127\.0\.0\.1:(\d+)", line)
    if m is None:
        stop(p)
        raise RuntimeError("%s did not start (see %s)" % (argv[0], log_path))
    return p, int(m.group(1))


def stop(p, sig=signal.SIGTERM, grace_s=5):
    """Stop one child we started, by its PID: sig, then SIGKILL after grace_s."""
    if p is None or p.poll() is not None:
        return
    os.kill(p.pid, sig)
    try:
        p.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_call(url, body=None, timeout_s=5):
    data = body.encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if data:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout_s) as r:
        return r.status, r.read()


def rss_bytes(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# --- http: loadgen_vs_wrk, mockplat_vs_nginx ----------------------------------------------------

def wrk(url, script=None, env=None):
    argv = ["wrk", "-t1", "-c%d" % CONNECTIONS, "-d%ds" % PAIR_S, url]
    if script:
        argv[4:4] = ["-s", script]
    out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=PAIR_S + 30).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m is None or "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError("wrk on %s: unexpected output:\n%s" % (url, out))
    return float(m.group(1))


def bench_http(url, body):
    argv = [os.path.join(BIN, "shipsim"), "bench-http", "--url", url, "--body", body,
            "--connections", str(CONNECTIONS), "--duration-s", str(PAIR_S)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=PAIR_S + 30)
    res = json.loads(r.stdout.strip().splitlines()[-1])
    if res["status_other"] or res["errors"] or res["send_failures"]:
        raise RuntimeError("bench-http: failures: %s" % res)
    return res["requests_per_s"]


NGINX_CONF = """worker_processes 1;
master_process off;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    keepalive_requests 100000000;
    default_type application/json;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
    }}
}}
"""


def start_nginx(tmp, answer):
    """nginx of our own: one process (like mockplat's one loop), config, pid and logs in tmp."""
    os.makedirs(os.path.join(tmp, "www"), exist_ok=True)
    with open(os.path.join(tmp, "www", "order.json"), "wb") as f:
        f.write(answer)
    port = free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=tmp, port=port))
    errf = open(os.path.join(tmp, "nginx-stderr.log"), "wb")
    p = subprocess.Popen(["nginx", "-p", tmp, "-e", os.path.join(tmp, "nginx-error.log"),
                          "-c", conf], stdout=subprocess.DEVNULL, stderr=errf)
    errf.close()
    url = "http://127.0.0.1:%d/order.json" % port
    for _ in range(50):
        try:
            status, got = http_call(url)
            if status == 200 and got == answer:
                return p, url
        except OSError:
            time.sleep(0.1)
    stop(p)
    raise RuntimeError("nginx did not serve %s (see %s/nginx-error.log)" % (url, tmp))


def measure_http(tmp, res, notes):
    mp, port = start_server([os.path.join(BIN, "mockplat"), "--scenario",
                             os.path.join(ROOT, "scenarios", "smoke.json"), "--port", "0"],
                            os.path.join(tmp, "mockplat-http.log"))
    ng = None
    try:
        url = "http://127.0.0.1:%d/__sim/orders" % port
        body = json.dumps({"seq": 1, "shop": "sp1-1", "buyer": "b000001",
                           "lines": [{"sku": "TEE-01", "qty": 1}]}, separators=(",", ":"))
        http_call(url, body)                     # places the order; repeats answer "existed"
        status, answer = http_call(url, body)
        assert status == 200 and b'"existed":true' in answer, answer
        ng, ng_url = start_nginx(tmp, answer)
        env = dict(os.environ, BENCH_BODY=body)
        script = os.path.join(ROOT, "bench", "post.lua")
        rows = []
        for i in range(PAIRS):
            # alternate who goes first so a drift in the host's load does not favour one side
            if i % 2 == 0:
                w = wrk(url, script, env)
                lg = bench_http(url, body)
            else:
                lg = bench_http(url, body)
                w = wrk(url, script, env)
            n = wrk(ng_url)
            rows.append((w, lg, n))
            log("http round %d: wrk %.0f/s, bench-http %.0f/s, nginx %.0f/s" % (i + 1, w, lg, n))
        res["loadgen_vs_wrk"] = round(statistics.median(lg / w for w, lg, _ in rows), 3)
        res["mockplat_vs_nginx"] = round(statistics.median(w / n for w, _, n in rows), 3)
        res["wrk_mockplat_per_s"] = round(statistics.median(w for w, _, _ in rows))
        res["loadgen_http_per_s"] = round(statistics.median(lg for _, lg, _ in rows))
        res["nginx_per_s"] = round(statistics.median(n for _, _, n in rows))
        res["http_body_bytes"] = len(answer)
        notes.append("http: POST /__sim/orders (idempotent repeat, %d-byte answer), %d "
                     "connections, %d rounds of %d s; nginx serves the same bytes as a static "
                     "file (GET), one process" % (len(answer), CONNECTIONS, PAIRS, PAIR_S))
    finally:
        stop(ng, signal.SIGQUIT)
        stop(mp)


# --- whole-system runs: a generated scenario, shipsim run, and a monitor ------------------------

def bench_scenario(name, rate, load_s, pickup_s, hop_s, drain_s=60):
    """No faults, time scale 1 (sim s = wall s), every order paid at once, immediate shipping,
    parcels picked up after pickup_s and delivered one hop later: each order's lifetime in
    flight is about pickup_s + hop_s wall seconds."""
    return {
        "name": name,
        "description": "make bench (bench/bench.py): %g orders/s for %g s, no faults" % (rate, load_s),
        "seed": 7,
        "sim": {"duration_s": load_s, "time_scale": 1, "drain_s": drain_s},
        "shops": [{"id": "sp", "flavor": "shopee", "count": SHOPS_PER_FLAVOR},
                  {"id": "wx", "flavor": "wechat", "count": SHOPS_PER_FLAVOR}],
        "carriers": {"primary": "SF", "backup": "ZTO", "enabled": ["SF", "ZTO", "YUNDA"]},
        "catalog": [{"sku": "SKU-%02d" % i, "stock": 100000000, "daily_mean_sales": 1000000}
                    for i in range(8)],
        "load": {"stages": [{"ramp_to_per_s": rate, "sim_s": PIPE_RAMP_S},
                            {"ramp_to_per_s": rate, "sim_s": load_s - PIPE_RAMP_S}]},
        "buyers": {"population": 5000000, "repeat_share": 0, "unpaid_share": 0,
                   "cancel_share": 0, "burst_share": 0, "lines_max": 1,
                   "pay_delay_s": [0, 0.5], "cancel_delay_s": [60, 600]},
        "parcels": {"pickup_s": pickup_s, "hop_s": hop_s, "hops": [1, 1],
                    "problem_share": 0, "refuse_share": 0, "return_share": 0},
        "faults": [],
        "crashes": [],
        "sla": {"ship_within_s": 3600},
        "thresholds": {},
    }


LISTEN_RE = re.compile(r"127\.0\.0\.1:(\d+)\s.*pid=(\d+),")
METRIC_RE = re.compile(r"^([a-zA-Z_:]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$")
INFLIGHT_STATES = ("paid", "shipped", "in_transit", "in_cancel")
SYNCD_OPEN_STATES = ("new", "paid", "hold", "waybilled", "shipped", "in_transit")
SHIPPED_STATES = ("shipped", "in_transit", "delivered", "completed", "returned")


def children(ppid):
    """{comm: pid} of the processes whose parent is ppid (the runner's servers)."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        if int(st[st.rindex(")") + 2:].split()[1]) == ppid:
            out[comm] = int(d)
    return out


def listen_ports(pids):
    """{pid: port} for the given pids from ss (the runner gives the mocks port 0)."""
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout
    ports = {}
    for line in out.splitlines():
        m = LISTEN_RE.search(line)
        if m and int(m.group(2)) in pids:
            ports[int(m.group(2))] = int(m.group(1))
    return ports


def scrape(port):
    """Prometheus text -> {name: total over labels, name{labels}: value}."""
    try:
        _, text = http_call("http://127.0.0.1:%d/metrics" % port, timeout_s=2)
    except OSError:
        return None
    m = {}
    for line in text.decode(errors="replace").splitlines():
        g = METRIC_RE.match(line)
        if g is None:
            continue
        v = float(g.group(3))
        m[g.group(1)] = m.get(g.group(1), 0) + v
        if g.group(2):
            m[g.group(1) + g.group(2)] = v
    return m


def cpu_s(pid):
    """User + system CPU seconds a process has used."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return None
    fields = st[st.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sample(t, kids, ports, runner=None):
    """One monitor sample: RSS and CPU of each server and the counters the figures need."""
    s = {"t": t, "cpu_shipsim": cpu_s(os.getpid() if runner is None else runner)}
    for name, pid in kids.items():
        s["rss_" + name] = rss_bytes(pid)
        s["cpu_" + name] = cpu_s(pid)
    mp = scrape(ports.get(kids.get("mockplat"), 0)) if kids.get("mockplat") in ports else None
    mc = scrape(ports.get(kids.get("mockcarrier"), 0)) if kids.get("mockcarrier") in ports else None
    if mp is None or mc is None:
        return s
    state = lambda n: mp.get('mockplat_orders{state="%s"}' % n, 0)
    s["orders"] = mp.get("mockplat_orders", 0)
    s["unpaid"] = state("unpaid")
    s["inflight"] = sum(state(n) for n in INFLIGHT_STATES)
    s["shipped"] = sum(state(n) for n in SHIPPED_STATES)
    s["plat_requests"] = mp.get("mockplat_requests_total", 0)
    s["plat_pushes"] = mp.get('mockplat_pushes_total{result="sent"}', 0)
    s["carrier_requests"] = mc.get("shipsim_carrier_requests_total", 0)
    sy = scrape(ports.get(kids.get("syncd"), 0)) if kids.get("syncd") in ports else None
    if sy is not None:
        s["syncd_open"] = sum(sy.get('syncd_orders{state="%s"}' % n, 0) for n in SYNCD_OPEN_STATES)
    # the generator's calls: one place and one pay per order (no unpaid, no cancel here)
    s["http"] = (s["plat_requests"] + s["plat_pushes"] + s["carrier_requests"] +
                 2 * s["orders"] - s["unpaid"])
    return s


def run_monitored(scenario, tmp, timeout_s, interval_s=1.0, extra=(), name=None):
    """shipsim run on a scenario (a dict, written to tmp, or a file path); sample the servers
    every interval_s. Returns (exit code or None on timeout, summary dict or None, samples)."""
    if isinstance(scenario, str):
        path = scenario
        name = name or os.path.splitext(os.path.basename(path))[0]
    else:
        name = scenario["name"]
        path = os.path.join(tmp, name + ".json")
        with open(path, "w") as f:
            json.dump(scenario, f, indent=1)
    outdir = os.path.join(tmp, name)
    errf = open(os.path.join(tmp, name + ".log"), "wb")
    t0 = time.monotonic()
    p = subprocess.Popen([os.path.join(BIN, "shipsim"), "run", path, "--out", outdir, "--quiet"] + list(extra),
                         stdout=errf, stderr=subprocess.STDOUT)
    errf.close()
    samples, kids, ports, rc = [], {}, {}, None
    while time.monotonic() - t0 < timeout_s:
        if p.poll() is not None:
            rc = p.returncode
            break
        if len(ports) < 3:
            kids = {k: v for k, v in children(p.pid).items()
                    if k in ("mockplat", "mockcarrier", "syncd")}
            ports = listen_ports(set(kids.values()))
            if len(ports) < 3:
                time.sleep(0.05)  # catch the servers before the load starts
                continue
        samples.append(sample(time.monotonic() - t0, kids, ports, p.pid))
        time.sleep(max(0.0, interval_s - (time.monotonic() - t0 - samples[-1]["t"])))
    if rc is None:
        log("%s: over %d s, stopping the runner (SIGINT)" % (name, timeout_s))
        stop(p, signal.SIGINT, RUN_GRACE_S)
    summary = None
    try:
        with open(os.path.join(outdir, "summary.json")) as f:
            summary = json.load(f)
    except (OSError, ValueError):
        pass
    return rc, summary, samples


def at(samples, t, key):
    """The last sample at or before wall time t that has key."""
    best = None
    for s in samples:
        if s["t"] <= t and s.get(key) is not None:
            best = s
    return best


def load_window(samples):
    """Wall time of the first placed order (the load's start), or None."""
    for s in samples:
        if s.get("orders", 0) > 0:
            return s["t"]
    return None


def window_rates(samples, ta, tb):
    """Per-second rates of placed, shipped and HTTP exchanges between wall times ta and tb."""
    a, b = at(samples, ta, "orders"), at(samples, tb, "orders")
    if a is None or b is None or b["t"] - a["t"] < 1:
        return None
    dt = b["t"] - a["t"]
    cpu = {}
    for proc in ("shipsim", "syncd", "mockplat", "mockcarrier"):
        if a.get("cpu_" + proc) is not None and b.get("cpu_" + proc) is not None:
            cpu[proc] = round((b["cpu_" + proc] - a["cpu_" + proc]) / dt, 2)
    return {"placed": (b["orders"] - a["orders"]) / dt, "cpu": cpu,
            "shipped": (b["shipped"] - a["shipped"]) / dt,
            "http": (b["http"] - a["http"]) / dt,
            "inflight_a": a["inflight"], "inflight_b": b["inflight"], "seconds": dt}


def pipeline_step(tmp, rate):
    """One whole-system run at a fixed rate. Sustained when placing kept the rate, shipping kept
    up with placing and the in-flight level did not keep growing over the steady window."""
    sc = bench_scenario("bench-pipe-%d" % rate, rate, PIPE_LOAD_S, [1, 2], [1, 2])
    t_start = time.monotonic()
    rc, summ, samples = run_monitored(sc, tmp, PIPE_LOAD_S + 120)
    step = {"rate": rate, "exit": rc, "wall_s": round(time.monotonic() - t_start, 1)}
    t0 = load_window(samples)
    w = None
    if t0 is not None:
        ta, tb = t0 + PIPE_RAMP_S + 2, t0 + PIPE_LOAD_S - 1
        w = window_rates(samples, ta, tb)
        mid = window_rates(samples, ta, (ta + tb) / 2)
    if w is None or mid is None:
        step.update(sustained=False, why="no samples in the load window")
        return step
    grew = w["inflight_b"] > 1.25 * mid["inflight_b"] + 0.5 * rate
    behind = summ.get("load_behind_max_ms") if summ else None
    why = []
    if w["placed"] < 0.9 * rate:
        why.append("placing %.0f/s < 90%% of the rate (generator behind %s ms)" % (w["placed"], behind))
    if w["shipped"] < 0.9 * w["placed"]:
        why.append("shipping %.0f/s < 90%% of placing" % w["shipped"])
    if grew:
        why.append("in flight grew %d -> %d" % (mid["inflight_b"], w["inflight_b"]))
    step.update(placed_per_s=round(w["placed"], 1), shipped_per_s=round(w["shipped"], 1),
                http_per_s=round(w["http"], 1), inflight_end=int(w["inflight_b"]),
                cpu_cores=w["cpu"],
                behind_max_ms=behind, sustained=not why, why="; ".join(why))
    return step


def measure_pipeline(tmp, res, notes):
    """Double the rate until a step fails, halve it while none has passed, then bisect between
    the best sustained and the lowest failed rate until they are within 20%."""
    t_begin = time.monotonic()
    steps, rate, best, fail = [], PIPE_RATE_FIRST, None, None
    while (PIPE_RATE_MIN <= rate <= PIPE_RATE_MAX and
           time.monotonic() - t_begin < PIPE_BUDGET_S):
        st = pipeline_step(tmp, rate)
        steps.append(st)
        log("pipeline %g/s: %s" % (rate, json.dumps(st)))
        if st["sustained"]:
            best = st if best is None or st["shipped_per_s"] > best["shipped_per_s"] else best
        else:
            fail = rate if fail is None else min(fail, rate)
        if fail is None:
            rate = rate * 2
        elif best is None:
            rate = rate / 2
        elif fail - best["rate"] <= 0.2 * fail:
            break
        else:
            rate = round((best["rate"] + fail) / 2)
    res["pipeline_steps"] = steps
    if best is None:
        res["pipeline_orders_per_s"] = None
        res["pipeline_http_per_s"] = None
        notes.append("pipeline: no rate was sustained, even %g/s" % PIPE_RATE_FIRST)
        return None
    res["pipeline_orders_per_s"] = best["shipped_per_s"]
    res["pipeline_http_per_s"] = best["http_per_s"]
    notes.append("pipeline: time scale 1, %d s of load per step, %d Shopee + %d WeChat shops, "
                 "rates %s; best sustained %g/s%s" %
                 (PIPE_LOAD_S, SHOPS_PER_FLAVOR, SHOPS_PER_FLAVOR,
                  ", ".join("%g" % s["rate"] for s in steps), best["rate"],
                  "" if fail is None else ", first failed %g/s" % fail))
    return best


def level_rss(samples, base, proc, key, level):
    for s in samples:
        if s.get(key, 0) >= level and s.get("rss_" + proc) is not None:
            return round((s["rss_" + proc] - base) / s[key])
    return None


def measure_inflight(tmp, res, notes, rate_ok):
    """Orders stay in flight ~fill_s wall seconds (parcel pickup delayed), at 60% of the best
    sustained rate: the level rises for fill_s, then must hold HOLD_S seconds."""
    rate = max(PIPE_RATE_MIN, round(0.6 * rate_ok))
    # 5% over the target: the level is rate x fill_s plus the seconds to ship, minus deliveries
    fill_s = min(HOLD_FILL_S_MAX, max(10, round(1.05 * INFLIGHT_TARGET / rate)))
    load_s = PIPE_RAMP_S + fill_s + HOLD_S + 5
    sc = bench_scenario("bench-inflight", rate, load_s, [fill_s, fill_s], [1, 2])
    rc, summ, samples = run_monitored(sc, tmp, load_s + 300)  # collecting 100k orders takes a while
    t0 = load_window(samples)
    if t0 is None:
        notes.append("inflight: no load seen (exit %s)" % rc)
        return
    ta, tb = t0 + PIPE_RAMP_S + fill_s + 3, t0 + load_s - 1
    hold = [s["inflight"] for s in samples if ta <= s["t"] <= tb and "inflight" in s]
    w = window_rates(samples, ta, tb)
    if not hold or w is None:
        notes.append("inflight: the hold window has no samples (exit %s)" % rc)
        return
    lo, hi = min(hold), max(hold)
    # held: the level stayed within 15% for the whole window (shipping may lag placing a little
    # there; whether it kept 90% is recorded beside it)
    steady = hi - lo <= 0.15 * hi
    kept_up = w["shipped"] >= 0.9 * w["placed"]
    res["inflight_max_held"] = int(lo) if steady else None
    res["inflight_run"] = {"rate": rate, "fill_s": fill_s, "hold_s": round(w["seconds"], 1),
                           "inflight_min": int(lo), "inflight_max": int(hi),
                           "placed_per_s": round(w["placed"], 1),
                           "shipped_per_s": round(w["shipped"], 1), "exit": rc,
                           "shipping_kept_up": kept_up,
                           "cpu_cores": w["cpu"],
                           "behind_max_ms": summ.get("load_behind_max_ms") if summ else None}
    notes.append("inflight: %g orders/s, each in flight ~%d s (parcel pickup delay), level "
                 "%d..%d over %.0f s%s; shipped %.1f/s of %.1f/s placed" %
                 (rate, fill_s, lo, hi, w["seconds"], "" if steady else ": NOT steady",
                  w["shipped"], w["placed"]))
    syncd_rss(samples, t0, res, notes)


def syncd_rss(samples, t0, res, notes):
    """syncd's RSS growth over its pre-load RSS per order it holds open (its own /metrics), at
    10k and 100k when the in-flight run reached them, else at the highest level it reached."""
    base = [s for s in samples if s.get("rss_syncd") and "syncd_open" in s]
    held = [s for s in base if s["syncd_open"] > 0]
    if not base or not held:
        notes.append("syncd rss: no samples of syncd")
        return
    # the earliest sample (before the load or within its first second)
    b = base[0]["rss_syncd"]
    for level in RSS_LEVELS:
        res["syncd_rss_bytes_per_inflight_%dk" % (level // 1000)] = level_rss(
            samples, b, "syncd", "syncd_open", level)
    vals = [res["syncd_rss_bytes_per_inflight_%dk" % (lv // 1000)] for lv in RSS_LEVELS]
    vals = [v for v in vals if v is not None]
    top = max(held, key=lambda s: (s["syncd_open"], s["t"]))
    res["syncd_rss_peak"] = {"open_orders": int(top["syncd_open"]), "rss_bytes": top["rss_syncd"],
                             "base_bytes": b,
                             "bytes_per_open_order": round((top["rss_syncd"] - b) / top["syncd_open"])}
    res["syncd_rss_bytes_per_inflight"] = (max(vals) if vals else
                                           res["syncd_rss_peak"]["bytes_per_open_order"])
    notes.append("syncd rss: base %d KB; %s" % (b // 1024, "levels 10k/100k reached" if vals else
                 "10k not reached: figure taken at %d open orders (the in-flight run's peak)" %
                 top["syncd_open"]))


def measure_mockplat_rss(tmp, res, notes):
    """mockplat alone: distinct orders placed by wrk (bench/place.lua) in one-second slices;
    RSS growth over the empty mock per order held, at the first slice past each level."""
    path = os.path.join(tmp, "bench-rss.json")
    with open(path, "w") as f:
        json.dump(bench_scenario("bench-rss", 1, 10, [1, 2], [1, 2]), f)
    mp, port = start_server([os.path.join(BIN, "mockplat"), "--scenario", path, "--port", "0"],
                            os.path.join(tmp, "mockplat-rss.log"))
    try:
        base = rss_bytes(mp.pid)
        url = "http://127.0.0.1:%d/__sim/orders" % port
        script = os.path.join(ROOT, "bench", "place.lua")
        levels, got = list(RSS_LEVELS), {}
        for i in range(RSS_SLICES_MAX):
            env = dict(os.environ, BENCH_SEQ_BASE=str((i + 1) * 10000000))
            subprocess.run(["wrk", "-t1", "-c16", "-d1s", "-s", script, url], env=env,
                           capture_output=True, timeout=30)
            orders = scrape(port).get("mockplat_orders", 0)
            rss = rss_bytes(mp.pid)
            while levels and orders >= levels[0]:
                got[levels.pop(0)] = (orders, rss)
            if not levels:
                break
    finally:
        stop(mp)
    for level in RSS_LEVELS:
        tag = "%dk" % (level // 1000)
        if level in got:
            orders, rss = got[level]
            res["mockplat_rss_bytes_per_order_" + tag] = round((rss - base) / orders)
        else:
            res["mockplat_rss_bytes_per_order_" + tag] = None
    vals = [res["mockplat_rss_bytes_per_order_%dk" % (lv // 1000)] for lv in RSS_LEVELS]
    vals = [v for v in vals if v is not None]
    res["mockplat_rss_bytes_per_order"] = max(vals) if vals else None
    notes.append("mockplat rss: mockplat alone (empty RSS %d KB), distinct orders placed by wrk; "
                 "levels reached: %s" % (base // 1024, {k: v[0] for k, v in got.items()}))


def monthly_once(tmp, path, scale):
    """One run of monthly-stress.json at a time scale: (run record, None) or (None, why)."""
    rc, summ, _ = run_monitored(path, tmp, MONTHLY_TIMEOUT_S, interval_s=2.0,
                                extra=["--time-scale", str(scale)], name="monthly-%d" % scale)
    if summ is None or not summ.get("wall_duration_s"):
        return None, "no summary at --time-scale %d (exit %s, limit %d s)" % (
            scale, rc, MONTHLY_TIMEOUT_S)
    sim_h = summ["sim_duration_s"] / 3600.0
    failed = [t["figure"] for t in summ.get("thresholds", []) if not t.get("pass", True)]
    run = {"exit": rc, "time_scale": scale, "verdict": summ.get("verdict"),
           "failed_thresholds": failed, "sim_hours": round(sim_h, 2),
           "wall_s": summ["wall_duration_s"], "orders_placed": summ.get("orders_placed"),
           "lost_orders": summ.get("lost_orders"), "late_orders": summ.get("late_orders"),
           "load_behind_max_ms": summ.get("load_behind_max_ms"),
           "sim_hours_per_wall_minute": round(sim_h / (summ["wall_duration_s"] / 60.0), 2)}
    return run, None


def measure_monthly(tmp, res, notes):
    """monthly-stress.json at MONTHLY_SCALE; when that run fails its thresholds, once more at
    MONTHLY_SCALE_FALLBACK. The figure is the faster run that passed, else the MONTHLY_SCALE
    run with its verdict beside it."""
    path = os.path.join(ROOT, "scenarios", "monthly-stress.json")
    if not os.path.exists(path):
        res["sim_hours_per_wall_minute"] = None
        notes.append("monthly: scenarios/monthly-stress.json does not exist yet: skipped")
        return
    runs = []
    for scale in (MONTHLY_SCALE, MONTHLY_SCALE_FALLBACK):
        run, why = monthly_once(tmp, path, scale)
        if run is None:
            notes.append("monthly: " + why)
            continue
        runs.append(run)
        notes.append("monthly: --time-scale %d: %.1f sim-hours in %.1f wall s = %.2f per wall "
                     "minute, verdict %s%s (lost %s, late %s, generator behind at most %s sim ms)"
                     % (scale, run["sim_hours"], run["wall_s"], run["sim_hours_per_wall_minute"],
                        run["verdict"], ": " + ", ".join(run["failed_thresholds"])
                        if run["failed_thresholds"] else "", run["lost_orders"],
                        run["late_orders"], run["load_behind_max_ms"]))
        if run["verdict"] == "pass":
            break
    res["monthly_runs"] = runs
    if not runs:
        res["sim_hours_per_wall_minute"] = None
        return
    passed = [r for r in runs if r["verdict"] == "pass"]
    best = passed[0] if passed else runs[0]
    res["monthly_run"] = best
    res["sim_hours_per_wall_minute"] = best["sim_hours_per_wall_minute"]


# --- report ----------------------------------------------------------------------------------

def git_revision():
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except OSError:
        return None


def print_table(res):
    print("%-32s %14s   %-10s %s" % ("figure", "value", "target", "met"))
    for key in ("pipeline_orders_per_s", "pipeline_http_per_s", "inflight_max_held",
                "loadgen_vs_wrk", "mockplat_vs_nginx", "syncd_rss_bytes_per_inflight",
                "mockplat_rss_bytes_per_order", "sim_hours_per_wall_minute",
                "wrk_mockplat_per_s", "loadgen_http_per_s", "nginx_per_s"):
        v = res.get(key)
        op, goal = TARGETS.get(key, ("", None))
        if key == "pipeline_http_per_s" and res.get("wrk_mockplat_per_s"):
            op, goal = ">=", round(res["wrk_mockplat_per_s"] / 2)
        met = ""
        if v is not None and goal is not None:
            met = "yes" if (v >= goal if op == ">=" else v <= goal) else "NO"
        if key == "sim_hours_per_wall_minute" and res.get("monthly_run", {}).get("verdict") == "fail":
            met = "NO (the run failed its thresholds)"
        shown = "-" if v is None else ("%.3f" % v if isinstance(v, float) and v < 100 else
                                        "%.0f" % v)
        print("%-32s %14s   %-10s %s" % (key, shown, "%s %s" % (op, goal) if goal else "", met))


def main():
    # run folders of this benchmark (ignored output, replaced each time); nginx's own files go
    # to a private temp dir removed at the end
    tmp = os.path.join(OUT, "runs")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    ngx = tempfile.mkdtemp(prefix="shipsim-bench-nginx-")
    res = {"cores": os.cpu_count(), "git_revision": git_revision(),
           "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "quick": QUICK}
    notes = []
    t0 = time.monotonic()
    want = lambda part: not ONLY or part in ONLY
    try:
        if want("http"):
            measure_http(ngx, res, notes)
        best = measure_pipeline(tmp, res, notes) if want("pipeline") else None
        if want("inflight"):
            rate_ok = best["rate"] if best else float(os.environ.get("BENCH_RATE", "500"))
            measure_inflight(tmp, res, notes, rate_ok)
        if want("rss"):
            measure_mockplat_rss(ngx, res, notes)
        if want("monthly"):
            measure_monthly(tmp, res, notes)
    finally:
        res["wall_s"] = round(time.monotonic() - t0, 1)
        res["notes"] = notes
        res["runs"] = os.path.relpath(tmp, ROOT)
        shutil.rmtree(ngx, ignore_errors=True)
        with open(os.path.join(OUT, "bench.json"), "w") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
    print_table(res)
    for n in notes:
        print("  - " + n)
    print("bench: %s (%.0f s; run folders in %s)" % (os.path.join(OUT, "bench.json"),
                                                      res["wall_s"], tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
