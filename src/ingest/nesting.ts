/**
 * Nesting limits. JSON.parse is iterative, but JSON.stringify, structured
 * clone and any recursive walk are not: a value nested a few thousand levels
 * deep parses fine and then overflows the stack wherever it is written out.
 * So depth is checked right after parsing, by walks that keep their own
 * stack, and stored values are never written out deeper than the limit.
 */

/** Objects and arrays a message may nest, counting the message itself as level 1 (Segment's own payloads use a handful). */
export const MAX_NESTING_DEPTH = 32;

/** What stands in for a value nested beyond the limit when stored data is read back. */
export const TOO_DEEP_MARKER = "[nested too deep]";

const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] => typeof value === "object" && value !== null;

/**
 * The path of the first value that sits deeper than `maxDepth` levels of
 * objects and arrays (a container at the top is level 1), or null when none
 * does. Iterative: safe on any input JSON.parse returned.
 */
export function pathBeyondDepth(value: unknown, maxDepth: number): string[] | null {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (!isContainer(current)) continue;
    if (path.length >= maxDepth) return path.length === 0 ? ["(body)"] : path;
    for (const [key, child] of Object.entries(current)) if (isContainer(child)) stack.push({ value: child, path: [...path, key] });
  }
  return null;
}

/**
 * A copy of `value` in which every container nested deeper than `maxDepth`
 * is replaced by TOO_DEEP_MARKER; the value itself when nothing is that deep.
 * For data stored before the limit held: it reads back small instead of
 * overflowing whatever writes it out.
 */
export function pruneBeyondDepth(value: unknown, maxDepth: number): unknown {
  if (pathBeyondDepth(value, maxDepth) === null) return value;
  const root: { value: unknown } = { value: undefined };
  const stack: Array<{ source: unknown; target: Record<string, unknown> | unknown[]; key: string | number; depth: number }> = [
    { source: value, target: root as unknown as Record<string, unknown>, key: "value", depth: 1 },
  ];
  while (stack.length > 0) {
    const { source, target, key, depth } = stack.pop()!;
    let copy: unknown = source;
    if (isContainer(source)) {
      if (depth > maxDepth) copy = TOO_DEEP_MARKER;
      else {
        const container: Record<string, unknown> | unknown[] = Array.isArray(source) ? [] : {};
        for (const [childKey, child] of Object.entries(source)) {
          stack.push({ source: child, target: container, key: Array.isArray(source) ? Number(childKey) : childKey, depth: depth + 1 });
        }
        copy = container;
      }
    }
    (target as Record<string | number, unknown>)[key] = copy;
  }
  return root.value;
}

/** Parses stored JSON and bounds its depth, so writing it out again cannot overflow. */
export function parseStored(text: string): unknown {
  return pruneBeyondDepth(JSON.parse(text), MAX_NESTING_DEPTH);
}

/** A readable form of a too-deep path for an error message: long paths keep their ends. */
export function describePath(path: readonly string[]): string {
  const joined = path.map((segment) => (segment.length > 40 ? `${segment.slice(0, 37)}...` : segment));
  return joined.length > 12 ? [...joined.slice(0, 6), "…", ...joined.slice(-5)].join(".") : joined.join(".");
}
