/**
 * The Dockerfile, executed on the host (scripts/dockerfile-dry-run.ts): its build stage
 * installs and generates, its runtime stage keeps only production dependencies, and the API
 * it starts in production mode migrates a fresh schema and passes the image's HEALTHCHECK.
 * It caught the WebAssembly schema engine living in devDependencies (pruned from the image,
 * so the API could not migrate).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

jest.setTimeout(600_000);

it('the image built from the Dockerfile starts the API in production mode and passes its HEALTHCHECK', () => {
  const root = path.resolve(__dirname, '..', '..');
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/dockerfile-dry-run.ts')], { cwd: root, encoding: 'utf8', env: process.env });
  expect(run.stderr).toMatch(/FROM node:20\S* \(host Node v20/);
  expect(run.stdout).toMatch(/passed its HEALTHCHECK/);
  expect(run.status).toBe(0);
});
