// `npm run test:loaded`: the whole `npm test` beside two CPU-bound busy
// loops, as on a busy 2-core machine (CI runs on whatever machine the
// submitter has). The loops are bounded (they stop by themselves after
// LOADED_BUSY_MINUTES, 30 by default) and are stopped when the suite ends,
// passes or fails, or when this script is interrupted. Exits with the
// suite's code and prints its wall time.
import { spawn } from "node:child_process";

const LOOPS = 2;
const minutes = Number(process.env.LOADED_BUSY_MINUTES ?? 30);
const busy = `const end = Date.now() + ${Math.round(minutes * 60_000)}; let x = 0; while (Date.now() < end) x = (x * 31 + 7) % 1000003;`;

const loops = Array.from({ length: LOOPS }, () => spawn(process.execPath, ["-e", busy], { stdio: "ignore" }));
const stopLoops = () => {
  for (const loop of loops) if (loop.exitCode === null && loop.signalCode === null) loop.kill("SIGKILL");
};
process.on("exit", stopLoops);

console.log(`test:loaded: ${LOOPS} busy loops (pids ${loops.map((l) => l.pid).join(", ")}, at most ${minutes} min) beside npm test`);
const started = Date.now();
const suite = spawn("npm", ["test"], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    stopLoops();
    suite.kill(signal);
    process.exit(130);
  });
}
suite.on("exit", (code, signal) => {
  stopLoops();
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`test:loaded: npm test ${code === 0 ? "passed" : `failed (${signal ?? `exit ${code}`})`} beside ${LOOPS} busy loops in ${Math.floor(seconds / 60)} min ${seconds % 60} s`);
  process.exit(code ?? 1);
});
