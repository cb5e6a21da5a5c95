"""An animated plaza: one self-contained HTML file that plays a traced run over the day.

``borderflow animate RUN_DIR`` reads ``run.json`` and ``trace.csv`` (``borderflow run --trace``)
and writes a page with the data, a canvas and a small script inline: nothing is loaded from the
network or from another file. The first stages of the routes (primary inspection) are drawn as
lanes: one row per lane, its vehicles in line towards its booths (two squares for stacked
booths), each booth lit in the colour of the stream it serves while busy; a shared line (a
pedestrian hall) is drawn as one block in front of its stations. Later stages (secondary, X-ray)
are areas holding a dot for each traveller there. A clock, play/pause, the speed and a time
slider drive it.

How it stays smooth for a day of tens of thousands of travellers: one replication is played
(the first, or the one asked for), with every one of its travellers, and times rounded to the
second. The visits are stored per lane (per line, per booth, per area) sorted by the time they
began, so a frame finds who is on the plaza at that moment by a binary search and a short scan
back (no longer than the longest stay there): its work grows with the travellers present, a few
thousand at most at San Ysidro, not with the day's total. Nothing is sampled; a row holding more
vehicles than fit draws them narrower.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from .plots.io import PlotInputError, RunData, RunSource, load_run
from .plots.run import group_served
from .plots.style import ALL_COLOR, group_label, stage_label, stream_colors, stream_label
from .scenario.units import hours_of

ANIMATION_FILE = "plaza.html"


def animation_data(source: RunSource, replication: int | None = None) -> dict[str, Any]:
    """The plaza of one traced replication, as the page's script reads it.

    Returns a dict with the counted window (``t0``, ``t1``, seconds from 00:00 of day 0), the
    streams (name, label, colour), the lane stages with their groups and lanes, the area stages,
    and ``tracks``: each a list of visits (``j`` began, ``o`` ended, ``c`` stream index) sorted
    by ``j``, delta-encoded, with the longest stay ``m``.

    Raises:
        PlotInputError: no trace, or no such replication in it.
    """
    data = load_run(source)
    rows = data.trace_rows()
    if rows is None:
        raise PlotInputError(
            f"{data.origin}: no trace.csv: run the scenario with --trace to animate it"
        )
    scenario = data.meta.get("scenario") or {}
    streams = data.streams
    colors = stream_colors(streams)
    index = {s: i for i, s in enumerate(streams)}
    routes = {s: list(spec.get("route") or []) for s, spec in scenario.get("streams", {}).items()}
    first = {r[0] for r in routes.values() if r}
    stages = list(scenario.get("stages") or {})
    t0 = hours_of(scenario.get("warmup", "0 h")) * 3600
    t1 = hours_of(scenario.get("horizon", "24 h")) * 3600
    chosen = replication
    visits: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for row in rows:
        rep = int(row["replication"])
        if chosen is None:
            chosen = rep
        if rep != chosen:
            continue
        c = index.get(row["stream"])
        if c is None:
            continue
        for stage in routes.get(row["stream"], []):
            group = row.get(f"{stage}.lane_group")
            if not group:
                continue
            joined = _seconds(row.get(f"{stage}.joined_min"))
            if joined is None:
                continue
            start = _seconds(row.get(f"{stage}.start_min"), math.inf)
            end = _seconds(row.get(f"{stage}.end_min"), math.inf)
            if end <= t0 or joined >= t1:
                continue
            lane = row.get(f"{stage}.lane") or "0"
            spec = scenario["stages"][stage]["lanes"].get(group, {})
            if stage in first:
                line = group if spec.get("queue") == "shared" else f"{group}/{lane}"
                visits[f"q:{stage}/{line}"].append((joined, _cap(start, t1), c))
                if start < math.inf:
                    visits[f"b:{stage}/{group}/{lane}"].append((_cap(start, t1), _cap(end, t1), c))
            else:
                visits[f"a:{stage}"].append((joined, _cap(end, t1), c))
    if chosen is None or not visits:
        raise PlotInputError(f"{data.origin}: trace.csv holds no replication {replication}")
    tracks = {}
    for key, items in visits.items():
        items.sort()
        j = [v[0] for v in items]
        tracks[key] = {
            "j": [j[0]] + [b - a for a, b in zip(j, j[1:], strict=False)],
            "d": [v[1] - v[0] for v in items],
            "c": [v[2] for v in items],
            "m": max(v[1] - v[0] for v in items),
        }
    opened: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for lane_row in data.lane_rows:
        if int(lane_row["replication"]) == chosen and lane_row.get("lanes_open", "") != "":
            hour = int(lane_row["day"]) * 24 + int(lane_row["hour"])
            opened[lane_row["stage"], lane_row["lane_group"]][hour] = int(
                float(lane_row["lanes_open"])
            )
    lane_stages = []
    for stage in stages:
        if stage not in first:
            continue
        groups = []
        for group, spec in scenario["stages"][stage]["lanes"].items():
            served = group_served(data, stage, group)
            groups.append(
                {
                    "name": group,
                    "label": group_label(stage, group, scenario),
                    "lanes": int(spec.get("lanes", 0)),
                    "booths": int(spec.get("booths_per_lane", 1)),
                    "shared": spec.get("queue") == "shared",
                    "color": colors.get(served[0], ALL_COLOR) if len(served) == 1 else ALL_COLOR,
                    "open": {str(h): n for h, n in opened.get((stage, group), {}).items()},
                }
            )
        lane_stages.append({"name": stage, "label": stage_label(stage, scenario), "groups": groups})
    areas = [
        {"name": s, "label": stage_label(s, scenario)}
        for s in stages
        if s not in first and f"a:{s}" in tracks
    ]
    return {
        "title": data.name,
        "replication": chosen,
        "t0": int(t0),
        "t1": int(t1),
        "streams": [
            {"name": s, "label": stream_label(s, scenario), "color": colors[s]} for s in streams
        ],
        "stages": lane_stages,
        "areas": areas,
        "tracks": tracks,
    }


def _seconds(text: str | None, missing: Any = None) -> Any:
    """A time of ``trace.csv`` (minutes) in whole seconds; ``missing`` for an empty cell."""
    if text is None or text == "":
        return missing
    return int(round(float(text) * 60))


def _cap(value: float, limit: float) -> int:
    """A time past the horizon (never reached, or after the run) held just past it."""
    return int(value if value <= limit else limit + 1)


def build_animation(source: RunSource, replication: int | None = None) -> str:
    """The HTML text of the animated plaza of a traced run (see the module's docstring)."""
    data = animation_data(source, replication)
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    title = _escape(f"{data['title']} – borderflow plaza")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f'<header><h1>{_escape(data["title"])}</h1><div id="clock">--:--</div></header>'
        '<div class="controls"><button id="play" type="button">Pause</button>'
        '<label>speed <select id="speed"><option value="60">1 min/s</option>'
        '<option value="300">5 min/s</option><option value="900" selected>15 min/s</option>'
        '<option value="3600">1 h/s</option></select></label>'
        '<input id="slider" type="range" min="0" max="1000" value="0" aria-label="time">'
        '<span id="counts" data-drawn="0"></span></div>'
        '<div id="legend"></div><canvas id="plaza" width="1200" height="600"></canvas>'
        f'<p class="note">Replication {data["replication"]} of the run, every traveller drawn '
        "(times to the second). Rows: lanes, the booth at the right end, lit while busy; "
        "squares in line: vehicles or pedestrians waiting, in the colour of their stream; "
        "dark rows: lanes closed in that hour; areas: later stages.</p>"
        f"<script>const PLAZA={payload};\n{_SCRIPT}</script></body></html>\n"
    )


