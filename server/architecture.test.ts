/**
 * The house rules that a reviewer would otherwise have to remember (CONTRIBUTING.md):
 * checked on the import statements of every file under server/.
 */
import fs from 'node:fs';
import path from 'node:path';

const SERVER = __dirname;
const REPO = path.dirname(SERVER);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(p);
    return /\.(ts|js)$/.test(e.name) ? [p] : [];
  });
}

const rel = (p: string) => path.relative(REPO, p).split(path.sep).join('/');
const files = sourceFiles(SERVER).filter((f) => !f.endsWith('.test.ts') && !f.includes(`${path.sep}console${path.sep}`));

/** Every import/require/export-from specifier of a file, resolved to a repo path when relative. */
function imports(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const specs = [...src.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  return specs.map((s) => (s.startsWith('.') ? rel(path.resolve(path.dirname(file), s)) : s));
}

const capability = (file: string) => rel(file).split('/')[1]!;
/** Process wiring may know every layer; nothing else may know the web layer. */
const WIRING = new Set(['app', 'http']);
const isEntryPoint = (file: string) => /^server\/main-[a-z-]+\.ts$/.test(rel(file));

/** Pure cores: no I/O, so they are tested with plain tables of cases. */
const PURE = [
  'server/analysis/stats/',
  'server/decoding/strategies/',
  'server/rollout/gate-decision.ts',
  'server/rollout/gate-explain.ts',
  'server/rollout/rollout-simulator.ts',
  'server/assignment/payload.ts',
  'server/task/',
];
const IO_MODULES = /^(node:)?(fs|net|http|https|child_process|pg|ioredis|bullmq|express|onnxruntime-node|@prisma\/.*|fs\/promises)$/;

describe('architecture', () => {
  it('found the source files, and reads their relative and package imports', () => {
    expect(files.length).toBeGreaterThan(50);
    const app = imports(path.join(SERVER, 'http', 'create-http-app.ts'));
    expect(app).toContain('express');
    expect(app.some((s) => s.startsWith('server/errors'))).toBe(true);
  });

  it.each(files.filter((f) => !WIRING.has(capability(f)) && !isEntryPoint(f)).map((f) => [rel(f), f]))(
    '%s does not import the HTTP layer',
    (_name, file) => {
      expect(imports(file).filter((s) => s.startsWith('server/http/') || s === 'express')).toEqual([]);
    },
  );

  it('server/ holds only what runs in production: no benches, fakes, fixtures or seeders', () => {
    expect(files.map(rel).filter((f) => /(^|[/-])(bench|fake|fixtures?|seed|seeders?|stand-in|testing)([/.-]|$)/.test(f))).toEqual([]);
  });

  it.each(files.map((f) => [rel(f), f]))('%s does not import test or script code', (_name, file) => {
    expect(imports(file).filter((s) => s.startsWith('test/') || s.startsWith('scripts/'))).toEqual([]);
  });

  it.each(files.filter((f) => PURE.some((p) => rel(f).startsWith(p))).map((f) => [rel(f), f]))('%s (a pure core) does no I/O', (_name, file) => {
    expect(imports(file).filter((s) => IO_MODULES.test(s))).toEqual([]);
  });

  it.each(files.filter((f) => !rel(f).startsWith('server/config/')).map((f) => [rel(f), f]))(
    '%s reads no environment variable (only server/config does)',
    (_name, file) => {
      expect(fs.readFileSync(file, 'utf8').match(/process\.env(\.|\[)/g) ?? []).toEqual([]);
    },
  );
});
