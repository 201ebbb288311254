// Two small SVG charts (bars and a stepped line), drawn by hand with axes,
// gridlines, units and an accessible name and description: a charting
// library would be 40–60 KB gzip for what these lines do.
const SVG = "http://www.w3.org/2000/svg";

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** What each axis counts, with its unit: "leads", "hour of day". */
export interface Axes {
  x: string;
  y: string;
}

const WIDTH = 600;
const LEFT = 48;
const RIGHT = 8;
const TOP = 14;
const BOTTOM = 38;

/** A round whole step (everything charted is counted in whole leads, events or points) for about four gridlines up to `max`. */
function ticks(max: number): number[] {
  const rough = Math.max(4, max) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 0.999; v += step) out.push(Math.round(v * 100) / 100);
  return out.length > 1 ? out : [0, step];
}

/** The frame: the name, a description, the y axis with gridlines and both axis titles. */
function frame(title: string, description: string, height: number, top: number, axes: Axes, format: (v: number) => string = String) {
  const root = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": title, class: "chart" }) as SVGSVGElement;
  root.append(svg("title", {}, title), svg("desc", {}, description));
  const plot = height - TOP - BOTTOM;
  const y = (v: number) => height - BOTTOM - (v / top) * plot;
  for (const tick of ticks(top)) {
    if (tick > top) break;
    root.append(svg("line", { x1: LEFT, x2: WIDTH - RIGHT, y1: y(tick), y2: y(tick), class: tick === 0 ? "axis" : "gridline" }));
    root.append(svg("text", { x: LEFT - 6, y: y(tick) + 4, "text-anchor": "end", class: "tick" }, format(tick)));
  }
  root.append(svg("text", { x: 12, y: TOP + plot / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${TOP + plot / 2})`, class: "axis-title" }, axes.y));
  root.append(svg("text", { x: LEFT + (WIDTH - LEFT - RIGHT) / 2, y: height - 4, "text-anchor": "middle", class: "axis-title" }, axes.x));
  return { root, y, plot };
}

/** Bars with their labels and values; several series side by side (e.g. before/after). */
export function bars(title: string, labels: string[], series: Array<{ name: string; values: number[] }>, axes: Axes): SVGSVGElement {
  const height = 210;
  const top = ticks(Math.max(1, ...series.flatMap((s) => s.values))).at(-1)!;
  const description = series.map((s) => `${series.length > 1 ? `${s.name}: ` : ""}${labels.map((l, i) => `${l || i} ${s.values[i] ?? 0}`).join(", ")}`).join("; ");
  const { root, y } = frame(title, `${axes.y} by ${axes.x}: ${description}`, height, top, axes);
  const slot = (WIDTH - LEFT - RIGHT) / labels.length;
  const barWidth = (slot - 6) / series.length;
  labels.forEach((label, i) => {
    const x0 = LEFT + i * slot + 3;
    series.forEach((s, j) => {
      const value = s.values[i] ?? 0;
      const rect = svg("rect", { x: x0 + j * barWidth, y: y(value), width: Math.max(1, barWidth - 1), height: y(0) - y(value), class: `series-${j}` });
      rect.append(svg("title", {}, `${s.name} ${label}: ${value}`));
      root.append(rect);
      if (value > 0 && barWidth >= 14) root.append(svg("text", { x: x0 + (j + 0.5) * barWidth, y: y(value) - 3, "text-anchor": "middle", class: "value" }, String(value)));
    });
    root.append(svg("text", { x: x0 + (slot - 6) / 2, y: height - BOTTOM + 14, "text-anchor": "middle" }, label));
  });
  return root;
}

/** A stepped line of values over time, the first and last times on the x axis. */
export function line(title: string, points: Array<[number, number]>, axes: Axes): SVGSVGElement {
  const height = 190;
  const top = ticks(Math.max(1, ...points.map(([, v]) => v))).at(-1)!;
  const when = (t: number) => new Date(t).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  const description = points.length === 0 ? "no points yet" : `from ${points[0]![1]} on ${when(points[0]![0])} to ${points.at(-1)![1]} on ${when(points.at(-1)![0])}, highest ${Math.max(...points.map(([, v]) => v))}`;
  const { root, y } = frame(title, `${axes.y} over ${axes.x}: ${description}`, height, top, axes);
  if (points.length === 0) return root;
  const [t0, t1] = [points[0]![0], points.at(-1)![0]];
  const span = WIDTH - LEFT - RIGHT - 10;
  const x = (t: number) => (t1 === t0 ? LEFT + span / 2 : LEFT + 5 + ((t - t0) / (t1 - t0)) * span);
  const stepped = points.flatMap(([t, v], i) => (i === 0 ? [[t, v]] : [[t, points[i - 1]![1]], [t, v]]));
  root.append(svg("polyline", { points: stepped.map(([t, v]) => `${x(t!).toFixed(1)},${y(Math.max(0, v!)).toFixed(1)}`).join(" ") }));
  root.append(svg("text", { x: LEFT, y: height - BOTTOM + 14, "text-anchor": "start" }, when(t0)));
  if (t1 !== t0) root.append(svg("text", { x: WIDTH - RIGHT, y: height - BOTTOM + 14, "text-anchor": "end" }, when(t1)));
  return root;
}
