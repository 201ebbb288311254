import { decryptSecret, encryptSecret, keyring } from "../secrets/cipher";

/**
 * One secret-bearing column of a row (`table.column` of the row `id`), sealed
 * with AES-GCM at rest. `open` re-encrypts a value under an older key (or a
 * clear-text value from before encryption) and writes it back, unless the
 * row changed meanwhile.
 */
export interface SealedColumn {
  table: "destinations" | "automations" | "connected_accounts";
  column: "config" | "action" | "api_key";
}

export const DESTINATION_CONFIG: SealedColumn = { table: "destinations", column: "config" };
export const AUTOMATION_ACTION: SealedColumn = { table: "automations", column: "action" };
export const ACCOUNT_API_KEY: SealedColumn = { table: "connected_accounts", column: "api_key" };

const context = (where: SealedColumn, id: string) => `${where.table}.${where.column}:${id}`;

export async function seal(where: SealedColumn, id: string, plaintext: string): Promise<string> {
  return encryptSecret(await keyring(), plaintext, context(where, id));
}

export async function open(db: D1Database, where: SealedColumn, id: string, stored: string): Promise<string> {
  const ring = await keyring();
  const { plaintext, stale } = await decryptSecret(ring, stored, context(where, id));
  if (stale) await reseal(db, where, id, stored, plaintext);
  return plaintext;
}

/** Writes the value again under the current key; false when the row changed meanwhile (its writer sealed it). */
export async function reseal(db: D1Database, where: SealedColumn, id: string, stored: string, plaintext: string): Promise<boolean> {
  const sealed = await seal(where, id, plaintext);
  const result = await db.prepare(`UPDATE ${where.table} SET ${where.column} = ?1 WHERE id = ?2 AND ${where.column} = ?3`).bind(sealed, id, stored).run();
  return result.meta.changes > 0;
}

/**
 * Re-encrypts, page by page, every value of the column that is clear text or
 * under an older key: the migration path for rows written before encryption,
 * and the end of a key rotation (after it, the old key can leave SECRETS_KEY).
 */
export async function resealAll(db: D1Database, where: SealedColumn, pageSize = 100): Promise<{ checked: number; resealed: number }> {
  const ring = await keyring();
  const current = `enc:v1:${ring.currentId}:`;
  let after = "";
  let checked = 0;
  let resealed = 0;
  for (;;) {
    const { results } = await db
      .prepare(`SELECT id, ${where.column} AS value FROM ${where.table} WHERE id > ?1 ORDER BY id LIMIT ?2`)
      .bind(after, pageSize)
      .all<{ id: string; value: string }>();
    for (const row of results) {
      checked++;
      if (row.value.startsWith(current)) continue;
      const { plaintext } = await decryptSecret(ring, row.value, context(where, row.id));
      if (await reseal(db, where, row.id, row.value, plaintext)) resealed++;
    }
    if (results.length < pageSize) return { checked, resealed };
    after = results.at(-1)!.id;
  }
}
