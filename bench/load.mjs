// Closed-loop load generator: `concurrency` loops, each sending one request at
// a time over a pool of keep-alive connections, until the deadline.
// undici measured ~10% more requests/s than node:http's keep-alive Agent
// against the no-op Worker here, where the client's CPU use matters most.
import { performance } from "node:perf_hooks";
import { Agent, request } from "undici";

const REQUEST_TIMEOUT_MS = 10_000;
// Warm-up may run past its duration to reach minRequests, but never past this.
const MAX_EXTRA_MS = 60_000;

export function createClient(baseUrl, concurrency, { timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  const dispatcher = new Agent({
    connections: concurrency,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  async function post(path, body, headers, method = "POST") {
    try {
      const res = await request(new URL(path, baseUrl), {
        method,
        body,
        headers: { ...headers, "content-type": "application/json" },
        dispatcher,
      });
      return { status: res.statusCode, text: await res.body.text() };
    } catch (err) {
      return { status: 0, text: String(err) };
    }
  }

  async function get(path, headers) {
    try {
      const res = await request(new URL(path, baseUrl), { method: "GET", headers, dispatcher });
      return { status: res.statusCode, text: await res.body.text() };
    } catch (err) {
      return { status: 0, text: String(err) };
    }
  }

  return { post, get, close: () => dispatcher.close() };
}

// makeRequest() -> { path, body, events }. Returns rates over 2xx answers and
// latency percentiles over all answers.
export async function runLoad({ client, headers, concurrency, durationMs, minRequests = 0, maxRequests = Infinity, makeRequest }) {
  const latencies = [];
  let started = 0;
  let ok = 0;
  let okEvents = 0;
  let errors = 0;
  let firstError;
  const start = performance.now();
  const deadline = start + durationMs;
  const hardDeadline = deadline + MAX_EXTRA_MS;

  async function loop() {
    for (;;) {
      const now = performance.now();
      if (now >= hardDeadline || started >= maxRequests || (now >= deadline && started >= minRequests)) return;
      started++;
      const { path, body, events } = makeRequest();
      const t0 = performance.now();
      const res = await client.post(path, body, headers);
      latencies.push(performance.now() - t0);
      if (res.status >= 200 && res.status < 300) {
        ok++;
        okEvents += events;
      } else {
        errors++;
        firstError ??= `${res.status} ${res.text.slice(0, 300)}`;
        // A refused connection fails at once; don't spin on it.
        if (res.status === 0) await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? NaN;
  return {
    seconds,
    requests: ok + errors,
    errors,
    events: okEvents,
    firstError,
    requestsPerSec: ok / seconds,
    eventsPerSec: okEvents / seconds,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
  };
}
