export function wranglerCommand(env?: NodeJS.ProcessEnv): { command: string; prefix: string[] };
export function runWrangler(
  args: string[],
  options?: { cwd?: string; env?: NodeJS.ProcessEnv },
): { ok: boolean; status: number | null; stdout: string; stderr: string; output: string };
export function parseJsonOutput(stdout: string): any;
export function parseQueueList(stdout: string): string[];
export function parseBucketList(stdout: string): string[];
export function parseDeployUrl(output: string): string | undefined;
export function explainFailure(output: string): string;
export function streamWrangler(
  args: string[],
  options?: { cwd?: string; env?: NodeJS.ProcessEnv; write?: (text: string) => void },
): Promise<{ ok: boolean; status: number | null; stdout: string; stderr: string; output: string }>;
