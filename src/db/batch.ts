import type { BatchItem } from "drizzle-orm/batch";

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
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += perStatement) statements.push(statementFor(rows.slice(i, i + perStatement)));
  statements.push(...trailing);
  const [first, ...rest] = statements;
  if (first) await orm.batch([first, ...rest]);
}
