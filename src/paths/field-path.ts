/**
 * Dot paths a tenant names (destination mappings and masks, scoring rule
 * conditions) read and write into objects of the shared isolate. A path never
 * reaches a prototype: `__proto__`, `prototype` and `constructor` are refused
 * as segments (the schemas answer 400 at config time; these functions also
 * refuse them, for configs stored before the schemas did), reads follow own
 * properties only, and writes define own properties on objects without a
 * prototype.
 */

/** Segments that would lead a path from an object to its prototype or constructor. */
export const UNSAFE_SEGMENTS: ReadonlySet<string> = new Set(["__proto__", "prototype", "constructor"]);

/** The first unsafe segment of `path`, or undefined when it has none. */
export function unsafeSegment(path: string): string | undefined {
  return path.split(".").find((segment) => UNSAFE_SEGMENTS.has(segment));
}

function segmentsOf(path: string): string[] | undefined {
  const segments = path.split(".");
  return segments.some((segment) => UNSAFE_SEGMENTS.has(segment)) ? undefined : segments;
}

const isContainer = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object";

/** The value at `path` through own properties only; undefined when any step is missing or the path is unsafe. */
export function valueAt(root: unknown, path: string): unknown {
  const segments = segmentsOf(path);
  if (!segments) return undefined;
  let current: unknown = root;
  for (const key of segments) {
    if (!isContainer(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** Sets `value` at `path`, making missing steps objects without a prototype; an unsafe path writes nothing. */
export function setAt(root: Record<string, unknown>, path: string, value: unknown): void {
  const segments = segmentsOf(path);
  if (!segments) return;
  let current = root;
  for (const key of segments.slice(0, -1)) {
    const next = Object.hasOwn(current, key) ? current[key] : undefined;
    if (isContainer(next)) {
      current = next;
    } else {
      const created: Record<string, unknown> = Object.create(null);
      defineOwn(current, key, created);
      current = created;
    }
  }
  defineOwn(current, segments.at(-1)!, value);
}

/** Deletes the own property at `path`, if there is one; an unsafe path deletes nothing. */
export function deleteAt(root: Record<string, unknown>, path: string): void {
  const segments = segmentsOf(path);
  if (!segments) return;
  const parent = segments.length === 1 ? root : valueAt(root, segments.slice(0, -1).join("."));
  const key = segments.at(-1)!;
  if (isContainer(parent) && Object.hasOwn(parent, key)) delete parent[key];
}

function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
