import { vi } from "vitest";
import { env } from "cloudflare:workers";

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

type Failure = { status: number; headers?: Record<string, string>; body?: string } | "network";

/**
 * A small imitation of an outside HTTP service: it records every request,
 * answers with `answer`, and fails on demand (the next N calls, or a share
 * of calls chosen by a seeded random source).
 */
export class FakeService {
  readonly requests: RecordedRequest[] = [];
  private failures: Failure[] = [];
  private failureRate = 0;
  /** Whether failed calls still reach the receiver (it processed them, then answered 503). */
  private recordFailures = false;
  /** At most this many random failures for one Idempotency-Key, so a run cannot exhaust the sender's retries by chance. */
  private maxFailuresPerKey = Infinity;
  private failuresByKey = new Map<string, number>();
  private random = seeded(42);
  failed = 0;

  /**
   * `vars`: the Worker's settings that turn the outside service on (its API
   * key), set only while this fake is installed: the suite runs without them,
   * so code that calls the service only when it is configured (enrichment
   * providers) stays quiet in tests that don't use it.
   */
  constructor(
    readonly host: string,
    private readonly answer: (request: RecordedRequest) => Response | Promise<Response> = () => new Response("ok"),
    readonly vars: Record<string, string> = {},
  ) {}

  failNext(count: number, failure: Failure): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  failShare(rate: number, { seed = 42, received = false, maxPerKey = Infinity } = {}): void {
    this.failureRate = rate;
    this.random = seeded(seed);
    this.recordFailures = received;
    this.maxFailuresPerKey = maxPerKey;
  }

  async handle(request: Request): Promise<Response> {
    // Decoded from bytes: workerd warns about .text() on a body whose type is not text (form posts, octet streams).
    const body = new TextDecoder().decode(await request.arrayBuffer());
    const recorded = { method: request.method, url: new URL(request.url), headers: request.headers, body };
    const key = request.headers.get("Idempotency-Key") ?? "";
    const mayFail = (this.failuresByKey.get(key) ?? 0) < this.maxFailuresPerKey;
    const failure =
      this.failures.shift() ?? (this.failureRate > 0 && this.random() < this.failureRate && mayFail ? { status: 503 } : undefined);
    if (failure && failure !== "network") this.failuresByKey.set(key, (this.failuresByKey.get(key) ?? 0) + 1);
    if (failure) {
      this.failed++;
      if (this.recordFailures) this.requests.push(recorded);
      if (failure === "network") throw new TypeError("fetch failed: connection refused");
      return new Response(failure.body ?? "unavailable", { status: failure.status, headers: failure.headers });
    }
    this.requests.push(recorded);
    return this.answer(recorded);
  }

  json(index: number): any {
    return JSON.parse(this.requests[index]!.body);
  }
}

/**
 * Routes the Worker's outgoing fetches to fakes by host; any other host is
 * refused. The fakes' `vars` are set on the Worker's env (the Worker, its
 * consumers and its Durable Objects share it in this isolate) until the
 * returned function uninstalls them.
 */
export function installFakes(...fakes: FakeService[]): () => void {
  const byHost = new Map(fakes.map((f) => [f.host, f]));
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const fake = byHost.get(new URL(request.url).host);
    if (!fake) throw new TypeError(`no fake for ${request.url}`);
    return fake.handle(request);
  });
  const vars = env as unknown as Record<string, string | undefined>;
  const before = new Map<string, string | undefined>();
  for (const [name, value] of fakes.flatMap((f) => Object.entries(f.vars))) {
    if (!before.has(name)) before.set(name, vars[name]);
    vars[name] = value;
  }
  return () => {
    for (const [name, value] of before) {
      if (value === undefined) delete vars[name];
      else vars[name] = value;
    }
    refuseOutsideCalls();
  };
}

/**
 * Between fakes, every outgoing fetch is refused as a fake would refuse an
 * unknown host. Background work (an enrichment lookup, a delivery retry)
 * can outlive the test that started it; it then meets this, not a DNS
 * lookup of a `*.fake` host inside workerd. Set up for every workers test file.
 */
export function refuseOutsideCalls(): void {
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    throw new TypeError(`no fake for ${new Request(input, init).url}`);
  });
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
