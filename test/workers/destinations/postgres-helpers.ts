import { inject } from "vitest";
import postgres from "postgres";

/**
 * A real Postgres for the Postgres destination's tests: PGlite over TCP,
 * started by test/setup/postgres.ts. Each test gets its own table, with statement
 * triggers that count the INSERTs (and their rows) and fail them on demand.
 */
const port = inject("postgresPort");
export const postgresUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
// The test's own client; not ended (see src/destinations/postgres.ts), closed with the test's isolate.
const sql = postgres({ host: "127.0.0.1", port, user: "postgres", database: "postgres", ssl: false, max: 1, fetch_types: false, onnotice: () => {} });

/** Simple query protocol: PGlite's socket server serves many connections from one backend, whole queries at a time. */
export const q = (text: string) => sql.unsafe(text).simple();

let tables = 0;
export async function newTable(): Promise<string> {
  const t = `events_${++tables}_${crypto.randomUUID().slice(0, 8)}`;
  await q(`CREATE TABLE public.${t} (
    message_id text PRIMARY KEY, kind text NOT NULL, lead_id text NOT NULL, user_id text, email text,
    event_type text, event_name text, "timestamp" timestamptz NOT NULL, properties jsonb,
    score integer NOT NULL, behaviour_score integer NOT NULL, icp_score integer NOT NULL, stage text NOT NULL,
    grade text NOT NULL, velocity double precision NOT NULL, previous_score integer, previous_stage text)`);
  await q(`CREATE TABLE ${t}_calls (inserted integer NOT NULL)`);
  await q(`CREATE TABLE ${t}_plan (code text NOT NULL, upto bigint NOT NULL)`);
  await q(`CREATE SEQUENCE ${t}_tries`);
  await q(`CREATE FUNCTION ${t}_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO ${t}_calls SELECT count(*) FROM new_rows; RETURN NULL; END $$`);
  await q(`CREATE TRIGGER ${t}_count AFTER INSERT ON ${t} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${t}_count()`);
  // Sequences are not transactional: a failed INSERT still uses up one of the planned failures.
  await q(`CREATE FUNCTION ${t}_fail() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE p record;
    BEGIN
      SELECT * INTO p FROM ${t}_plan LIMIT 1;
      IF FOUND AND nextval('${t}_tries') <= p.upto THEN RAISE EXCEPTION 'injected failure' USING ERRCODE = p.code; END IF;
      RETURN NULL;
    END $$`);
  await q(`CREATE TRIGGER ${t}_fail BEFORE INSERT ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION ${t}_fail()`);
  return t;
}

export const idsIn = async (table: string) => (await q(`SELECT message_id FROM ${table}`)).map((row) => row.message_id as string);