def write_animation(
    source: RunSource, output: str | Path | None = None, replication: int | None = None
) -> Path:
    """Write the animated plaza of ``source`` to ``output`` (default ``DIR/plaza.html``).

    Raises:
        PlotInputError: no trace.
        borderflow.output.OutputError: the file cannot be written.
    """
    data: RunData = load_run(source)
    if output is None:
        if data.directory is None:
            raise TypeError("write_animation: output is required for a run in memory")
        output = data.directory / ANIMATION_FILE
    from .output import write_text  # here, not at the top: it imports the runner

    return write_text(output, build_animation(data, replication))


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


_CSS = """
body { margin: 0; font: 14px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: #1f2328; background: #fff; }
header { display: flex; align-items: baseline; gap: 24px; padding: 10px 16px 0; }
h1 { font-size: 19px; margin: 0; }
#clock { font: 600 26px ui-monospace, Menlo, Consolas, monospace; color: #0072B2; }
.controls { display: flex; gap: 14px; align-items: center; padding: 6px 16px; }
#slider { flex: 1; }
#counts { font-size: 12.5px; color: #57606a; min-width: 260px; }
#legend { padding: 0 16px; font-size: 12.5px; }
#legend span { display: inline-block; margin-right: 14px; }
#legend i { display: inline-block; width: 11px; height: 11px; margin-right: 5px;
            vertical-align: -1px; border-radius: 2px; }
canvas { display: block; margin: 6px 16px; }
.note { font-size: 12.5px; color: #57606a; padding: 0 16px; }
"""

