import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { freePort } from "./free-port.ts";
import type { TestProject } from "vitest/node";

/** A port nothing listens on now (the socket server wants a number up front). */

/**
 * A real Postgres for the Postgres destination's tests: PGlite (Postgres
 * compiled to WASM, in this Node process) behind its wire-protocol socket
 * server on a free local port, which the Worker reaches over TCP
 * (`cloudflare:sockets`), as it would reach Hyperdrive or a database.
 */
export default async function setup(project: TestProject) {
  const db = await PGlite.create();
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: 16 });
  await server.start();
  project.provide("postgresPort", port);
  return async () => {
    await server.stop();
    await db.close();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    postgresPort: number;
  }
}
