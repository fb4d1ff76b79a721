import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { actorOf, type RequireRole } from '../auth';

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
  /**
   * When given, also serves `GET /api/me` → `{name, role}` so the page can hide the
   * rollout actions from non-admins instead of letting them click into a 403.
   */
  requireRole?: RequireRole;
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
  if (options.requireRole) {
    router.get('/api/me', options.requireRole('viewer', 'service'), (_req, res) => {
      const actor = actorOf(res);
      res.set('Cache-Control', 'no-store').json({ name: actor.name, role: actor.role });
    });
  }
  return router;
}
