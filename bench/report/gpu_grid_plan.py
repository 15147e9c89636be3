#!/usr/bin/env python3
"""The arithmetic of docs/performance.md, "Plan: the default grid on one GPU".

Prints the FLOPs and bytes of suites/default.json by part, the floors on an H200 and an H100,
the launch counts, and the time of each scenario of the plan's section 4. The FLOP formulas are
the rules' flops_per_step() (algorithms/*.cpp), written out here; their total agrees with what
`tcabench suite --config suites/default.json --list` prints (4.1e+07 GFLOP). The launch counts per
step were read from the source (RateRnn::advance, RateRule::step and each rule's step). The device
rates and the costs of a launch, a host copy and a window's fixed work are assumptions, named where
they are used. No GPU was involved.

    python3 bench/report/gpu_grid_plan.py
"""
tasks = {"dnms-v1": (2, 2, 39), "path_integration-v0": (4, 2, 100), "copy-v0": (10, 9, 40), "add-v0": (1, 2, 100)}
Ns = [32, 64, 128]; B = 16; I = 1000; RUNS = 15; EVALW = 12; EB = 512
def fwd(n, k, o): return 2*n*k + 2*o*(n+1) + 2*o*n + 10*n   # network step incl. readout and c (perturbation rules' own 'forward')
def rules(n, m, o):
    k = n + m + 1; nk = n*k; f = fwd(n, k, o)
    bptt = 2*n*k + 2*n*n + 4*n
    lt = 3*n*k + n + 2*n*k + 3*n
    r = {
     "bptt": bptt, "tbptt": bptt, "random_gradient": bptt, "readout_only": 0,
     "rtrl": 2*(n+1)*n*nk + 4*n*n + 3*nk + 3*n + 2*nk,
     "uoro": 2*n*n+4*n + 2*n + 2*n*k + 2*(3*n+k) + 3*n + 3*n*k + 2*n + 2*n*k,
     "kf_rtrl": n*n+n + 2*n**3 + 2*n*n + 2*n+1 + 4*k + 3*k + n*n+2*n + 2*n*n + 2*n*k,
     "rkf_rtrl": 2*n + n*n+n + 2*n*n*k + 2*n*k + 6*n+2*k + 3*n + 3*n*k + 4*n*k,
     "snap1": lt, "eprop": lt, "eprop-random": lt + 2*n*o, "rflo": lt + 2*n*o,
     "kernl": 3*n*k + 2*n*n + 2*n*k + 2*n*n + 6*n*n + 20*n,
     "dni": 2*n*(n+o+1) + 2*n*k + 2*n + 2*n*(n+o+1)*3 + 2*n*n + 6*n,
     "dni-local": 2*n*(n+o+1) + 2*n*k + 2*n + 2*n*(n+o+1)*3 + 2*n*n + 6*n + 4*n*n + n,
     "node_perturbation": 2*f + 2*n*k + 2*n, "weight_perturbation": 2*f,
     "miconi": f + 6*n + 2*k + 2*n*k + n}
    return r, f, k
stoch = {"uoro","kf_rtrl","rkf_rtrl","node_perturbation","weight_perturbation","miconi","random_gradient"}
adapt = {"kernl","dni","dni-local","miconi"}
tot = {}; rtrl_by_n = {n: 0.0 for n in Ns}; rtrl_bytes = {n: 0.0 for n in Ns}; rule_listflops = 0.0
steps = 0
for t, (m, o, T) in tasks.items():
    for n in Ns:
        r, f, k = rules(n, m, o)
        nk = n*k
        for name, fr in r.items():
            seqsteps = RUNS*I*B*T
            steps += RUNS*I*T
            tr_rule = fr*seqsteps
            tr_fwd = (f + 2*o*(n+1))*seqsteps            # forward + readout gradient (RateRule::step)
            ev = RUNS*EVALW*EB*T*f
            pw = 2*((64 if name in stoch else 1) + (100 if name in adapt else 0))
            pr = pw*B*T*(fr + f + 2*o*(n+1))
            exact = 534*B*T*(f + 2*o*(n+1) + 2*n*k + 2*n*n + 4*n)   # BPTT in double, CPU
            rule_listflops += tr_rule + pw*B*T*fr
            key = "rtrl" if name == "rtrl" else "other"
            for part, v in (("train_rule_"+key, tr_rule), ("train_fwd", tr_fwd), ("eval", ev), ("probe_rule", pr), ("probe_exact_f64", exact)):
                tot[part] = tot.get(part, 0) + v
            if name == "rtrl":
                rtrl_by_n[n] += tr_rule
                rtrl_bytes[n] += RUNS*I*T*B*(2*n+1)*nk*4   # read n rows of M, write n+1 rows, per step
