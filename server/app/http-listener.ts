import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { SetupError } from '../errors';

/** Listens, turning a taken or forbidden port into a one-line SetupError that names the variable. */
export async function listenOn(app: Express, o: { port: number; host: string; portVariable: string }): Promise<{ url: string; server: Server }> {
  const s = app.listen(o.port, o.host);
  await new Promise<void>((resolve, reject) => {
    s.once('listening', resolve);
    s.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new SetupError(`port ${o.port} on ${o.host} is already in use (another npm start or npm run serve?); stop that process or choose another port: ${o.portVariable}=${o.port + 1}`));
      } else if (err.code === 'EACCES') reject(new SetupError(`no permission to listen on port ${o.port} on ${o.host}; choose a port above 1023 with ${o.portVariable}`));
      else reject(err);
    });
  });
  s.keepAliveTimeout = 65_000;
  const addr = s.address() as AddressInfo;
  return { url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${addr.port}`, server: s };
}

/** Stops accepting; requests in flight finish, bounded by `graceMs`. */
export function closeServer(s: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    // A keep-alive connection whose request finishes after close() would otherwise stay
    // open for keepAliveTimeout (65 s) and hold the shutdown: close each as it goes idle.
    const sweep = setInterval(() => s.closeIdleConnections(), 100);
    const deadline = setTimeout(() => s.closeAllConnections(), graceMs);
    s.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve();
    });
    s.closeIdleConnections();
  });
}
