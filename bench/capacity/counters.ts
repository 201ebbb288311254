/**
 * Bench-only: counting wrappers around every binding the Worker and its
 * Durable Objects use, so the capacity bench can say how many operations
 * each event costs, per resource instance, and the most any one invocation
 * used. Nothing here changes what the wrapped calls do.
 *
 * An invocation is a Worker fetch/queue/scheduled call or a Durable Object
 * request (RPC method, fetch, alarm, WebSocket event); its per-invocation
 * counts ride on AsyncLocalStorage (the bench build adds `nodejs_als`).
 */
import { AsyncLocalStorage } from "node:async_hooks";

type Tally = Record<string, number>;

interface Invocation {
  owner: unknown;
  label: string;
  subrequests: number;
  d1Queries: number;
  doSqlStatements: number;
}

const als = new AsyncLocalStorage<Invocation>();

/** Per Durable Object instance: invocations running now and since when it has been active. */
const activity = new WeakMap<object, { running: number; since: number }>();

function activeFrom(owner: unknown) {
  if (typeof owner !== "object" || owner === null) return;
  const state = activity.get(owner) ?? { running: 0, since: 0 };
  if (state.running++ === 0) state.since = Date.now();
  activity.set(owner, state);
}

/** The milliseconds the object was active, counted when its last running invocation ends. */
function activeUntil(owner: unknown): number {
  const state = typeof owner === "object" && owner !== null ? activity.get(owner) : undefined;
  if (!state || --state.running > 0) return 0;
  return Date.now() - state.since;
}

function fresh() {
  return {
    startedAt: Date.now(),
    /** Per D1 binding. */
    d1: {} as Record<string, Tally>,
    /** The same D1 queries by the invocation that made them (worker.fetch, worker.queue:<queue>, LeadObject.alarm...). */
    d1ByCaller: {} as Record<string, Tally>,
    /** Durable Object requests per namespace binding, per object id. */
    doRequests: {} as Record<string, Record<string, number>>,
    /** Invocations per Durable Object class and kind (rpc:<method>, alarm, fetch, webSocketMessage...). */
    doInvocations: {} as Record<string, Tally>,
    /**
     * Wall milliseconds each object of a class had at least one invocation running (billed duration:
     * an object is billed while active, once however many requests it serves at the same time).
     */
    doWallMs: {} as Tally,
    /** SQLite storage per class: statements, writes, rowsWritten, rowsRead. */
    doSql: {} as Record<string, Tally>,
    /** Key-value storage and alarm calls per class. */
    doKv: {} as Record<string, Tally>,
    /** Messages sent per queue binding (and send calls). */
    queues: {} as Record<string, Tally>,
    /** Consumer invocations and messages per queue name. */
    consumers: {} as Record<string, Tally>,
    /** Outbound fetch() per host. */
    subrequests: {} as Tally,
    workerInvocations: {} as Tally,
    /** The largest seen in one invocation, with where. */
    max: {} as Record<string, { value: number; where: string }>,
  };
}

export let counts = fresh();
export function resetCounts() {
  counts = fresh();
}

function add(tally: Tally, key: string, n = 1) {
  tally[key] = (tally[key] ?? 0) + n;
}
function bucket<T>(map: Record<string, T>, key: string, make: () => T): T {
  return (map[key] ??= make());
}
function noteMax(kind: string, value: number, where: string) {
  const seen = counts.max[kind];
  if (!seen || value > seen.value) counts.max[kind] = { value, where };
}

/** Runs `work` as a new invocation unless one of the same owner is already running (a DO calling its own methods). */
export function invocation<T>(owner: unknown, label: string, work: () => T): T {
  const current = als.getStore();
  if (current && current.owner === owner) return work();
  const inv: Invocation = { owner, label, subrequests: 0, d1Queries: 0, doSqlStatements: 0 };
  if (owner !== "worker") activeFrom(owner);
  const done = () => {
    noteMax("subrequestsPerInvocation", inv.subrequests, label);
    noteMax("d1QueriesPerInvocation", inv.d1Queries, label);
    noteMax("doSqlStatementsPerInvocation", inv.doSqlStatements, label);
    const cls = label.split(".")[0]!;
    if (owner !== "worker") add(counts.doWallMs, cls, activeUntil(owner));
  };
  return als.run(inv, () => {
    let result: T;
    try {
      result = work();
    } catch (error) {
      done();
      throw error;
    }
    if (result instanceof Promise) return result.finally(done) as T;
    done();
    return result;
  });
}

function subrequest() {
  const inv = als.getStore();
  if (inv) inv.subrequests++;
}

// ---- outbound fetch ------------------------------------------------------

