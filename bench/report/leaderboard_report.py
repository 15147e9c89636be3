#!/usr/bin/env python3
"""Standalone SVG figures and an index.html from a leaderboard (tcabench leaderboard).

    python3 bench/report/leaderboard_report.py --leaderboard results/leaderboard.json --out-dir results/report

Per task and hidden size n it writes
  bias_variance-<task>-n<N>.svg  the measured bias-versus-variance plane: one labelled point per
      rule at (relative variance, relative bias) of its gradient against BPTT at the probe's
      first checkpoint, with the 95% intervals as bars, on log-log axes. A deterministic rule has
      no variance and sits in the strip marked 0 at the left; a rule whose debiased bias is 0
      sits in the strip at the bottom; BPTT and RTRL (bias at float rounding, no variance) at the
      lower left. The dashed vertical line is the data-variance floor, the variance of the exact
      gradient across batches.
  curves-<task>-n<N>.svg  learning curves: the validation metric (top) and loss (bottom, log)
      against training windows, median over seeds at each rule's best learning rate.
  alignment-<task>-n<N>.svg  (when the runs recorded it, training align_every > 0) alignment along
      each rule's own training run: cos(ghat, g) (top) and |ghat - g| / |g| (bottom, log) of one
      estimate on the recurrent parameters against exact BPTT, median over seeds.
  curvature-<task>-n<N>.svg  (when the runs measured it, training curvature_batch > 0) where each
      rule's training ended: the top Hessian eigenvalue of the training loss at the final
      parameters (x, symmetric log: the eigenvalue of largest magnitude, which can be negative)
      against the generalization gap, test loss minus last training loss (y), median over seeds
      with the seeds' range as bars (Liu et al. 2022's comparison).
and index.html showing them. Only the Python standard library is used.
"""
import argparse
import html
import json
import math
import os
import sys

WIDTH, HEIGHT = 720, 500
LEFT, RIGHT, TOP, BOTTOM = 90, 150, 50, 60
ZERO_BAND = 36  # pixels of the strip that holds zero values on a log axis
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#000000", "#aec7e8"]


COLOURS = {}  # rule -> colour, the same in every figure (set by write_report)


def colour_of(rule):
    return COLOURS.get(rule, "#000000")


def esc(text):
    return html.escape(str(text), quote=True)


def fmt(x):
    return "–" if x is None else "%.3g" % x


class LogAxis:
    """A log10 axis over whole decades, with a strip below the first decade for zeros."""

    def __init__(self, values, lo_px, hi_px, fallback=(1e-4, 1.0)):
        positive = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
        lo, hi = (min(positive), max(positive)) if positive else fallback
        self.lo = math.floor(math.log10(lo))
        self.hi = max(math.ceil(math.log10(hi)), self.lo + 1)
        self.lo_px, self.hi_px = lo_px, hi_px  # pixel of the axis start (after the zero strip) and end
        self.zero_px = lo_px - (ZERO_BAND if hi_px > lo_px else -ZERO_BAND) * 0.6

    def px(self, v):
        if v is None or not math.isfinite(v):
            return None
        if v <= 0:
            return self.zero_px
        f = (math.log10(v) - self.lo) / (self.hi - self.lo)
        return self.lo_px + f * (self.hi_px - self.lo_px)

    def decades(self):
        return range(self.lo, self.hi + 1)

    def labelled_decades(self, most=8):
        """Every k-th decade, so that at most `most` tick labels share the axis."""
        step = max(1, math.ceil((self.hi - self.lo + 1) / most))
        return [d for d in self.decades() if (d - self.lo) % step == 0]


def svg_open(title, subtitle):
    return ['<?xml version="1.0" encoding="UTF-8"?>',
            '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
            'font-family="Helvetica, Arial, sans-serif" font-size="12">' % (WIDTH, HEIGHT, WIDTH, HEIGHT),
            '<title>%s</title>' % esc(title),
            '<rect x="0" y="0" width="%d" height="%d" fill="white"/>' % (WIDTH, HEIGHT),
            '<text x="%d" y="20" font-size="15" font-weight="bold">%s</text>' % (LEFT - 40, esc(title)),
            '<text x="%d" y="37" fill="#555">%s</text>' % (LEFT - 40, esc(subtitle))]


