/**
 * The REST baseline server: a Fastify app with one POST route, `/api/profile/`, answering the JSON in
 * BENCH_ANSWER — no validation, storage or auth. Run as a child process by bare-child.ts, port in BENCH_PORT.
 */
import Fastify from "fastify";

const answer: unknown = JSON.parse(process.env.BENCH_ANSWER ?? "{}");
const app = Fastify({ logger: false });
app.post("/api/profile/", async () => answer);
process.on("SIGTERM", () => process.exit(0));
await app.listen({ host: "127.0.0.1", port: Number(process.env.BENCH_PORT) });
process.stdout.write("bare fastify ready\n");