/** Counts every fetch() by host; `redirect` may send a request elsewhere (the bench's fakes), counted under its original host. */
export function countFetch(redirect: (url: URL) => URL | undefined) {
  const real = globalThis.fetch;
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    add(counts.subrequests, url.host);
    subrequest();
    const target = redirect(url);
    if (!target) return real(input, init);
    return real(new Request(target, input instanceof Request ? input : init), input instanceof Request ? init : undefined);
  };
}

// ---- D1 ------------------------------------------------------------------

const WRITE = /^\s*(insert|update|delete|replace|create|drop|alter)\b/i;
const real = new WeakMap<object, D1PreparedStatement>();

function countedD1(name: string, db: D1Database): D1Database {
  const tally = () => bucket(counts.d1, name, () => ({}) as Tally);
  const query = (sql: string, params: number, meta?: D1Meta) => {
    const t = tally();
    add(t, "queries");
    add(t, WRITE.test(sql) ? "writeQueries" : "readQueries");
    if (meta) {
      add(t, "rowsRead", meta.rows_read ?? 0);
      add(t, "rowsWritten", meta.rows_written ?? 0);
      add(t, "durationMs", meta.duration ?? 0);
    }
    noteMax("d1ParamsPerStatement", params, sql.slice(0, 80));
    const inv = als.getStore();
    if (inv) inv.d1Queries++;
    const byCaller = bucket(counts.d1ByCaller, inv?.label ?? "?", () => ({}) as Tally);
    add(byCaller, "queries");
    add(byCaller, "rowsWritten", meta?.rows_written ?? 0);
    add(byCaller, "durationMs", meta?.duration ?? 0);
    if (WRITE.test(sql)) add(byCaller, "writeQueries");
  };
  const wrapStatement = (stmt: D1PreparedStatement, sql: string, params = 0): D1PreparedStatement => {
    const wrapped = new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => wrapStatement(target.bind(...values), sql, values.length);
        if (prop === "run" || prop === "all")
          return async (...args: unknown[]) => {
            subrequest();
            const result = await (target[prop] as (...a: unknown[]) => Promise<D1Result>)(...args);
            query(sql, params, result.meta);
            return result;
          };
        if (prop === "first" || prop === "raw")
          return async (...args: unknown[]) => {
            subrequest();
            const result = await (target[prop] as (...a: unknown[]) => Promise<unknown>)(...args);
            query(sql, params);
            return result;
          };
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    real.set(wrapped, stmt);
    sqlOf.set(wrapped, [sql, params]);
    return wrapped;
  };
  const sqlOf = new WeakMap<object, [string, number]>();
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrapStatement(target.prepare(sql), sql);
      if (prop === "batch")
        return async (statements: D1PreparedStatement[]) => {
          subrequest();
          add(tally(), "batches");
          const results = await target.batch(statements.map((s) => real.get(s) ?? s));
          results.forEach((r, i) => {
            const [sql, params] = sqlOf.get(statements[i]!) ?? ["?", 0];
            query(sql, params, r.meta);
          });
          return results;
        };
      if (prop === "exec")
        return async (sql: string) => {
          subrequest();
          const result = await target.exec(sql);
          add(tally(), "queries", result.count);
          return result;
        };
      if (prop === "withSession") return (...args: unknown[]) => countedD1(name, (target.withSession as any)(...args));
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// ---- Durable Object namespaces -------------------------------------------

function countedStub(binding: string, stub: DurableObjectStub): DurableObjectStub {
  const id = stub.id.toString();
  return new Proxy(stub, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "then") return undefined;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const perObject = bucket(counts.doRequests, binding, () => ({}));
        perObject[id] = (perObject[id] ?? 0) + 1;
        subrequest();
        // An RPC stub's members are RPC calls: `value.apply` would call a remote method named "apply".
        return (target as any)[prop](...args);
      };
    },
  });
}

function countedNamespace(binding: string, ns: DurableObjectNamespace): DurableObjectNamespace {
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "get" || prop === "getByName")
        return (...args: unknown[]) => countedStub(binding, (value as (...a: unknown[]) => DurableObjectStub).apply(target, args));
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// ---- Queues --------------------------------------------------------------

