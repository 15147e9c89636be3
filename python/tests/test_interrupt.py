"""Long calls release the GIL, and Ctrl-C (SIGINT) stops them with KeyboardInterrupt within one
step of the network, after which the module works as before."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import tcabench as tb

# RTRL at n = 96 on one window of 5000 steps: about a minute of work, each step milliseconds.
LONG_CALL = """
import tcabench as tb
net = tb.Network(tb.make("add-v0", T=5000), hidden=96, precision="double")
batch = net.task.sample(8, seed=1)
"""


def test_ctrl_c_raises_keyboard_interrupt_and_the_module_still_works():
    # Meanwhile a worker thread runs calls of its own: Ctrl-C stops the main thread's call only,
    # and Python's own SIGINT handler is back after the call.
    script = LONG_CALL + textwrap.dedent("""
    import signal, sys, threading, time
    worker_calls = []
    def work():
        small = tb.Network(tb.make("add-v0", T=30), hidden=16, precision="double")
        small_batch = small.task.sample(4, seed=2)
        for _ in range(30):
            tb.gradient("rtrl", small, small_batch)
            worker_calls.append(1)
    worker = threading.Thread(target=work)
    worker.start()
    print("started", flush=True)
    start = time.monotonic()
    try:
        tb.gradient("rtrl", net, batch)
        print("finished without an interrupt", flush=True)
    except KeyboardInterrupt:
        print(f"interrupted after {time.monotonic() - start:.2f} s", flush=True)
    print("handler restored:", signal.getsignal(signal.SIGINT) is signal.default_int_handler, flush=True)
    worker.join()
    print("worker calls:", len(worker_calls), flush=True)
    g = tb.gradient("bptt", net, batch)
    print("works again", g.shape, flush=True)
    """)
    # One BLAS thread: on a machine whose cores are busy, OpenBLAS's threads wait for each other
    # and the worker's calls would take minutes.
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert child.stdout.readline().strip() == "started"
    time.sleep(1.0)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert "interrupted after" in out, out + err
    assert "handler restored: True" in out, out + err
    assert "worker calls: 30" in out, out + err
    assert "works again" in out, out + err
    interrupted_after = float(out.split("interrupted after ")[1].split()[0])
    assert interrupted_after < 10, out


def test_long_calls_release_the_gil():
    net = tb.Network("add-v0", hidden=48, precision="double")
    batch = net.task.sample(4, seed=1)
    span = []
    ticks = []

    def work():
        span.append(time.monotonic())
        tb.gradient("rtrl", net, batch)
        span.append(time.monotonic())

    thread = threading.Thread(target=work)
    thread.start()
    while thread.is_alive():  # Python keeps running beside the C++ call
        ticks.append(time.monotonic())
        time.sleep(0.001)
    thread.join()
    during = [t for t in ticks if span[0] < t < span[1]]
    assert span[1] - span[0] > 0.02, "the call is long enough to tell"
    assert len(during) > 5
