// The example's service: answers 200 with a small JSON document on 127.0.0.1:PORT.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 18080);
createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ status: 'ok', pid: process.pid }));
}).listen(port, '127.0.0.1');
