#!/usr/bin/env python3
"""Runs issue 5's target commands and says which targets this machine met.

    scripts/bench-targets.py [--runs N] [--server-bin PATH] [--bench PATH] [--out DIR] [--only NAME ...] [--floor]

Each target is one `natter-bench` command (the ones BENCHMARKS.md records),
run --runs times (1) against a fresh server each time; the JSON reports are
kept in --out (a temporary directory unless given). It prints the machine
line and one Markdown table row per target: the figure of each run, and
"met" when every run met it, "met k of N" or "missed". A run that lost,
duplicated or failed anything misses its target whatever its figures.
About three minutes a round. With --floor it then runs
`natter-bench floor` (no server: the kernel alone writing each delivery with
its own `send`) in the shape of the three live fan-out targets, which is
what bounds them on a slow host (docs/benchmarks.md). Binaries default to target/release (build them
with `cargo build --release -p natter -p natter-bench`).

The host decides most of these figures (BENCHMARKS.md, rounds 6 to 8: the
same binary on three hosts of this VM kind differed by 2-3x), so compare
rounds only with the machine line, and A/B changes by alternating runs.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

KIB_PER_MB = 1_000_000 / 1024


def p99(summary):
    return summary["p99_ms"]


# name, target as stated, natter-bench arguments, figure(report) -> (text, met)
TARGETS = [
    (
        "fanout-1k-200",
        "fanout 1k × 200 msg/s: p99 ≤ 10 ms",
        "fanout --clients 1000 --senders 1 --rate 200 --duration 30 --workers 2",
        lambda r: (
            f"p99 {p99(r['deliveries']['latency']):.1f} ms",
            p99(r["deliveries"]["latency"]) <= 10,
        ),
    ),
    (
        "fanout-500k",
        "≥ 500k deliveries/s at p99 ≤ 50 ms",
        "fanout --clients 1000 --senders 2 --rate 500 --duration 15 --workers 2",
        lambda r: (
            f"{r['deliveries']['per_sec'] / 1000:.0f}k/s at p99 "
            f"{p99(r['deliveries']['latency']):.1f} ms",
            r["deliveries"]["per_sec"] >= 0.99 * 500_000
            and p99(r["deliveries"]["latency"]) <= 50,
        ),
    ),
    (
        "fanout-10k",
        "fanout 10k: all received p99 ≤ 30 ms",
        "fanout --clients 10000 --rate 5 --duration 15 --workers 2",
        lambda r: (
            f"all received p99 {p99(r['deliveries']['all_received']):.1f} ms",
            p99(r["deliveries"]["all_received"]) <= 30,
        ),
    ),
    (
        "idle-19k",
        "idle 19k: ≤ 4 KiB/conn, ≥ 10,000 connects/s",
        "idle --clients 19000 --rooms 100 --duration 5",
        lambda r: (
            f"{r['memory']['per_connection_bytes'] / 1024:.2f} KiB, "
            f"{r['connect']['per_sec']:,.0f}/s",
            r["memory"]["per_connection_bytes"] <= 4096
            and r["connect"]["per_sec"] >= 10_000,
        ),
    ),
    (
        "rooms",
        "rooms 18k / 1,000 / 1,000 msg/s: p99 ≤ 15 ms",
        "rooms --clients 18000 --rooms 1000 --senders 4 --rate 1000 --duration 15 --workers 2",
        lambda r: (
            f"p99 {p99(r['deliveries']['latency']):.1f} ms",
            p99(r["deliveries"]["latency"]) <= 15,
        ),
    ),
    (
        "send-http",
        "send HTTP ≥ 30,000/s",
        "send --via http --clients 256 --duration 10",
        lambda r: (f"{r['sends']['per_sec']:,.0f}/s", r["sends"]["per_sec"] >= 30_000),
    ),
    (
        "send-ws",
        "send WS ≥ 50,000/s",
        "send --via ws --clients 32 --duration 10",
        lambda r: (f"{r['sends']['per_sec']:,.0f}/s", r["sends"]["per_sec"] >= 50_000),
    ),
    (
        "history",
        "history ≥ 20,000 pages/s",
        "history --clients 64 --fill 5000 --duration 10",
        lambda r: (
            f"{r['history']['per_sec']:,.0f}/s",
            r["history"]["per_sec"] >= 20_000,
        ),
    ),
    (
        "resume-10k",
        "resume 10k: all caught up ≤ 3 s",
        "resume --clients 10000 --rooms 100 --rate 200 --duration 9 --away 1 --workers 2",
        lambda r: (
            f"caught up by {r['resume']['caught_up']['max_ms'] / 1000:.2f} s",
            r["resume"]["not_caught_up"] == 0
            and r["resume"]["caught_up"]["max_ms"] <= 3000,
        ),
    ),
]


# The kernel alone, in the shape of the fan-out targets (300 bytes is a
# natter event frame with a 64-byte body).
FLOORS = [
    ("fanout 1k × 200", "floor --clients 1000 --rate 200 --duration 10 --size 300 --workers 2 --writers 2"),
    ("fanout 10k × 5", "floor --clients 10000 --rate 5 --duration 10 --size 300 --workers 2 --writers 2"),
    ("rooms 18k (90k/s)", "floor --clients 18000 --rate 5 --duration 10 --size 300 --workers 2 --writers 2"),
]


def floor_row(case, command, report):
    kept = "kept the rate" if report["kept_rate"] else f"fell behind by up to {report['late_max_ms']:.0f} ms"
    return (
        f"| {case} | `{command}` | {report['writer_us_per_send']:.2f} / "
        f"{report['reader_us_per_delivery']:.2f} µs | p99 {p99(report['latency']):.1f} ms, all received "
        f"p99 {p99(report['all_received']):.1f} ms | {kept} |"
    )


def run_json(argv, path):
    """Runs one natter-bench command; its JSON report, or None and why."""
    print(f"bench-targets: {' '.join(argv)}", file=sys.stderr, flush=True)
    # A report left in --out by an earlier round must not stand in for a
    # run that fails now.
    if os.path.exists(path):
        os.remove(path)
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if not os.path.exists(path):
        return None, done.stderr.strip()[-200:]
    with open(path) as f:
        return json.load(f), None


def startup_row(starts):
    """Every run's start-up: ready ≤ 100 ms, idle RSS ≤ 15 MB."""
    ready = [s["ready_ms"] for s in starts]
    rss = [s["idle_rss_kib"] / 1024 for s in starts]
    met = [s["ready_ms"] <= 100 and s["idle_rss_kib"] <= 15 * KIB_PER_MB for s in starts]

    def span(values, unit):
        low, high = f"{min(values):.1f}", f"{max(values):.1f}"
        return f"{low} {unit}" if low == high else f"{low}–{high} {unit}"

    figures = f"ready {span(ready, 'ms')}; idle RSS {span(rss, 'MiB')}"
    return (
        f"| start-up ≤ 100 ms; idle RSS ≤ 15 MB | every run's `server start` line | {figures} "
        f"| {verdict(met)} |"
    )


