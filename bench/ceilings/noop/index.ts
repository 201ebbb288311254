import { Hono } from "hono";

const app = new Hono();

app.post("/v1/track", (c) => c.json({ success: true }));
app.post("/v1/batch", (c) => c.json({ success: true }));

export default app;
