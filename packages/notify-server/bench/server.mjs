// The bare baseline of bench/run.mjs: a Koa app answering SUCCESS without any work, run as a
// child process so its RSS can be measured alone. (The real server is the built CLI itself.)
//   node bench/server.mjs bare
// Reports { port } over IPC once listening; exits on SIGTERM.
import { createServer } from 'node:http';
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  ctx.type = 'text/plain';
  ctx.body = 'SUCCESS';
});
const server = createServer(app.callback());
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
process.send?.({ port: server.address().port });
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
});