def bias_of(g):
    # The debiased estimate (the plug-in value is inflated by the noise); the plug-in value where
    # there is no debiased one (one sample).
    return g["rel_bias_debiased"] if g["rel_bias_debiased"] is not None else g["rel_bias"]


def place_labels(points):
    """Nudges labels (x, y) down until they do not overlap: returns their y positions."""
    placed, out = [], {}
    for key, x, y, width in sorted(points, key=lambda p: p[2]):
        ly = y
        for _ in range(40):
            if all(abs(ly - py) >= 13 or x + width < px or px + pw < x for px, py, pw in placed):
                break
            ly += 13
        placed.append((x, ly, width))
        out[key] = ly
    return out


def bias_variance_svg(task, n, entries):
    x0, x1 = LEFT + ZERO_BAND, WIDTH - RIGHT
    y0, y1 = HEIGHT - BOTTOM - ZERO_BAND, TOP + 10
    # The recurrent parameters: the part the rules approximate (the readout is exact for all).
    # A point without a variance (one sample of a stochastic rule) cannot be placed.
    entries = [e for e in entries if e["gradient"][0]["recurrent"]["rel_variance"] is not None]
    grads = [e["gradient"][0]["recurrent"] for e in entries]
    # The floor belongs to each cell's network: one dashed line when the cells share it, else
    # the values are named (rate and spiking cells, or spiking cells with other knobs).
    distinct = sorted({(e.get("model", "rate"), fmt(g["data_floor_rel_variance"])) for e, g in zip(entries, grads)})
    floor = grads[0]["data_floor_rel_variance"] if len({v for _, v in distinct}) == 1 else None
    mixed = floor is None and len(distinct) > 1
    xs, ys = [], []
    for g in grads:
        xs.append(g["rel_variance"])
        xs.extend(g["rel_variance_ci95"] or [])
        ys.append(bias_of(g))
        ys.extend(g["rel_bias_ci95"] or [])
    # The floor widens the axis only when it is near or above the rules' variances; a floor of
    # rounding size (every batch has the same gradient) is named instead of drawn.
    positive = [v for v in xs if v is not None and v > 0]
    floor_drawn = bool(floor) and bool(positive) and floor >= min(positive) / 100
    if floor_drawn:
        xs.append(floor)
    xa, ya = LogAxis(xs, x0, x1), LogAxis(ys, y0, y1)
    step, precision = entries[0]["gradient"][0]["step"], entries[0]["precision"]
    out = svg_open("%s, n = %d: bias vs variance of the recurrent gradient against BPTT" % (task["task"], n),
                   "probe at step %d, %s; bars: 95%% intervals over noise samples; lower left = exact" % (step, precision))
    # Grid, decades and the zero strips.
    out.append('<g class="axes" stroke="#ccc">')
    for d in xa.decades():
        px = xa.px(10.0 ** d)
        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>' % (px, y0 + ZERO_BAND, px, y1))
    for d in ya.decades():
        py = ya.px(10.0 ** d)
        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>' % (x0 - ZERO_BAND, py, x1, py))
    out.append('</g>')
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="#f3f3f3" stroke="none"/>'
               % (x0 - ZERO_BAND, y1, ZERO_BAND - 6, y0 + ZERO_BAND - y1))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="#f3f3f3" stroke="none"/>'
               % (x0 - ZERO_BAND, y0 + 6, x1 - x0 + ZERO_BAND, ZERO_BAND - 6))
    out.append('<g class="ticks" fill="#333">')
    for d in xa.labelled_decades():
        out.append('<text x="%.1f" y="%d" text-anchor="middle">1e%d</text>' % (xa.px(10.0 ** d), y0 + ZERO_BAND + 16, d))
    out.append('<text x="%.1f" y="%d" text-anchor="middle">0</text>' % (xa.zero_px, y0 + ZERO_BAND + 16))
    for d in ya.labelled_decades(12):
        out.append('<text x="%d" y="%.1f" text-anchor="end">1e%d</text>' % (x0 - ZERO_BAND - 6, ya.px(10.0 ** d) + 4, d))
    out.append('<text x="%d" y="%.1f" text-anchor="end">0</text>' % (x0 - ZERO_BAND - 6, ya.zero_px + 4))
    out.append('</g>')
    out.append('<text x="%d" y="%d" text-anchor="middle">relative variance tr(S)/|g|² (0: deterministic rule)</text>'
               % ((x0 + x1) / 2, HEIGHT - 12))
    out.append('<text transform="translate(18,%d) rotate(-90)" text-anchor="middle">relative bias |E ĝ − g|/|g|</text>'
               % ((y0 + y1) / 2))
    if floor_drawn:
        fx = xa.px(floor)
        out.append('<g class="floor"><line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#666" stroke-dasharray="6,4"/>'
                   '<text x="%.1f" y="%d" fill="#444" text-anchor="middle">data-variance floor %s</text></g>'
                   % (fx, y0 + ZERO_BAND, fx, y1, fx, y1 - 4, fmt(floor)))
    elif mixed:
        text = "; ".join("%s %s" % (model, value) for model, value in distinct)
        out.append('<text class="floor" x="%d" y="%d" fill="#444" text-anchor="end">data-variance floors: %s</text>'
                   % (x1, y1 - 4, esc(text)))
    else:
        if floor is None:
            text = "not measured"
        elif floor < 1e-20:
            text = "%s (every batch has the same gradient)" % ("0" if floor == 0 else fmt(floor))
        else:
            text = "%s, left of the axis" % fmt(floor)
        out.append('<text class="floor" x="%d" y="%d" fill="#444" text-anchor="end">data-variance floor: %s</text>'
                   % (x1, y1 - 4, esc(text)))
    # Points with interval bars, then labels.
    labels = []
    for i, (e, g) in enumerate(zip(entries, grads)):
        colour = colour_of(e["rule"])
        px, py = xa.px(g["rel_variance"]), ya.px(bias_of(g))
        out.append('<g class="point" data-rule="%s" fill="%s" stroke="%s">' % (esc(e["rule"]), colour, colour))
        vci, bci = g["rel_variance_ci95"], g["rel_bias_ci95"]
        if vci and None not in vci:
            out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke-width="1.5"/>' % (xa.px(vci[0]), py, xa.px(vci[1]), py))
        if bci and None not in bci:
            out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke-width="1.5"/>' % (px, ya.px(bci[0]), px, ya.px(bci[1])))
        out.append('<circle cx="%.1f" cy="%.1f" r="5"><title>%s: rel. bias %s, rel. variance %s, cos %s</title></circle>'
                   % (px, py, esc(e["rule"]), fmt(bias_of(g)), fmt(g["rel_variance"]), fmt(g["cosine_of_mean"])))
        out.append('</g>')
        # Rules whose points (nearly) coincide, e.g. eprop with symmetric feedback and snap1, share a label.
        for label in labels:
            if abs(label[1] - (px + 8)) < 2 and abs(label[2] - (py + 4)) < 2:
                label[4].append(e["rule"])
                label[3] = 7 * len(", ".join(label[4]))
                break
        else:
            labels.append([i, px + 8, py + 4, 7 * len(e["rule"]), [e["rule"]]])
    ly = place_labels([tuple(label[:4]) for label in labels])
    out.append('<g class="labels">')
    for i, x, y, _, names in labels:
        colour = colour_of(names[0]) if len(names) == 1 else "#333"
        out.append('<text x="%.1f" y="%.1f" fill="%s">%s</text>' % (x, ly[i], colour, esc(", ".join(names))))
    out.append('</g>')
    out.append('</svg>')
    return "\n".join(out) + "\n"