print("rule FLOPs as suite --list counts them: %.3g" % rule_listflops)
for kk, v in tot.items(): print("%-22s %.4g FLOP" % (kk, v))
print("grand %.4g" % sum(tot.values()))
for n in Ns: print("rtrl n=%d: %.4g FLOP, %.4g bytes, intensity %.1f" % (n, rtrl_by_n[n], rtrl_bytes[n], rtrl_by_n[n]/rtrl_bytes[n]))
print("sequential steps (launch sequences) in training:", steps)

# ---- launch counts per step (forward 7 + readout gradient 1 + the rule's ops per step, counted in the source) ----
# The trace rules' fused op is two kernels on the GPU; eprop-random (and rflo, whose feedback is
# random by default) add the feedback product L = e B_fb^T.
L = {"readout_only": 8, "bptt": 16, "tbptt": 16, "random_gradient": 16, "rtrl": 15, "uoro": 22, "kf_rtrl": 19,
     "rkf_rtrl": 21, "snap1": 11, "eprop": 11, "eprop-random": 12, "rflo": 12, "kernl": 26, "dni": 23,
     "dni-local": 26, "node_perturbation": 19, "weight_perturbation": 22, "miconi": 27}
SYNC = {"node_perturbation": 2, "miconi": 1, "kernl": 1}   # pageable host-to-device copies per step (Tensor::from_host)
print("launches per step, sum over 18 rows:", sum(L.values()), "mean %.1f" % (sum(L.values())/18))
seq_steps_per_rule = 3*RUNS*I*sum(T for (_, _, T) in tasks.values())
print("sequential steps per rule row (E=1):", seq_steps_per_rule, " total launches (E=1): %.4g" % (seq_steps_per_rule*sum(L.values())))
# Precomputed windows (RateRnn::precompute_window): the network's 7 launches leave every step and
# about 10 come per window (copy of a_{-1}, the recurrence, 2 presynaptic builds, 3 products, a fill,
# the output error, the sum over steps), spread over the mean training window's T steps.
WINDOW_LAUNCHES, NETWORK_PER_STEP = 10, 7
mean_T = sum(T for (_, _, T) in tasks.values()) / len(tasks)
per_step_precomputed = sum(L.values()) - len(L) * NETWORK_PER_STEP + len(L) * WINDOW_LAUNCHES / mean_T
launches_precomputed = seq_steps_per_rule * per_step_precomputed
print("precomputed windows: %d - %d + %.1f = %.1f launches per step over the rows (mean T %.1f); %.4g launches,"
      " %.2f h at 4 us; runs side by side on 15 streams, if launches overlap 15-fold: %.1f min"
      % (sum(L.values()), len(L) * NETWORK_PER_STEP, len(L) * WINDOW_LAUNCHES / mean_T, per_step_precomputed, mean_T,
         launches_precomputed, launches_precomputed * 4e-6 / 3600, launches_precomputed * 4e-6 / 15 / 60))
# The largest precomputed window: an evaluation batch of 512 on path_integration-v0 at n = 128.
n_, (m_, o_, T_) = 128, tasks["path_integration-v0"]
print("largest precomputed window: %.0f MB" % (T_ * 512 * (5 * n_ + (n_ + m_ + 1) + 2 * o_ + 1) * 4 / 1e6))
FP32 = 66.9e12
def total(E, c, eff, bw, tf32=False, sync_cost=15e-6, win_cost=50e-6):
    t_launch_only = 0; t = 0; t_rtrl = {n: 0 for n in Ns}
    for tk, (m, o, T) in tasks.items():
        for n in Ns:
            r, f, k = rules(n, m, o); nk = n*k
            for name, fr in r.items():
                steps = (RUNS/E)*I*T            # sequential steps of the cell
                per_step_launch = L[name]*c + SYNC.get(name, 0)*sync_cost
                work = E*B*(fr + f + 2*o*(n+1))
                rate = (494.7e12 if (tf32 and name == "rtrl") else FP32)*(eff if name == "rtrl" else 1.0)
                flop_t = work/rate
                byte_t = (E*B*(2*n+1)*nk*4/bw) if name == "rtrl" else 0
                st = steps*max(per_step_launch, flop_t, byte_t) + (RUNS/E)*I*win_cost
                t += st; t_launch_only += steps*per_step_launch
                if name == "rtrl": t_rtrl[n] += st
    return t, t_launch_only, t_rtrl