def verdict(oks):
    met = sum(oks)
    if met == len(oks):
        return "**met**"
    return f"met {met} of {len(oks)}" if met else "missed"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--server-bin", default="target/release/natter")
    parser.add_argument("--bench", default="target/release/natter-bench")
    parser.add_argument("--out", default=None)
    parser.add_argument("--floor", action="store_true", help="also run the kernel's floor under the fan-out targets")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="only these: " + ", ".join(t[0] for t in TARGETS)
    )
    args = parser.parse_args()
    for path in (args.server_bin, args.bench):
        if not os.access(path, os.X_OK):
            sys.exit(f"bench-targets: {path} is not an executable; build it first")
    unknown = set(args.only or []) - {t[0] for t in TARGETS}
    if unknown:
        sys.exit(f"bench-targets: no target named {', '.join(sorted(unknown))}")
    out = args.out or tempfile.mkdtemp(prefix="bench-targets-")
    os.makedirs(out, exist_ok=True)

    rows, starts, machine = [], [], None
    for name, stated, command, figure in TARGETS:
        if args.only and name not in args.only:
            continue
        results = []
        for run in range(1, args.runs + 1):
            path = os.path.join(out, f"{name}-{run}.json")
            argv = [args.bench, *command.split(), "--server-bin", args.server_bin, "--json", path]
            report, why = run_json(argv, path)
            if report is None:
                results.append((f"failed: {why}", False))
                continue
            machine = machine or report["machine"]
            try:
                text, met = figure(report)
            except (KeyError, TypeError):
                # A run that ended early has no such section: no figure, missed.
                text, met = "no figure (the run ended early)", False
            if not report["ok"]:
                text, met = f"{text}, not clean (lost, duplicated or errors)", False
            results.append((text, met))
            starts.append(report["server"]["startup"])
        figures = " / ".join(text for text, _ in results)
        rows.append(f"| {stated} | `{command}` | {figures} | {verdict([ok for _, ok in results])} |")
    if starts:
        rows.append(startup_row(starts))

    if machine:
        print(f"machine: {machine['nproc']} cores, {machine['cpu']}, kernel {machine['kernel']}")
    print(f"reports: {out}\n")
    print("| target | command (`natter-bench … --server-bin …`) | measured | verdict |")
    print("|---|---|---|---|")
    print("\n".join(rows))

    if args.floor:
        print("\n| the kernel alone, shaped as | command (`natter-bench …`) | writers / readers CPU per frame | latency | writers |")
        print("|---|---|---|---|---|")
        for i, (case, command) in enumerate(FLOORS):
            path = os.path.join(out, f"floor-{i}.json")
            report, why = run_json([args.bench, *command.split(), "--json", path], path)
            print(floor_row(case, command, report) if report else f"| {case} | `{command}` | failed: {why} | | |")


if __name__ == "__main__":
    main()
