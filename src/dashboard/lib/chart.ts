// Two small SVG charts (bars and a line), drawn by hand: a charting library
// would be 40–60 KB gzip for what these 50 lines do.
const SVG = "http://www.w3.org/2000/svg";

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** Bars with their labels and values; several series side by side (e.g. before/after). */
export function bars(title: string, labels: string[], series: Array<{ name: string; values: number[] }>): SVGSVGElement {
  const width = 600;
  const height = 180;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const slot = width / labels.length;
  const barWidth = (slot - 6) / series.length;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "chart" }) as SVGSVGElement;
  root.append(Object.assign(svg("title", {}), { textContent: title }));
  labels.forEach((label, i) => {
    series.forEach((s, j) => {
      const value = s.values[i] ?? 0;
      const h = (value / max) * (height - 40);
      const rect = svg("rect", { x: i * slot + 3 + j * barWidth, y: height - 20 - h, width: Math.max(1, barWidth - 1), height: h, class: `series-${j}` });
      rect.append(Object.assign(svg("title", {}), { textContent: `${s.name} ${label}: ${value}` }));
      root.append(rect);
      if (value > 0) root.append(Object.assign(svg("text", { x: i * slot + 3 + (j + 0.5) * barWidth, y: height - 24 - h, "text-anchor": "middle", class: "value" }), { textContent: String(value) }));
    });
    root.append(Object.assign(svg("text", { x: i * slot + slot / 2, y: height - 5, "text-anchor": "middle" }), { textContent: label }));
  });
  return root;
}

/** A stepped line of values over time. */
export function line(title: string, points: Array<[number, number]>): SVGSVGElement {
  const width = 600;
  const height = 160;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "chart", preserveAspectRatio: "none" }) as SVGSVGElement;
  root.append(Object.assign(svg("title", {}), { textContent: title }));
  if (points.length === 0) return root;
  const [t0, t1] = [points[0]![0], points[points.length - 1]![0]];
  const max = Math.max(1, ...points.map(([, v]) => v));
  const x = (t: number) => (t1 === t0 ? width / 2 : ((t - t0) / (t1 - t0)) * (width - 10) + 5);
  const y = (v: number) => height - 5 - (Math.max(0, v) / max) * (height - 15);
  const stepped = points.flatMap(([t, v], i) => (i === 0 ? [[t, v]] : [[t, points[i - 1]![1]], [t, v]]));
  root.append(svg("polyline", { points: stepped.map(([t, v]) => `${x(t!).toFixed(1)},${y(v!).toFixed(1)}`).join(" ") }));
  return root;
}
