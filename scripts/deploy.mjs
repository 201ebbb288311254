// `npm run deploy`: leadflare on a Cloudflare account in one command
// (scripts/deploy/: plan, discovery, runner; docs/deploy.md).
import { fileURLToPath } from "node:url";
import { main } from "./deploy/run.mjs";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
process.exitCode = await main({ projectRoot, argv: process.argv.slice(2) });
