/**
 * Runs a MIGRATING.md checklist as written: the `sh` blocks under its heading,
 * each command a curl call (optionally `VAR=$(curl … | jq -r .path)`), read
 * with shell quoting ('…' literal, "…" and bare words expanding $VAR) and sent
 * to the Worker. A command that answers an error fails the run, naming it.
 */
import { call } from "../helpers";

export interface ChecklistStep {
  command: string;
  assign?: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  jq?: string;
}

/** The `sh` blocks between `heading` and the next heading of the same or a higher level. */
export function checklistBlocks(markdown: string, heading: string): string[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`no heading ${heading} in the document`);
  const level = heading.match(/^#+/)![0].length;
  const blocks: string[] = [];
  let current: string[] | null = null;
  for (const line of lines.slice(start + 1)) {
    const h = line.match(/^(#+) /);
    if (current === null && h && h[1]!.length <= level) break;
    if (current === null && line.trim() === "```sh") current = [];
    else if (current !== null && line.trim() === "```") {
      blocks.push(current.join("\n"));
      current = null;
    } else if (current !== null) current.push(line);
  }
  return blocks;
}

/** The commands of a block: continuation lines joined, comments and blank lines dropped. */
export function commandsOf(block: string): string[] {
  const joined = block.replace(/\\\n\s*/g, " ");
  return joined
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith("#"));
}

/** Shell words with quotes removed and variables expanded ($NAME or ${NAME}); `$(` and `)` and `|` come back as their own words. */
function words(command: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  let word: string | null = null;
  const expand = (text: string, at: number): [string, number] => {
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(text.slice(at));
    if (!m) return ["$", at + 1];
    const name = (m[1] ?? m[2])!;
    if (!(name in vars)) throw new Error(`checklist uses $${name}, which the test does not set: ${command}`);
    return [vars[name]!, at + m[0].length];
  };
  let i = 0;
  while (i < command.length) {
    const ch = command[i]!;
    if (/\s/.test(ch)) {
      if (word !== null) out.push(word);
      word = null;
      i++;
    } else if (ch === "'") {
      const end = command.indexOf("'", i + 1);
      word = (word ?? "") + command.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      word = word ?? "";
      i++;
      while (command[i] !== '"') {
        if (command[i] === "\\" && '"\\$'.includes(command[i + 1]!)) {
          word += command[i + 1];
          i += 2;
        } else if (command[i] === "$") {
          const [value, next] = expand(command, i);
          word += value;
          i = next;
        } else word += command[i++];
      }
      i++;
    } else if (ch === "$" && command[i + 1] === "(") {
      if (word !== null) out.push(word);
      word = null;
      out.push("$(");
      i += 2;
    } else if (ch === ")" || ch === "|") {
      if (word !== null) out.push(word);
      word = null;
      out.push(ch);
      i++;
    } else if (ch === "$") {
      const [value, next] = expand(command, i);
      word = (word ?? "") + value;
      i = next;
    } else {
      word = (word ?? "") + ch;
      i++;
    }
  }
  if (word !== null) out.push(word);
  return out;
}

export function parseCommand(command: string, vars: Record<string, string>): ChecklistStep {
  let list = words(command, vars);
  let assign: string | undefined;
  const assignment = /^([A-Z_][A-Z0-9_]*)=$/.exec(list[0] ?? "");
  if (assignment && list[1] === "$(") {
    assign = assignment[1];
    if (list[list.length - 1] !== ")") throw new Error(`unclosed $( in ${command}`);
    list = list.slice(2, -1);
  }
  if (list[0] !== "curl") throw new Error(`not a curl command: ${command}`);
  const step: ChecklistStep = { command, method: "GET", url: "", headers: {} };
  if (assign) step.assign = assign;
  for (let i = 1; i < list.length; i++) {
    const w = list[i]!;
    if (w === "-s" || w === "-sS" || w === "-f") continue;
    else if (w === "-X") step.method = list[++i]!;
    else if (w === "-H") {
      const header = list[++i]!;
      const colon = header.indexOf(":");
      step.headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
    } else if (w === "-d") {
      step.body = list[++i]!;
      if (step.method === "GET") step.method = "POST";
    } else if (w === "|") {
      if (list[i + 1] !== "jq" || list[i + 2] !== "-r") throw new Error(`only "| jq -r .path" may follow curl: ${command}`);
      step.jq = list[i + 3];
      i += 3;
    } else if (!w.startsWith("-") && step.url === "") step.url = w;
    else throw new Error(`curl option ${w} is not understood by the checklist runner: ${command}`);
  }
  return step;
}

function pick(value: unknown, path: string): unknown {
  return path
    .split(".")
    .filter(Boolean)
    .reduce<unknown>((v, key) => (v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined), value);
}

/**
 * Runs every command of the checklist in order; `vars` are the shell's
 * (LEADFLARE, ADMIN_TOKEN, tool keys) and gain each assignment. Answers the
 * steps with their statuses and bodies.
 */
export async function runChecklist(markdown: string, heading: string, vars: Record<string, string>) {
  const done: { step: ChecklistStep; status: number; body: any }[] = [];
  const blocks = checklistBlocks(markdown, heading);
  if (blocks.length === 0) throw new Error(`no sh blocks under ${heading}`);
  for (const block of blocks) {
    for (const command of commandsOf(block)) {
      const step = parseCommand(command, vars);
      const url = new URL(step.url);
      // As curl does: -d without a Content-Type sends the form type (leadflare reads the JSON whatever the type).
      const headers = { ...step.headers };
      if (step.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = "application/x-www-form-urlencoded";
      const res = await call(`${url.pathname}${url.search}`, { method: step.method, headers, body: step.body });
      const text = await res.text();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        // a text answer (e.g. /health/simple)
      }
      if (res.status >= 400) throw new Error(`${heading}: "${command}" answered ${res.status} ${text}`);
      if (step.assign) {
        const value = step.jq ? pick(body, step.jq) : text;
        if (typeof value !== "string" || value.length === 0) throw new Error(`${heading}: "${command}" gave no ${step.jq} to set ${step.assign}: ${text}`);
        vars[step.assign] = value;
      }
      done.push({ step, status: res.status, body });
    }
  }
  return done;
}
