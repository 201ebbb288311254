export interface DeployConfig {
  worker: string;
  d1: { binding: string; name: string; id?: string; migrationsDir: string }[];
  r2: { binding: string; bucket: string }[];
  queues: { name: string; bindings: string[]; roles: string[] }[];
  durableObjects: { binding: string; className: string }[];
  assets?: { binding?: string; directory: string };
  vars: string[];
  hyperdrive: { binding: string; id?: string }[];
  unknown: string[];
}
export const KNOWN_BINDING_KINDS: string[];
export function describeConfig(toml: Record<string, any>): DeployConfig;
export function readConfig(path: string): DeployConfig;