_SCRIPT = r"""
(function () {
  const P = PLAZA, tracks = {};
  for (const [key, t] of Object.entries(P.tracks)) {
    const n = t.j.length, j = new Float64Array(n), o = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) { acc += t.j[i]; j[i] = acc; o[i] = acc + t.d[i]; }
    tracks[key] = {j: j, o: o, c: t.c, m: t.m};
  }
  // the travellers of a track present at time t: began at or before t, not yet ended
  function present(key, t) {
    const tr = tracks[key], out = [];
    if (!tr) return out;
    let lo = 0, hi = tr.j.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (tr.j[mid] <= t) lo = mid + 1; else hi = mid; }
    for (let i = lo - 1; i >= 0 && tr.j[i] >= t - tr.m; i--) if (tr.o[i] > t) out.push(i);
    out.reverse();
    return out;
  }
  const colors = P.streams.map(s => s.color);
  const legend = document.getElementById('legend');
  legend.innerHTML = P.streams.map(s => '<span><i style="background:' + s.color + '"></i>' +
    s.label.replace(/&/g, '&amp;').replace(/</g, '&lt;') + '</span>').join('');
  // layout: a row per lane, a block per shared line, an area per later stage
  const canvas = document.getElementById('plaza'), ctx = canvas.getContext('2d');
  const W = canvas.width, LABEL = 230, BOOTH = 11, ROW = 13, GAP = 3;
  const rows = [];
  let y = 8;
  for (const st of P.stages) {
    rows.push({kind: 'title', y: y, text: st.label}); y += 18;
    for (const g of st.groups) {
      if (g.shared) {
        const h = Math.max(3, Math.ceil(g.lanes / 12)) * (BOOTH + 2) + 6;
        rows.push({kind: 'hall', y: y, h: h, stage: st.name, group: g}); y += h + GAP;
      } else {
        for (let lane = 0; lane < g.lanes; lane++) {
          rows.push({kind: 'lane', y: y, stage: st.name, group: g, lane: lane}); y += ROW;
        }
        y += GAP;
      }
    }
    y += 6;
  }
  const areaTop = y + 4;
  if (P.areas.length) y += 120;
  canvas.height = y + 10;
  const booth_x = W - 40;
  function booths(st, g, lane, t, x0, y0, size) {
    let busy = 0;
    const key = 'b:' + st + '/' + g.name + '/' + lane, who = present(key, t);
    for (let b = 0; b < g.booths; b++) {
      const i = who[b];
      ctx.fillStyle = i === undefined ? '#e6e6e6' : colors[tracks[key].c[i]];
      ctx.fillRect(x0 - b * (size + 2), y0, size, size);
      ctx.strokeStyle = '#444'; ctx.lineWidth = 0.6;
      ctx.strokeRect(x0 - b * (size + 2) + 0.5, y0 + 0.5, size - 1, size - 1);
    }
    busy += who.length;
    return busy;
  }
  function draw(t) {
    ctx.clearRect(0, 0, W, canvas.height);
    ctx.font = '11px sans-serif'; ctx.textBaseline = 'middle';
    let inLine = 0, inBooth = 0, inArea = 0;
    for (const r of rows) {
      if (r.kind === 'title') {
        ctx.fillStyle = '#1f2328'; ctx.font = 'bold 12px sans-serif';
        ctx.fillText(r.text, 8, r.y + 8); ctx.font = '11px sans-serif';
        continue;
      }
      const g = r.group;
      if (r.kind === 'lane') {
        if (r.lane === 0) { ctx.fillStyle = '#57606a'; ctx.fillText(g.label, 8, r.y + ROW / 2); }
        const hour = String(Math.floor(t / 3600));
        const open = g.open[hour] === undefined ? g.lanes : g.open[hour];
        ctx.fillStyle = r.lane < open ? '#f6f8fa' : '#d8dadd';
        ctx.fillRect(LABEL, r.y + 1, booth_x - LABEL, ROW - 2);
        const key = 'q:' + r.stage + '/' + g.name + '/' + (r.lane + 1);
        let who = present(key, t);
        const right = booth_x - (g.booths - 1) * (BOOTH + 2) - 4;
        const w = Math.min(9, (right - LABEL) / Math.max(1, who.length));
        for (let k = 0; k < who.length; k++) {
          ctx.fillStyle = colors[tracks[key].c[who[k]]];
          ctx.fillRect(right - (k + 1) * w, r.y + 2, Math.max(1, w - 1), ROW - 4);
        }
        inLine += who.length;
        inBooth += booths(r.stage, g, r.lane + 1, t, booth_x, r.y + 1, BOOTH);
      } else {
        ctx.fillStyle = '#57606a'; ctx.fillText(g.label + ' (one line)', 8, r.y + 8);
        const hallWidth = booth_x - LABEL - 12 * (BOOTH + 2);
        ctx.fillStyle = '#f6f8fa'; ctx.fillRect(LABEL, r.y, hallWidth, r.h);
        const key = 'q:' + r.stage + '/' + g.name, who = present(key, t);
        const width = booth_x - LABEL - 12 * (BOOTH + 2) - 8, per = Math.floor(width / 5);
        const lines = Math.max(1, Math.ceil(who.length / per));
        const dot = Math.max(1, Math.min(4, (r.h - 4) / lines - 1));
        for (let k = 0; k < who.length; k++) {
          ctx.fillStyle = colors[tracks[key].c[who[k]]];
          const dx = (k % per) * 5, dy = Math.floor(k / per) * (dot + 1);
          ctx.fillRect(LABEL + 4 + dx, r.y + 2 + dy, 4, dot);
        }
        inLine += who.length;
        for (let s = 0; s < g.lanes; s++) {
          const col = s % 12, line = Math.floor(s / 12);
          inBooth += booths(r.stage, {name: g.name, booths: 1}, s + 1, t,
            booth_x - col * (BOOTH + 2), r.y + 3 + line * (BOOTH + 2), BOOTH);
        }
      }
    }
    const aw = (W - LABEL - 40) / Math.max(1, P.areas.length);
    P.areas.forEach(function (a, n) {
      const x = LABEL + n * aw, key = 'a:' + a.name, who = present(key, t);
      ctx.fillStyle = '#eef6fb'; ctx.fillRect(x, areaTop, aw - 10, 110);
      ctx.fillStyle = '#1f2328'; ctx.fillText(a.label + ': ' + who.length, x + 6, areaTop + 10);
      const per = Math.floor((aw - 22) / 7);
      for (let k = 0; k < who.length; k++) {
        ctx.fillStyle = colors[tracks[key].c[who[k]]];
        ctx.beginPath();
        ctx.arc(x + 9 + (k % per) * 7, areaTop + 26 + Math.floor(k / per) * 7, 2.6, 0, 6.3);
        ctx.fill();
      }
      inArea += who.length;
    });
    if (P.areas.length) { ctx.fillStyle = '#1f2328'; ctx.font = 'bold 12px sans-serif';
      ctx.fillText('Later stages', 8, areaTop + 10); }
    const total = inLine + inBooth + inArea;
    const counts = document.getElementById('counts');
    counts.textContent = inLine + ' in line · ' + inBooth + ' in booths · ' +
      inArea + ' at later stages';
    counts.dataset.drawn = total; counts.dataset.line = inLine; counts.dataset.booths = inBooth;
    counts.dataset.areas = inArea; counts.dataset.t = t;
  }
  const clock = document.getElementById('clock'), slider = document.getElementById('slider');
  const speed = document.getElementById('speed'), button = document.getElementById('play');
  function show(t) {
    const day = Math.floor(t / 86400), s = t - day * 86400;
    const hh = String(Math.floor(s / 3600)).padStart(2, '0');
    const mm = String(Math.floor(s % 3600 / 60)).padStart(2, '0');
    clock.textContent = hh + ':' + mm + (P.t1 > 86400 ? ' (day ' + day + ')' : '');
    slider.value = Math.round(1000 * (t - P.t0) / (P.t1 - P.t0));
    draw(t);
  }
  let now = P.t0, playing = true, last = null;
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.has('t')) { now = Math.min(P.t1, Math.max(P.t0, Number(hash.get('t')) * 60)); }
  if (hash.has('paused')) playing = false;
  button.textContent = playing ? 'Pause' : 'Play';
  button.onclick = function () {
    playing = !playing; button.textContent = playing ? 'Pause' : 'Play'; last = null;
  };
  slider.oninput = function () { now = P.t0 + (P.t1 - P.t0) * slider.value / 1000; show(now); };
  function frame(stamp) {
    if (playing) {
      if (last !== null) now += (stamp - last) / 1000 * Number(speed.value);
      if (now >= P.t1) now = P.t0;
      last = stamp;
      show(now);
    } else last = null;
    requestAnimationFrame(frame);
  }
  show(now);
  if (hash.has('bench')) {  // the time a frame takes to draw, for the documentation
    const n = 200, began = performance.now();
    for (let k = 0; k < n; k++) draw(now + k);
    const ms = (performance.now() - began) / n;
    document.getElementById('counts').dataset.frameMs = ms.toFixed(2);
    show(now);
  }
  window.plaza = {present: present, draw: draw, show: show};
  requestAnimationFrame(frame);
})();
"""