function countedQueue(binding: string, queue: Queue): Queue {
  return new Proxy(queue, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "send")
        return (...args: unknown[]) => {
          const t = bucket(counts.queues, binding, () => ({}) as Tally);
          add(t, "sendCalls");
          add(t, "messages");
          subrequest();
          return (value as (...a: unknown[]) => Promise<void>).apply(target, args);
        };
      if (prop === "sendBatch")
        return (messages: unknown[], ...rest: unknown[]) => {
          const t = bucket(counts.queues, binding, () => ({}) as Tally);
          add(t, "sendCalls");
          add(t, "messages", messages.length);
          subrequest();
          return (value as (...a: unknown[]) => Promise<void>).apply(target, [messages, ...rest]);
        };
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The env with every D1, Durable Object namespace and Queue binding counted (found by shape, so new bindings are counted too). */
export function countedEnv<E extends object>(env: E): E {
  const out: Record<string, unknown> = { ...env };
  for (const [name, value] of Object.entries(env)) {
    if (!value || typeof value !== "object") continue;
    const v = value as Record<string, unknown>;
    if (typeof v.prepare === "function" && typeof v.batch === "function") out[name] = countedD1(name, value as D1Database);
    else if (typeof v.idFromName === "function") out[name] = countedNamespace(name, value as DurableObjectNamespace);
    else if (typeof v.send === "function" && typeof v.sendBatch === "function") out[name] = countedQueue(name, value as Queue);
  }
  return out as E;
}

// ---- Durable Object storage ------------------------------------------------
// The runtime wants the real DurableObjectState, so storage is counted by
// patching the SqlStorage and DurableObjectStorage prototypes once; each
// storage object is mapped to its class when the object is constructed.

const classOf = new WeakMap<object, string>();
const KV_OPS = ["get", "put", "delete", "list", "getAlarm", "setAlarm", "deleteAlarm", "deleteAll"];
let storagePatched = false;

function patchStorage(ctx: DurableObjectState) {
  if (storagePatched) return;
  storagePatched = true;
  const sqlProto = Object.getPrototypeOf(ctx.storage.sql);
  const exec = sqlProto.exec as SqlStorage["exec"];
  sqlProto.exec = function (this: SqlStorage, query: string, ...bindings: unknown[]) {
    const t = bucket(counts.doSql, classOf.get(this) ?? "?", () => ({}) as Tally);
    add(t, "statements");
    if (WRITE.test(query)) add(t, "writeStatements");
    noteMax("doSqlParamsPerStatement", bindings.length, `${classOf.get(this)}: ${query.slice(0, 80)}`);
    const inv = als.getStore();
    if (inv) inv.doSqlStatements++;
    const cursor = exec.call(this, query, ...bindings);
    // Synchronous callers have read the cursor by then.
    queueMicrotask(() => {
      add(t, "rowsWritten", cursor.rowsWritten);
      add(t, "rowsRead", cursor.rowsRead);
    });
    return cursor;
  };
  const storageProto = Object.getPrototypeOf(ctx.storage);
  for (const op of KV_OPS) {
    const original = storageProto[op];
    if (typeof original !== "function") continue;
    storageProto[op] = function (this: DurableObjectStorage, ...args: unknown[]) {
      add(bucket(counts.doKv, classOf.get(this) ?? "?", () => ({}) as Tally), op);
      return original.apply(this, args);
    };
  }
}

/** A subclass of a Durable Object class whose storage and env are counted and whose every request is an invocation. */
export function countedClass<C extends new (ctx: DurableObjectState, env: any) => object>(Base: C, cls: string): C {
  const Counted = class extends (Base as any) {
    constructor(ctx: DurableObjectState, env: object) {
      patchStorage(ctx);
      classOf.set(ctx.storage, cls);
      classOf.set(ctx.storage.sql, cls);
      super(ctx, countedEnv(env));
    }
  };
  for (const name of Object.getOwnPropertyNames(Base.prototype)) {
    if (name === "constructor") continue;
    const descriptor = Object.getOwnPropertyDescriptor(Base.prototype, name)!;
    if (typeof descriptor.value !== "function") continue;
    const method = descriptor.value as (...args: unknown[]) => unknown;
    const kind = ["alarm", "fetch", "webSocketMessage", "webSocketClose", "webSocketError"].includes(name) ? name : `rpc:${name}`;
    Object.defineProperty(Counted.prototype, name, {
      ...descriptor,
      value: function (this: object, ...args: unknown[]) {
        const current = als.getStore();
        if (!current || current.owner !== this) add(bucket(counts.doInvocations, cls, () => ({}) as Tally), kind);
        return invocation(this, `${cls}.${name}`, () => method.apply(this, args));
      },
    });
  }
  Object.defineProperty(Counted, "name", { value: cls });
  return Counted as unknown as C;
}

export function workerInvocation<T>(kind: string, work: () => T): T {
  add(counts.workerInvocations, kind.split(":")[0]!);
  return invocation("worker", `worker.${kind}`, work);
}

export function consumerBatch(queue: string, messages: number) {
  const t = bucket(counts.consumers, queue, () => ({}) as Tally);
  add(t, "batches");
  add(t, "messages", messages);
}
