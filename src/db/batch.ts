import type { BatchItem } from "drizzle-orm/batch";

/** D1 binds at most 100 parameters per statement; lists of ids and emails are split under it. */
export const MAX_IN_LIST = 90;

/** `items` in consecutive slices of at most `size`. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Multi-row writes, split so each statement stays under D1's 100 bound
 * parameters (`columns` per row), then run as one D1 batch: in order, and
 * rolled back as a whole if one statement fails.
 */
export async function writeInChunks<Row>(
  orm: { batch(statements: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]): Promise<unknown> },
  rows: readonly Row[],
  columns: number,
  statementFor: (chunk: Row[]) => BatchItem<"sqlite">,
  /** Statements run after the rows, in the same batch. */
  trailing: readonly BatchItem<"sqlite">[] = [],
): Promise<void> {
  const perStatement = Math.max(1, Math.floor(100 / columns));
  const statements = [...chunksOf(rows, perStatement).map(statementFor), ...trailing];
  const [first, ...rest] = statements;
  if (first) await orm.batch([first, ...rest]);
}
