// What earlier runs from this checkout did on an account: resources they
// created, secrets they generated but have not shown yet, and how far the
// first namespace got. Kept in .wrangler/deploy/ (gitignored), mode 0600.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** LEADFLARE_DEPLOY_STATE_DIR moves it (the tests keep each run's account apart). */
export function statePath(projectRoot, accountId, worker, env = process.env) {
  return join(env.LEADFLARE_DEPLOY_STATE_DIR || join(projectRoot, ".wrangler", "deploy"), `${accountId}-${worker}.json`);
}

export function loadState(path) {
  if (!existsSync(path)) return { created: { queues: [], d1: [], r2: [] }, pendingSecrets: {}, bootstrap: {} };
  const state = JSON.parse(readFileSync(path, "utf8"));
  return { created: { queues: [], d1: [], r2: [], ...state.created }, pendingSecrets: state.pendingSecrets ?? {}, bootstrap: state.bootstrap ?? {} };
}

export function saveState(path, state) {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}
