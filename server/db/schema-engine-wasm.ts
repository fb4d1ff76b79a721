import fs from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { pgConfigFromUrl } from './pg-config';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { Logger } from '../observability/logger';

/**
 * Prisma's schema engine compiled to WebAssembly, driven through the pg driver adapter,
 * so migrations are created and applied in Prisma's own format without the native
 * schema-engine binary (which the CLI downloads from a host not reachable here).
 *
 * The package ships as a bundler-style ES module (`import * as wasm from "./x.wasm"`),
 * which neither CommonJS nor jest can load. Its glue file has no imports of its own,
 * so we evaluate it as a CommonJS function body and instantiate the .wasm ourselves.
 */
export interface WasmSchemaEngine {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  createMigration(input: unknown): Promise<{ generatedMigrationName: string | null }>;
  diff(input: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  diagnoseMigrationHistory(input: unknown): Promise<unknown>;
  dbExecute(input: unknown): Promise<void>;
  free(): void;
}

interface Glue {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
  SchemaEngine: { new: (options: unknown, callback: (msg: string) => void, adapter: object) => Promise<WasmSchemaEngine> };
  version(): string;
}

let gluePromise: Promise<Glue> | undefined;

function packageDir(): string {
  return path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
}

async function loadGlue(): Promise<Glue> {
  const dir = packageDir();
  const source = fs.readFileSync(path.join(dir, 'schema_engine_bg.js'), 'utf8');
  const names: string[] = [];
  const body = source.replace(/^export (function|class|const|let) ([A-Za-z0-9_$]+)/gm, (_m, kind: string, name: string) => {
    names.push(name);
    return `${kind} ${name}`;
  });
  if (/^export /m.test(body)) throw new Error('@prisma/schema-engine-wasm: unexpected export form in schema_engine_bg.js');
  const factory = new Function(`${body}\nreturn { ${names.join(', ')} };`) as () => Record<string, unknown>;
  const glue = factory();
  // The engine arms timeouts (e.g. 10 s around its migration advisory lock) that it never clears;
  // unref them so a finished migration does not keep the process (or a jest worker) alive.
  for (const name of names.filter((n) => n.startsWith('__wbg_setTimeout_'))) {
    const orig = glue[name] as (...args: unknown[]) => unknown;
    glue[name] = (...args: unknown[]) => {
      const t = orig(...args) as { unref?: () => void } | undefined;
      t?.unref?.();
      return t;
    };
  }
  const bytes = await fs.promises.readFile(path.join(dir, 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue as WebAssembly.ModuleImports });
  (glue as unknown as Glue).__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue as unknown as Glue;
}

export function loadSchemaEngineGlue(): Promise<Glue> {
  gluePromise ??= loadGlue().catch((err) => {
    gluePromise = undefined;
    throw err;
  });
  return gluePromise;
}

interface ScriptCapableAdapter {
  client: pg.Pool | pg.PoolClient;
  executeScript(script: string): Promise<void>;
  onError(error: unknown): never;
}

/**
 * adapter-pg runs a migration script by splitting it on every ';', which breaks function bodies,
 * string literals and comments containing one. Send the script whole instead, as Prisma's
 * native engine does: one simple-protocol query, which Postgres also runs as one transaction.
 */
function wholeScriptExecution<T extends object>(adapter: T): T {
  const a = adapter as unknown as ScriptCapableAdapter;
  if (typeof a.executeScript === 'function' && a.client && typeof a.client.query === 'function') {
    a.executeScript = async (script: string) => {
      try {
        await a.client.query(script);
      } catch (err) {
        a.onError(err);
      }
    };
  }
  return adapter;
}

export interface OpenSchemaEngineOptions {
  url: string;
  schema: string;
  /** Prisma schema files [path, content]; the engine needs them for create/diff against the datamodel. */
  datamodels?: [string, string][];
  logger?: Logger;
}

/** Opens an engine on `url`, with `schema` as the Postgres schema it manages. Call `close()` when done. */
export async function openSchemaEngine(options: OpenSchemaEngineOptions): Promise<{ engine: WasmSchemaEngine; close: () => Promise<void> }> {
  const glue = await loadSchemaEngineGlue();
  // Our own pool (ended on close): the adapter leaves external pools open, and a pool it
  // creates itself would keep the process alive after the engine is freed.
  const pool = new pg.Pool(pgConfigFromUrl(options.url, options.schema, { max: 2 }));
  pool.on('error', (err) => log?.warn({ err }, 'schema engine pool error'));
  const factory = new PrismaPg(pool, { schema: options.schema });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => wholeScriptExecution(await connect());
  const adapter = bindMigrationAwareSqlAdapterFactory(factory as never);
  const log = options.logger;
  const engine = await glue.SchemaEngine.new(
    { datamodels: options.datamodels },
    (msg: string) => log?.debug({ engine: msg }, 'schema engine'),
    adapter,
  );
  return {
    engine,
    close: async () => {
      engine.free();
      await pool.end();
    },
  };
}