CURVE_PANEL = 300  # pixels of each of the two panels of a learning-curve figure


def curve_panel(out, entries, key, label, top, log_y, cls, curve="learning_curve"):
    """One panel of curves: `key` of each entry's `curve` against iterations."""
    x0, x1 = LEFT, WIDTH - RIGHT
    y0, y1 = top + CURVE_PANEL - 40, top
    series = []
    for e in entries:
        c = e.get(curve) or {"iterations": [], key: []}
        series.append([(it, v) for it, v in zip(c["iterations"], c[key])
                       if v is not None and (v > 0 or not log_y)])
    xs = [p[0] for s in series for p in s] or [0, 1]
    ys = [p[1] for s in series for p in s] or [1, 10]
    xlo, xhi = min(xs), max(max(xs), min(xs) + 1)
    X = lambda v: x0 + (v - xlo) / (xhi - xlo) * (x1 - x0)
    if log_y:
        axis = LogAxis(ys, y0, y1)
        Y = axis.px
        ticks = [(10.0 ** d, "1e%d" % d) for d in axis.labelled_decades(6)]
        grid = [10.0 ** d for d in axis.decades()]
        if axis.hi - axis.lo <= 2:  # a short axis gets 2 and 5 of each decade too
            minor = [m * 10.0 ** d for d in range(axis.lo, axis.hi) for m in (2, 5)]
            ticks += [(v, fmt(v)) for v in minor]
            grid += minor
    else:
        ylo, yhi = min(ys), max(ys)
        if yhi - ylo < 1e-12:
            ylo, yhi = ylo - 0.5, yhi + 0.5
        pad = 0.05 * (yhi - ylo)
        ylo, yhi = ylo - pad, yhi + pad
        Y = lambda v: y0 + (v - ylo) / (yhi - ylo) * (y1 - y0)
        grid = [ylo + (yhi - ylo) * k / 5 for k in range(6)]
        ticks = [(v, fmt(v)) for v in grid]
    out.append('<g class="axes" stroke="#ccc">')
    for v in grid:
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>' % (x0, Y(v), x1, Y(v)))
    for k in range(6):
        xv = xlo + (xhi - xlo) * k / 5
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>' % (X(xv), y0, X(xv), y1))
    out.append('</g><g class="ticks" fill="#333">')
    for v, text in ticks:
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (x0 - 6, Y(v) + 4, text))
    for k in range(6):
        xv = xlo + (xhi - xlo) * k / 5
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (X(xv), y0 + 16, round(xv)))
    out.append('</g>')
    out.append('<text x="%d" y="%d" text-anchor="middle">training windows</text>' % ((x0 + x1) / 2, y0 + 32))
    out.append('<text transform="translate(18,%d) rotate(-90)" text-anchor="middle">%s</text>' % ((y0 + y1) / 2, esc(label)))
    for i, (e, pts) in enumerate(zip(entries, series)):
        path = " ".join("%.1f,%.1f" % (X(a), Y(b)) for a, b in pts)
        out.append('<g class="%s" data-rule="%s"><polyline points="%s" fill="none" stroke="%s" stroke-width="2" '
                   'stroke-opacity="0.85"/><title>%s (lr %s)</title></g>'
                   % (cls, esc(e["rule"]), path, colour_of(e["rule"]), esc(e["rule"]), fmt(e["learning_rate"])))


