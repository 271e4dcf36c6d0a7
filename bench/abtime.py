"""Interleaved A/B timing of two commands: runs A, B, B, A, A, B, … (the
order flips every pair, so neither gains from always running second, which
on this machine alone is worth up to 0.14 ms: an A/A run showed it) and the
machine's drift lands on both equally, then prints the medians (ms) and the
median of the per-pair differences.

Usage: python3 bench/abtime.py RUNS ::: A ARGS… ::: B ARGS…
(`:::` separates, so the commands may contain `--`.)
"""
import os
import statistics
import sys
import time


DEVNULL = os.open(os.devnull, os.O_WRONLY)


def once(argv):
    start = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, DEVNULL, 1)])
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter_ns() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed")
    return elapsed / 1e6


def main():
    runs = int(sys.argv[1])
    rest = sys.argv[3:]
    split = rest.index(":::")
    a, b = rest[:split], rest[split + 1 :]
    for _ in range(max(10, runs // 10)):  # warm-up
        once(a), once(b)
    ta, tb = [], []
    for i in range(runs):
        if i % 2 == 0:
            ta.append(once(a))
            tb.append(once(b))
        else:
            tb.append(once(b))
            ta.append(once(a))
    diffs = [y - x for x, y in zip(ta, tb)]
    print(f"{statistics.median(ta):.3f} {statistics.median(tb):.3f} {statistics.median(diffs):.3f}")


if __name__ == "__main__":
    main()
