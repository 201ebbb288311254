// Closed-loop load generator: `concurrency` loops, each sending one request
// at a time over its own keep-alive connection until the deadline.
import http from "node:http";
import { performance } from "node:perf_hooks";

const REQUEST_TIMEOUT_MS = 10_000;

export function createClient(baseUrl, concurrency) {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

  function post(path, body, headers) {
    return new Promise((resolve) => {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: "POST",
          path,
          headers: {
            ...headers,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode, text }));
          res.on("error", (err) => resolve({ status: 0, text: String(err) }));
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error("request timeout")));
      req.on("error", (err) => resolve({ status: 0, text: String(err) }));
      req.end(body);
    });
  }

  return { post, close: () => agent.destroy() };
}

// makeRequest() -> { path, body, events } ; returns counts and latency percentiles.
export async function runLoad({ client, headers, concurrency, durationMs, makeRequest }) {
  const latencies = [];
  let ok = 0;
  let okEvents = 0;
  let errors = 0;
  let firstError;
  const start = performance.now();
  const deadline = start + durationMs;

  async function loop() {
    while (performance.now() < deadline) {
      const { path, body, events } = makeRequest();
      const t0 = performance.now();
      const res = await client.post(path, body, headers);
      latencies.push(performance.now() - t0);
      if (res.status >= 200 && res.status < 300) {
        ok++;
        okEvents += events;
      } else {
        errors++;
        firstError ??= `${res.status} ${res.text.slice(0, 200)}`;
        // A refused connection fails instantly; don't spin on it.
        if (res.status === 0) await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] : NaN;
  return {
    seconds,
    requests: ok + errors,
    errors,
    firstError,
    requestsPerSec: ok / seconds,
    eventsPerSec: okEvents / seconds,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
  };
}