def two_panel_svg(title, subtitle):
    height = TOP + 2 * CURVE_PANEL + 10
    out = svg_open(title, subtitle)
    out[1] = out[1].replace('height="%d"' % HEIGHT, 'height="%d"' % height).replace(
        "0 0 %d %d" % (WIDTH, HEIGHT), "0 0 %d %d" % (WIDTH, height))
    out[3] = out[3].replace('height="%d"' % HEIGHT, 'height="%d"' % height)
    return out


def curve_legend(out, entries):
    x1 = WIDTH - RIGHT
    for i, e in enumerate(entries):
        ly = TOP + 20 + 16 * i
        out.append('<g class="legend"><line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>'
                   '<text x="%d" y="%d">%s (lr %s)</text></g>'
                   % (x1 + 12, ly - 4, x1 + 32, ly - 4, colour_of(e["rule"]), x1 + 38, ly, esc(e["rule"]),
                      fmt(e["learning_rate"])))


def curves_svg(task, n, entries):
    metric = task["metric"]
    out = two_panel_svg("%s, n = %d: learning curves" % (task["task"], n),
                        "validation metric and loss: median over seeds, each rule at its best learning rate")
    curve_panel(out, entries, "validation_metric", "%s (%s is better)" % (metric, task["better"]), TOP + 10, False,
                "curve")
    curve_panel(out, entries, "validation_loss", "validation loss (log)", TOP + 10 + CURVE_PANEL, True, "curve-loss")
    curve_legend(out, entries)
    out.append('</svg>')
    return "\n".join(out) + "\n"


