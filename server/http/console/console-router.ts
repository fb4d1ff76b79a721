import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from 'esbuild';
import { Router, type Request, type Response } from 'express';
import { NotFoundError } from '../../errors';
import { actorOf, type RequireRole } from '../auth';

/**
 * The ops console: static files and ES modules, no build step. Everything is read once at
 * router creation (a few tens of kB) so a request never touches the disk, and served with
 * no-cache so a deploy is picked up on the next reload. The chart scale module is the
 * server's own TypeScript (analysis/charts/chart-scale.ts), type-stripped here, so the
 * console and the report share one tick and time-axis implementation.
 */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
} as const;

// Self-contained page: nothing may load from elsewhere, and no form may post elsewhere.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

const SHARED_MODULES: Record<string, string> = {
  'chart-scale.js': path.join(__dirname, '../../analysis/charts/chart-scale.ts'),
};

export interface ConsoleRouterOptions {
  /** Folder holding the static files (modules in its modules/ folder); defaults to this file's folder. */
  dir?: string;
  /**
   * When given, also serves `GET /api/me` → `{name, role}` so the page can hide the
   * rollout actions from non-admins instead of letting them click into a 403.
   */
  requireRole?: RequireRole;
}

interface Asset {
  type: string;
  body: Buffer;
}

function loadAssets(dir: string): { pages: Map<string, Asset>; modules: Map<string, Asset> } {
  const asset = (file: string): Asset => ({ type: TYPES[path.extname(file) as keyof typeof TYPES], body: readFileSync(file) });
  const pages = new Map(['index.html', 'console.js', 'console.css'].map((f) => [f, asset(path.join(dir, f))]));
  const modules = new Map<string, Asset>();
  const moduleDir = path.join(dir, 'modules');
  for (const f of readdirSync(moduleDir)) if (f.endsWith('.js')) modules.set(f, asset(path.join(moduleDir, f)));
  for (const [name, source] of Object.entries(SHARED_MODULES)) {
    const { code } = transformSync(readFileSync(source, 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: path.basename(source) });
    modules.set(name, { type: TYPES['.js'], body: Buffer.from(code) });
  }
  return { pages, modules };
}

export function createConsoleRouter(options: ConsoleRouterOptions = {}): Router {
  const { pages, modules } = loadAssets(options.dir ?? __dirname);

  const send = (res: Response, a: Asset) => {
    res.set({
      'Content-Type': a.type,
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': CSP,
      'Referrer-Policy': 'no-referrer',
    });
    res.status(200).send(a.body);
  };
  const page = (name: string) => (_req: Request, res: Response) => send(res, pages.get(name)!);

  const router = Router();
  router.get('/', page('index.html'));
  router.get('/index.html', page('index.html'));
  router.get('/console', page('index.html'));
  router.get('/console.js', page('console.js'));
  router.get('/console.css', page('console.css'));
  router.get('/console/:file', (req, res, next) => {
    // A lookup in a fixed map: the name never reaches the file system.
    const a = modules.get(String(req.params.file));
    if (!a) return next(new NotFoundError(`console module ${String(req.params.file).slice(0, 80)}`));
    send(res, a);
  });
  if (options.requireRole) {
    router.get('/api/me', options.requireRole('viewer', 'service'), (_req, res) => {
      const actor = actorOf(res);
      res.set('Cache-Control', 'no-store').json({ name: actor.name, role: actor.role });
    });
  }
  return router;
}
