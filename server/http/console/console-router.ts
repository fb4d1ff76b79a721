import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';

/**
 * The ops console: three static files, no build step. They are read once at
 * router creation (a few tens of kB) so a request never touches the disk, and
 * served with no-cache so a deploy is picked up on the next reload.
 */
const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
} as const;

type FileName = keyof typeof FILES;

export interface ConsoleRouterOptions {
  /** Folder holding the static files; defaults to this file's folder. */
  dir?: string;
}

export function createConsoleRouter(options: ConsoleRouterOptions = {}): Router {
  const dir = options.dir ?? __dirname;
  const bodies = new Map<FileName, Buffer>();
  for (const name of Object.keys(FILES) as FileName[]) bodies.set(name, readFileSync(path.join(dir, name)));

  const send = (name: FileName) => (_req: Request, res: Response) => {
    res.set({
      'Content-Type': FILES[name],
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      'X-Content-Type-Options': 'nosniff',
      // Self-contained page: nothing may load from elsewhere.
      'Content-Security-Policy':
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
    });
    res.status(200).send(bodies.get(name));
  };

  const router = Router();
  router.get('/', send('index.html'));
  router.get('/index.html', send('index.html'));
  router.get('/console', send('index.html'));
  router.get('/console.js', send('console.js'));
  router.get('/console.css', send('console.css'));
  return router;
}
