#!/usr/bin/env node
// The import rule (docs/architecture.md#the-import-rule-and-its-check): every import in src/ and durable/ points down the floors
// below or stays on its own floor, and no files import each other in a circle. Type-only imports count too.
// Fails naming each upward import and each circle. `--report` prints the counts and exits 0 either way.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { FLOORS, floorOf } from "./import-floors-table.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
const DIRS = ["src", "durable"];

/** Every .ts file under the checked folders, as repository paths ("src/db/schema.ts"). */
function sourceFiles() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) files.push(rel);
    }
  };
  for (const dir of DIRS) walk(dir);
  return files.sort();
}

/** The repository path a relative specifier names, or undefined for a package or a file outside the checked folders. */
function resolve(from, specifier, known) {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\.(js|ts)$/, "");
  for (const candidate of [`${base}.ts`, `${base}/index.ts`]) if (known.has(candidate)) return candidate;
  return undefined;
}

/** file → the checked files it imports (static, type-only, re-exports and dynamic import() alike). */
export function importGraph() {
  const files = sourceFiles();
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const { importedFiles } = ts.preProcessFile(text, true, true);
    const targets = new Set();
    for (const { fileName } of importedFiles) {
      const target = resolve(file, fileName, known);
      // A relative import of code that names no file here would slip past the check: refuse it (assets such as .css pass).
      if (target === undefined && fileName.startsWith(".") && !/\.(?!ts$|js$)[a-z]+(\?.*)?$/.test(fileName)) {
        throw new Error(`${file}: cannot resolve import "${fileName}"`);
      }
      if (target !== undefined && target !== file) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** Imports whose target sits on a higher floor than the importing file. */
export function upwardImports(graph) {
  const found = [];
  for (const [file, targets] of graph) {
    const from = floorOf(file);
    for (const target of targets) {
      const to = floorOf(target);
      if (to.index > from.index) found.push({ file, target, from: from.name, to: to.name });
    }
  }
  return found;
}

/** Circles: strongly connected groups of two or more files (Tarjan), each as one loop through the group. */
export function circles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  const visit = (start) => {
    // Iterative Tarjan: the graph is deep enough that recursion is not worth the risk.
    const work = [[start, 0]];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, i] = frame;
      const targets = graph.get(node) ?? [];
      if (i < targets.length) {
        frame[1]++;
        const next = targets[i];
        if (!index.has(next)) {
          index.set(next, counter);
          low.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          work.push([next, 0]);
        } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), index.get(next)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === index.get(node)) {
        const group = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          group.push(member);
        } while (member !== node);
        if (group.length > 1) groups.push(group.sort());
      }
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return groups.map((group) => loopThrough(group, graph));
}

/** One shortest loop from the group's first file back to itself, staying inside the group. */
function loopThrough(group, graph) {
  const members = new Set(group);
  const start = group[0];
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const loop = [start];
        for (let at = node; at !== start; at = previous.get(at)) loop.splice(1, 0, at);
        return { files: group, loop: [...loop, start] };
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return { files: group, loop: group };
}

function main() {
  const reportOnly = process.argv.includes("--report");
  const graph = importGraph();
  const upward = upwardImports(graph);
  const loops = circles(graph);
  const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
  for (const { file, target, from, to } of upward) console.log(`upward: ${file} (${from}) imports ${target} (${to})`);
  for (const { files, loop } of loops) console.log(`circle of ${files.length} files: ${loop.join(" → ")}`);
  console.log(
    `import floors: ${graph.size} files, ${edges} imports over ${FLOORS.length} floors; ` +
      `${upward.length} upward, ${loops.length} circles`,
  );
  if (!reportOnly && (upward.length > 0 || loops.length > 0)) {
    console.log("Fix the imports above, or (if a floor is wrong) the table in scripts/import-floors-table.mjs.");
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
