#!/usr/bin/env python3
"""CPU time of every thread of every dotnet process a command starts, by thread name.

Usage: python3 bench/thread_cpu.py mpiexec.mpich -n 2 dotnet artifacts/heat2d/Deisa.Heat2D.dll --config heat.yml --no-progress

Samples /proc/<pid>/task/*/stat every 20 ms while the command runs and prints, per process, each thread's last
user and system time: which threads of an analytics rank take CPU while the simulation computes, and how much.
A thread that ends between two samples loses up to 20 ms of its time; the process totals are a lower bound.
"""
import collections
import os
import subprocess
import sys
import time


def descendants(root):
    parents = collections.defaultdict(list)
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open(f'/proc/{entry}/stat') as f:
                    stat = f.read()
                parents[int(stat[stat.rindex(')') + 2:].split()[1])].append(int(entry))
            except OSError:
                pass
    found, todo = [], [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    job = subprocess.Popen(sys.argv[1:])
    ticks = os.sysconf('SC_CLK_TCK')
    threads = {}
    while job.poll() is None:
        for pid in descendants(job.pid):
            try:
                if b'dotnet' not in open(f'/proc/{pid}/cmdline', 'rb').read():
                    continue
                for tid in os.listdir(f'/proc/{pid}/task'):
                    with open(f'/proc/{pid}/task/{tid}/stat') as f:
                        stat = f.read()
                    name = stat[stat.index('(') + 1:stat.rindex(')')]
                    fields = stat[stat.rindex(')') + 2:].split()
                    threads[(pid, int(tid))] = (name, int(fields[11]), int(fields[12]))
            except OSError:
                pass
        time.sleep(0.02)
    per_process = collections.defaultdict(list)
    for (pid, _), (name, user, system) in threads.items():
        per_process[pid].append((user + system, name, user, system))
    for pid, rows in sorted(per_process.items()):
        rows.sort(reverse=True)
        print(f'process {pid}: {sum(r[0] for r in rows) / ticks:.2f} s CPU')
        for total, name, user, system in rows:
            if total > 0:
                print(f'  {name:18s} user {user / ticks:6.2f} s  system {system / ticks:6.2f} s')
    sys.exit(job.returncode)


if __name__ == '__main__':
    main()
