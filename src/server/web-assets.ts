import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { Hono } from 'hono';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * The dashboard's files (dist/web, built by `npm run build`), served from this process: any GET
 * outside /api and /metrics is a file of it, or index.html (the app routes in the browser).
 * Paths never leave the directory. Without a build, a plain note says how to make one.
 */
export function webRoutes(app: Hono, dir: string): void {
  const root = normalize(dir);
  app.get('*', (c, next) => {
    const path = c.req.path;
    if (path.startsWith('/api/') || path === '/metrics') return next();
    if (!existsSync(join(root, 'index.html'))) return c.text('The dashboard is not built: run `npm run build`.', 404);
    const wanted = normalize(join(root, decodeURIComponent(path)));
    const file = wanted.startsWith(root + sep) && existsSync(wanted) && statSync(wanted).isFile() ? wanted : join(root, 'index.html');
    const immutable = file.includes(`${sep}assets${sep}`);
    return c.body(readFileSync(file), 200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
  });
}
