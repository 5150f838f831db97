#!/usr/bin/env python3
"""Rewrites a model file in place, in a tight loop, the way a user saving a
retrained model over the old one or a package update does: the file is
truncated and written again (open(..., "wb"), as cp does), never replaced
by a rename.  The crash-safety tests run the op against it.

    rewrite-model.py TARGET SECONDS MODEL_A MODEL_B READY_FILE [STOP_FILE]

MODEL_A and MODEL_B are two valid models of different sizes.  Each round:
B written whole and left a moment; then shrunk in place to a third
(ftruncate, no rewrite); A written whole; B's first half alone, as a copy
cut short.  So the file is now and then shorter than what a loader saw a
moment before.
Writes READY_FILE once the first rewrite is done; stops after SECONDS, at
SIGTERM or once STOP_FILE exists, leaving MODEL_A whole in TARGET (then
writes STOP_FILE.done), and prints how many rewrites it made.
"""
import os
import signal
import sys
import time

target, seconds, model_a, model_b, ready = sys.argv[1:6]
stop_file = sys.argv[6] if len(sys.argv) > 6 else None
deadline = time.monotonic() + float(seconds)
a = open(model_a, "rb").read()
b = open(model_b, "rb").read()
assert len(a) != len(b), "the two models should differ in size"


def stop(signum, frame):
    raise SystemExit(0)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)


def write(data):
    with open(target, "wb") as f:  # O_TRUNC, then the bytes
        f.write(data)


count = 0
try:
    write(a)
    with open(ready, "w") as f:
        f.write("ready\n")
    while time.monotonic() < deadline and not (stop_file and os.path.exists(stop_file)):
        write(b)
        count += 1
        time.sleep(0.002)  # whole for a moment: loaders start reading it
        os.truncate(target, len(b) // 3)  # shrunk in place under them
        count += 1
        write(a)
        count += 1
        time.sleep(0.001)
        write(b[: len(b) // 2])  # a partial copy, left so for a moment
        count += 1
        time.sleep(0.0005)
finally:
    try:
        write(a)  # leave a whole model behind
        if stop_file:
            open(stop_file + ".done", "w").close()
    except OSError:
        pass
    print(f"rewrite-model: {count} rewrites of {target}", flush=True)
