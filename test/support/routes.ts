import type { Express } from 'express';

export interface RouteEntry {
  method: string;
  path: string;
}

/** Every route the Express app serves, read from its router (nested routers included). */
export function listRoutes(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const m of Object.keys(layer.route.methods)) out.push({ method: m.toUpperCase(), path: layer.route.path });
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}
