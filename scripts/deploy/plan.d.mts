import type { DeployConfig } from "./config.mjs";

export const REQUIRED_SECRETS: string[];
export const OPTIONAL_SECRETS: string[];
export interface Existing {
  worker: { exists: boolean; secrets: string[] };
  queues: string[];
  d1: string[];
  r2: string[];
}
export interface DeployStep {
  kind: "create-queue" | "create-d1" | "create-r2" | "migrate" | "deploy" | "bootstrap";
  name: string;
  label: string;
  args?: string[];
  secrets?: string[];
}
export interface DeployPlan {
  worker: string;
  steps: DeployStep[];
  bindings: { binding: string; kind: string; resource: string; action: string }[];
  blockers: string[];
}
export function planDeploy(
  config: DeployConfig,
  existing: Existing,
  state?: { created?: { queues?: string[]; d1?: string[]; r2?: string[] }; bootstrap?: { pending?: boolean; done?: boolean } },
  options?: { ci?: boolean; adopt?: boolean; namespace?: string },
): DeployPlan;
export function formatPlan(plan: DeployPlan): string;