def alignment_svg(task, n, entries):
    entries = [e for e in entries if e.get("alignment_curve")]
    out = two_panel_svg("%s, n = %d: alignment along each rule's own training run" % (task["task"], n),
                        "one estimate against exact BPTT on W at the run's parameters: median over seeds, best rate")
    curve_panel(out, entries, "cosine", "cos(ĝ, g), W", TOP + 10, False, "alignment", "alignment_curve")
    curve_panel(out, entries, "relative_error", "|ĝ − g| / |g|, W (log)", TOP + 10 + CURVE_PANEL, True,
                "alignment-error", "alignment_curve")
    curve_legend(out, entries)
    out.append('</svg>')
    return "\n".join(out) + "\n"


def symlog(v):
    """sign(v) log10(1 + |v|): a log scale for values of either sign, linear near 0."""
    return math.copysign(math.log10(1 + abs(v)), v)


def curvature_svg(task, n, entries):
    entries = [e for e in entries if (e.get("top_hessian_eigenvalue") or {}).get("median") is not None
               and (e.get("generalization_gap") or {}).get("median") is not None]
    x0, x1 = LEFT, WIDTH - RIGHT
    y0, y1 = HEIGHT - BOTTOM, TOP + 10
    spread = lambda e, key: [v for v in [e[key]["median"]] + list(e[key]["interval"] or []) if v is not None]
    xs = [symlog(v) for e in entries for v in spread(e, "top_hessian_eigenvalue")] or [0.0, 1.0]
    ys = [v for e in entries for v in spread(e, "generalization_gap")] or [0.0, 1.0]
    xlo, xhi = math.floor(min(xs)), math.ceil(max(xs))
    xhi = max(xhi, xlo + 1)
    ylo, yhi = min(ys + [0.0]), max(ys + [0.0])
    pad = 0.08 * (yhi - ylo or 1.0)
    ylo, yhi = ylo - pad, yhi + pad
    X = lambda v: x0 + (symlog(v) - xlo) / (xhi - xlo) * (x1 - x0)
    Y = lambda v: y0 + (v - ylo) / (yhi - ylo) * (y1 - y0)
    out = svg_open("%s, n = %d: where training ends" % (task["task"], n),
                   "median over seeds at each rule's best rate; bars: the seeds' range; symmetric log x axis")
    # Ticks at 0 and +-10^k, placed on the symmetric log scale.
    ticks = [0.0] + [sign * 10.0 ** k for k in range(0, 9) for sign in (1, -1)]
    ticks = sorted(v for v in ticks if xlo <= symlog(v) <= xhi)
    out.append('<g class="axes" stroke="#ccc">')
    for v in ticks:
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>' % (X(v), y0, X(v), y1))
    ygrid = [ylo + (yhi - ylo) * k / 5 for k in range(6)]
    for v in ygrid:
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>' % (x0, Y(v), x1, Y(v)))
    out.append('</g>')
    out.append('<line class="zero" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#888"/>' % (x0, Y(0.0), x1, Y(0.0)))
    out.append('<g class="ticks" fill="#333">')
    for v in ticks:
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (X(v), y0 + 16, "%g" % v))
    for v in ygrid:
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (x0 - 6, Y(v) + 4, fmt(v)))
    out.append('</g>')
    out.append('<text x="%d" y="%d" text-anchor="middle">top Hessian eigenvalue of the training loss at the final '
               'parameters</text>' % ((x0 + x1) / 2, HEIGHT - 22))
    out.append('<text transform="translate(18,%d) rotate(-90)" text-anchor="middle">generalization gap: test loss '
               '− last training loss</text>' % ((y0 + y1) / 2))
    labels = []
    for i, e in enumerate(entries):
        lam, gap = e["top_hessian_eigenvalue"], e["generalization_gap"]
        colour = colour_of(e["rule"])
        px, py = X(lam["median"]), Y(gap["median"])
        out.append('<g class="point" data-rule="%s" fill="%s" stroke="%s">' % (esc(e["rule"]), colour, colour))
        if lam["interval"] and None not in lam["interval"]:
            out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke-width="1.2" stroke-opacity="0.6"/>'
                       % (X(lam["interval"][0]), py, X(lam["interval"][1]), py))
        if gap["interval"] and None not in gap["interval"]:
            out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke-width="1.2" stroke-opacity="0.6"/>'
                       % (px, Y(gap["interval"][0]), px, Y(gap["interval"][1])))
        out.append('<circle cx="%.1f" cy="%.1f" r="5"><title>%s: top eigenvalue %s, gap %s</title></circle>'
                   % (px, py, esc(e["rule"]), fmt(lam["median"]), fmt(gap["median"])))
        out.append('</g>')
        labels.append((i, px + 8, py + 4, 7 * len(e["rule"])))
    ly = place_labels(labels)
    out.append('<g class="labels">')
    for i, x, _, _ in labels:
        out.append('<text x="%.1f" y="%.1f" fill="%s">%s</text>' % (x, ly[i], colour_of(entries[i]["rule"]),
                                                                   esc(entries[i]["rule"])))
    out.append('</g>')
    out.append('</svg>')
    return "\n".join(out) + "\n"


