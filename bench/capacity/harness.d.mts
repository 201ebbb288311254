// Types of harness.mjs for the node tests that use it.
type Tally = Record<string, number>;
export interface Counts {
  d1: Record<string, Tally>;
  d1ByCaller: Record<string, Tally>;
  doRequests: Record<string, Record<string, number>>;
  doInvocations: Record<string, Tally>;
  doSql: Record<string, Tally>;
  queues: Record<string, Tally>;
  consumers: Record<string, Tally>;
  subrequests: Tally;
  workerInvocations: Tally;
  max: Record<string, { value: number; where: string }>;
}
export interface Namespace {
  ingestHeaders: Record<string, string>;
  apiKey: string;
}
export interface Run {
  label: string;
  events: number;
  requests: number;
  loadMs: number;
  cpuMsUntilIdle: number;
  liveNotices?: number;
  outsideEvents: Record<string, number>;
  counts: Counts;
}
export interface Harness {
  run(workload: { label: string; ns: Namespace; shape: "single" | "batch"; leads: number; events: number; concurrency?: number; watcher?: boolean }): Promise<Run>;
  namespace(name: string, destinations: unknown[]): Promise<Namespace>;
  plain: Namespace;
  close(): Promise<void>;
}
export const BENCH_PROJECTION_INTERVAL_SECONDS: number;
export function startHarness(): Promise<Harness>;