for E in (1, 15):
    for c in (3e-6, 4e-6, 5e-6):
        t, tl, tr = total(E, c, 0.7, 4.3e12)
        print("E=%2d c=%.0fus: training %.0f s = %.1f min (launch-only %.0f s); rtrl n=32/64/128: %.0f/%.0f/%.0f s" % (E, c*1e6, t, t/60, tl, tr[32], tr[64], tr[128]))
for eff in (1.0, 0.7, 0.5):
    t, tl, tr = total(15, 4e-6, eff, 4.3e12)
    print("E=15 c=4us rtrl eff %.0f%%: %.0f s = %.1f min, rtrl128 %.0f s" % (eff*100, t, t/60, tr[128]))
t, tl, tr = total(15, 4e-6, 0.8, 4.3e12, tf32=True); print("E=15 c=4 TF32 (80%% of peak): %.1f min rtrl128 %.0f s" % (t/60, tr[128]))
t, tl, tr = total(15, 1e-6, 0.7, 4.3e12, sync_cost=15e-6); print("E=15 c=1us (graphs): %.1f min, rtrl128 %.0f s rtrl64 %.0f" % (t/60, tr[128], tr[64]))
t, tl, tr = total(15, 4e-6, 0.7, 3.35e12); print("H100 E=15 c=4: %.1f min rtrl128 %.0f" % (t/60, tr[128]))
t, tl, tr = total(1, 4e-6, 0.7, 3.35e12); print("H100 E=1 c=4: %.1f min" % (t/60))
# eval and probe launches
ev_l = sum(RUNS*EVALW*T*7 for (_, _, T) in tasks.values())*18*3
print("eval launches (E=1): %.4g -> %.0f s at 4us; /15 with ensembles: %.0f s" % (ev_l, ev_l*4e-6, ev_l*4e-6/15))
pl = 0
for name in L:
    pw = 2*((64 if name in stoch else 1) + (100 if name in adapt else 0))
    pl += pw*L[name]*sum(T for (_, _, T) in tasks.values())*3
print("probe rule-window launches: %.4g -> %.0f s at 4us" % (pl, pl*4e-6))
exact_steps = 534*18*3*sum(T for (_, _, T) in tasks.values())
# per-rule FLOP totals for other rules
per = {}
for tk, (m, o, T) in tasks.items():
    for n in Ns:
        r, f, k = rules(n, m, o)
        for name, fr in r.items(): per[name] = per.get(name, 0) + fr*RUNS*I*B*T
for name, v in sorted(per.items(), key=lambda x: -x[1]): print("  %-20s %.3g" % (name, v))

print("---- scenarios ----")
Tsum = sum(T for (_, _, T) in tasks.values())
def probe_launch(c, batch_samples=False):
    s = a = d = 0
    for name in L:
        st = 2*(64 if name in stoch else 1); ad = 2*(100 if name in adapt else 0)
        if batch_samples: st = 2
        s += st*L[name]*Tsum*3*c; a += ad*L[name]*Tsum*3*c
    return s, a
print("probe launch split at 4us (samples, adaptation):", ["%.0f" % x for x in probe_launch(4e-6)])
EXACT_CPU = 3.33e11/3.7e9 + 1.19e12/8.8e9 + 4.49e12/7.9e9
print("exact reference on one CPU core at the measured rates: %.0f s; deduplicated %.0f s" % (EXACT_CPU, EXACT_CPU/18))
def scen(label, E, c, eff, tf32=False, dedup=False, batch_samples=False, bw=4.3e12):
    tr, _, trr = total(E, c, eff, bw, tf32=tf32)
    ev = ev_l*c/E
    ps, pa = probe_launch(c, batch_samples)
    ex = EXACT_CPU/(18 if dedup else 1)
    t = tr + ev + ps + pa + ex
    print("%-55s train %5.0f (rtrl128 %4.0f) eval %3.0f probe %4.0f exact %4.0f  total %5.0f s = %5.1f min" % (label, tr, trr[128], ev, ps+pa, ex, t, t/60))