def spread_text(s):
    if s["count"] == 0 or s["median"] is None:
        return "–"
    lo, hi = s["interval"]
    if s["count"] == 1:
        return fmt(s["median"])
    return "%s [%s, %s]" % (fmt(s["median"]), "–" if lo is None else fmt(lo), "–" if hi is None else fmt(hi))


def figure_name(kind, task, n):
    return "%s-%s-n%d.svg" % (kind, task["task"], n)


def write_report(board, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    first_index = {}
    for task in board["tasks"]:
        for e in task["entries"]:
            first_index[e["rule"]] = min(first_index.get(e["rule"], e["cell_index"]), e["cell_index"])
    for i, rule in enumerate(sorted(first_index, key=first_index.get)):  # the config's order of rules
        COLOURS[rule] = PALETTE[i % len(PALETTE)]
    written = []
    page = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8"><title>tcabench leaderboard</title>',
            '<style>body{font-family:Helvetica,Arial,sans-serif;max-width:1500px;margin:2em auto;padding:0 1em}'
            'table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}'
            'td:first-child,th:first-child{text-align:left}img{margin:0.5em}</style></head><body>',
            '<h1>tcabench leaderboard</h1>',
            '<p>Commits: %s. Devices: %s. %d cells.</p>' % (esc(", ".join(board["git_commits"])),
                                                            esc(", ".join(board["devices"])), board["cells"]),
            '<p>Bias-variance planes: each rule\'s estimate of the recurrent parameters\' gradient (W = [W_rec | W_in | b]; '
            'every rule computes the readout exactly) against exact BPTT (in double) at the probe\'s '
            'first point; the lower left corner is exact. Deterministic rules have no variance (strip 0 on the left); '
            'rules whose debiased bias estimate is 0 sit in the bottom strip; bars are 95% intervals over noise samples. '
            'Learning curves: validation metric, median over seeds at each rule\'s best learning rate.</p>',
            '<p>Intervals over seeds: %s</p>' % esc(board["interval_method"])]
    for task in board["tasks"]:
        page.append('<h2>%s <small>(%s, %s is better)</small></h2>' % (esc(task["task"]), esc(task["metric"]), esc(task["better"])))
        if task["landmarks"]:
            page.append('<p>Landmarks: %s</p>' % esc(", ".join("%s %s" % (k, fmt(v)) for k, v in task["landmarks"].items())))
        sizes = []
        for e in task["entries"]:
            if e["hidden"] not in sizes:
                sizes.append(e["hidden"])
        for n in sizes:
            entries = [e for e in task["entries"] if e["hidden"] == n]
            kinds = [("bias_variance", bias_variance_svg), ("curves", curves_svg)]
            if any(e.get("alignment_curve") for e in entries):
                kinds.append(("alignment", alignment_svg))
            measured_curvature = any((e.get("top_hessian_eigenvalue") or {}).get("median") is not None for e in entries)
            if measured_curvature:
                kinds.append(("curvature", curvature_svg))
            for kind, make in kinds:
                name = figure_name(kind, task, n)
                with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
                    f.write(make(task, n, entries))
                written.append(name)
            page.append('<h3>n = %d</h3><div>' % n)
            page.append('<img src="%s" alt="bias versus variance, %s, n = %d">' % (figure_name("bias_variance", task, n), esc(task["task"]), n))
            page.append('<img src="%s" alt="learning curves, %s, n = %d">' % (figure_name("curves", task, n), esc(task["task"]), n))
            if any(e.get("alignment_curve") for e in entries):
                page.append('<img src="%s" alt="alignment along training, %s, n = %d">'
                            % (figure_name("alignment", task, n), esc(task["task"]), n))
            if measured_curvature:
                page.append('<img src="%s" alt="curvature and generalization gap where training ends, %s, n = %d">'
                            % (figure_name("curvature", task, n), esc(task["task"]), n))
            page.append('</div>')
            page.append('<table><tr><th>rule</th><th>%s (test)</th><th>rel. bias, W</th><th>rel. variance, W</th>'
                        '<th>cos(mean ĝ, g), W</th><th>cos, all</th><th>steps/s</th><th>lr</th></tr>' % esc(task["metric"]))
            for e in entries:
                g = e["gradient"][0]["recurrent"]
                page.append('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>'
                            % (esc(e["rule"]), spread_text(e["metric"]), fmt(bias_of(g)), fmt(g["rel_variance"]),
                               fmt(g["cosine_of_mean"]), fmt(e["gradient"][0]["all"]["cosine_of_mean"]),
                               spread_text(e["steps_per_second"]), fmt(e["learning_rate"])))
            page.append('</table>')
    page.append('</body></html>')
    with open(os.path.join(out_dir, "index.html"), "w", encoding="utf-8") as f:
        f.write("\n".join(page) + "\n")
    return written + ["index.html"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leaderboard", default="results/leaderboard.json", help="the leaderboard JSON")
    parser.add_argument("--out-dir", default="results/report", help="folder of the SVG files and index.html")
    args = parser.parse_args()
    try:
        with open(args.leaderboard, encoding="utf-8") as f:
            board = json.load(f)
        if board.get("kind") != "leaderboard":
            raise ValueError("%s is not a leaderboard (kind %r)" % (args.leaderboard, board.get("kind")))
        written = write_report(board, args.out_dir)
    except (OSError, ValueError, KeyError) as e:
        print("leaderboard_report: error: %s" % e, file=sys.stderr)
        return 2
    print("leaderboard_report: wrote %d files to %s" % (len(written), args.out_dir), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
