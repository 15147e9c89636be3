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
    script = LONG_CALL + textwrap.dedent("""
    import sys, time
    print("started", flush=True)
    start = time.monotonic()
    try:
        tb.gradient("rtrl", net, batch)
        print("finished without an interrupt", flush=True)
    except KeyboardInterrupt:
        print(f"interrupted after {time.monotonic() - start:.2f} s", flush=True)
    g = tb.gradient("bptt", net, batch)
    print("works again", g.shape, flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=os.environ)
    assert child.stdout.readline().strip() == "started"
    time.sleep(1.0)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    stopped_within = time.monotonic() - sent
    assert "interrupted after" in out, out + err
    assert "works again" in out, out + err
    assert stopped_within < 10, stopped_within


def test_long_calls_release_the_gil():
    net = tb.Network("add-v0", hidden=48, precision="double")
    batch = net.task.sample(4, seed=1)
    done = threading.Event()
    ticks = [0]

    def work():
        tb.gradient("rtrl", net, batch)
        done.set()

    thread = threading.Thread(target=work)
    thread.start()
    while not done.is_set():  # Python keeps running beside the C++ call
        ticks[0] += 1
        time.sleep(0.001)
    thread.join()
    assert ticks[0] > 10