scen("A as coded, E=1, c=4us, rtrl 70%", 1, 4e-6, 0.7)
scen("B E=15, c=4us, rtrl 70%", 15, 4e-6, 0.7)
scen("C B + exact ref once per (task,n) + samples batched", 15, 4e-6, 0.7, dedup=True, batch_samples=True)
scen("C' same at c=3us", 15, 3e-6, 0.7, dedup=True, batch_samples=True)
scen("C'' same at c=5us", 15, 5e-6, 0.7, dedup=True, batch_samples=True)
scen("C90 C with rtrl at 90%", 15, 4e-6, 0.9, dedup=True, batch_samples=True)
scen("D C + graphs c=1us", 15, 1e-6, 0.7, dedup=True, batch_samples=True)
scen("E C + TF32 rtrl (80% of TF32 peak)", 15, 4e-6, 0.8, tf32=True, dedup=True, batch_samples=True)
scen("C on H100 (3.35 TB/s)", 15, 4e-6, 0.7, dedup=True, batch_samples=True, bw=3.35e12)
scen("E on H100 (3.35 TB/s)", 15, 4e-6, 0.8, tf32=True, dedup=True, batch_samples=True, bw=3.35e12)

# ---- bytes of the rules other than RTRL, and of the forward passes ----
def state(name, n, m, o, T, Bb=16):
    k=n+m+1; nk=n*k; f=4
    s = {"rtrl": (2*Bb*(n+1)*nk + Bb*(n+1)*n + 2*Bb*n)*f,
         "bptt": (Bb*(k+2*n)*T + 2*Bb*n)*f, "tbptt": (Bb*(k+2*n)*T + 2*Bb*n)*f, "random_gradient": (Bb*(k+2*n)*T + 2*Bb*n)*f,
         "readout_only": 0, "uoro": Bb*((nk+4*n)*f+8),
         "kf_rtrl": Bb*(k+3*n*n+2+n)*f, "rkf_rtrl": Bb*(2*n*k+3*n+n*n+k)*f,
         "snap1": (Bb*nk+Bb*n)*f, "eprop": (Bb*nk+Bb*n)*f, "eprop-random": (Bb*nk+2*Bb*n+n*o)*f, "rflo": (Bb*nk+2*Bb*n+n*o)*f,
         "kernl": (Bb*nk+11*Bb*n+n*n)*f, "dni": (2*n*(n+o+1)+2*Bb*(n+o+1)+4*Bb*n)*f, "dni-local": (2*n*(n+o+1)+n*n+2*Bb*(n+o+1)+4*Bb*n)*f,
         "node_perturbation": (T*Bb*(n+k)+Bb*n)*f, "weight_perturbation": 2*nk*f, "miconi": (T*Bb*(n+k)+4*Bb*n+Bb*k)*f}
    return s[name]
perT = {"bptt","tbptt","random_gradient","node_perturbation","miconi"}
tot_other = 0; mx = 0
for tk,(m,o,T) in tasks.items():
    for n in Ns:
        r,f,k = rules(n,m,o)
        for name in r:
            if name=="rtrl": continue
            s = state(name,n,m,o,T); mx = max(mx, s)
            per_step = 2*s/T if name in perT else 2*s
            per_step += n*k*4   # W read once per step
            tot_other += per_step*RUNS*I*T
print("other rules: state read+written once per step + W: %.3g bytes; largest one-run state %.3g MB" % (tot_other, mx/1e6))
# forward bytes: W read per step + a, dphi written: small
fb=0; eb=0
for tk,(m,o,T) in tasks.items():
    for n in Ns:
        k=n+m+1
        fb += 18*RUNS*I*T*(n*k*4 + 16*(k+3*n+2*o)*4)
        eb += 18*RUNS*EVALW*T*(n*k*4 + 512*(k+2*n+2*o)*4)
print("forward (train) bytes %.3g, eval bytes %.3g" % (fb, eb))

# ---- the exact reference of the probes, by n ----
for n in Ns:
    s = 0
    for tk,(m,o,T) in tasks.items():
        k=n+m+1; f=fwd(n,k,o); s += 18*534*B*T*(f+2*o*(n+1)+2*n*k+2*n*n+4*n)
    print(n, "%.3g" % s)
# per-step work per run for a few rules at n=128,m=4 (path_integration)
n,m,o=128,4,2; r,f,k=rules(n,m,o)
for name in ("rtrl","kf_rtrl","rkf_rtrl","bptt","eprop"): print(name, "per step B=16: %.3g FLOP -> %.2f us at 66.9 TF" % (16*r[name], 16*r[name]/66.9e12*1e6))
for n in Ns:
    r,f,k=rules(n,4,2); print("rtrl n=%d m=4 per step B=16: %.3g FLOP %.2f us; M bytes per step %.3g (%.2f us at 4.3TB/s); state one run %.3g MB" % (n,16*r['rtrl'],16*r['rtrl']/66.9e12*1e6,16*(2*n+1)*n*k*4,16*(2*n+1)*n*k*4/4.3e12*1e6, (2*16*(n+1)*n*k+16*(n+1)*n+2*16*n)*4/1e6))
