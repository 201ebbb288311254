import type { ChildProcess, StdioOptions } from "node:child_process";

export const projectRoot: string;
export const DEV: { namespace: string; writeKey: string; apiKey: string; adminToken: string };
export function prepareLocalState(persistTo?: string): void;
export function startDev(options?: {
  port?: number;
  persistTo?: string;
  stdio?: StdioOptions;
  extraArgs?: string[];
}): Promise<{ url: string; child: ChildProcess; stop: () => void }>;
