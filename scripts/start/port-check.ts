import net from 'node:net';
import { SetupError } from '../../server/errors';

/**
 * Fails fast, before Postgres and the models start, when the API's port is taken: the usual
 * cause is an `npm start` already running in another terminal.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new SetupError(`port ${port} on ${host} is already in use — is npm start already running? If so its console is at http://${host}:${port}/; otherwise stop that program or choose another port: PORT=${port + 1} npm start`));
      } else if (err.code === 'EACCES') {
        reject(new SetupError(`no permission to listen on port ${port} on ${host}; choose a port above 1023: PORT=3000 npm start`));
      } else reject(err);
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
