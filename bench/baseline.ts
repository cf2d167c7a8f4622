// The baseline: a bare Fastify server, in its own process, answering one static
// JSON body (the bench passes a real GET app response, so the size is the same).
// What it manages is what Node's HTTP stack can do on this machine.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const body = JSON.parse(readFileSync(process.argv[2], 'utf8')) as object;
const app = Fastify({ logger: false });
app.get('/baseline', async () => body);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
