import fs from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { pgConfigFromUrl } from './pg-config';
import type { Logger } from '../observability/logger';

/**
 * Prisma's schema engine compiled to WebAssembly, driven through the pg driver adapter,
 * so migrations are created and applied in Prisma's own format where the native
 * schema-engine binary (which the CLI downloads) is not available.
 *
 * Load path: the package (pinned to an exact version in package.json, since it is a
 * pre-release whose glue is tied to its .wasm) ships `schema_engine.js`, which imports the
 * .wasm as an ES module — something Node 20 cannot do without a flag. We do what that file
 * does, with supported APIs only: load its glue module `schema_engine_bg.js` (an ES module
 * without imports; tsx loads it at run time, jest through its transform), compile the .wasm
 * with WebAssembly.instantiate, and hand the instance to the glue with `__wbg_set_wasm`.
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
}

const GLUE_MODULE = '@prisma/schema-engine-wasm/schema_engine_bg';

async function loadGlue(): Promise<Glue> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const glue = require(GLUE_MODULE) as Glue & Record<string, unknown>;
  const wasmPath = path.join(path.dirname(require.resolve(GLUE_MODULE)), 'schema_engine_bg.wasm');
  const { instance } = await WebAssembly.instantiate(await fs.promises.readFile(wasmPath), {
    './schema_engine_bg.js': withUnrefTimers(glue),
  });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue;
}

/**
 * The imports the .wasm gets: the glue's functions, except that timers are unref'd. The
 * engine arms timeouts (10 s around its migration advisory lock) that it never clears, which
 * would keep a finished CLI (or a jest worker) alive.
 */
function withUnrefTimers(glue: Record<string, unknown>): WebAssembly.ModuleImports {
  const imports: WebAssembly.ModuleImports = {};
  for (const [name, value] of Object.entries(glue)) {
    if (typeof value !== 'function') continue;
    imports[name] = name.startsWith('__wbg_setTimeout_')
      ? (...args: unknown[]) => {
          const timer = (value as (...a: unknown[]) => { unref?: () => void } | undefined)(...args);
          timer?.unref?.();
          return timer;
        }
      : (value as (...a: unknown[]) => unknown);
  }
  return imports;
}

let gluePromise: Promise<Glue> | undefined;

export function loadSchemaEngineGlue(): Promise<Glue> {
  gluePromise ??= loadGlue().catch((err) => {
    gluePromise = undefined;
    throw err;
  });
  return gluePromise;
}

/**
 * adapter-pg runs a migration script by splitting it on every ';', which breaks function bodies,
 * string literals and comments containing one. This adapter sends the script whole instead, as
 * Prisma's native engine does (one simple-protocol query, which Postgres runs as one transaction),
 * and delegates everything else.
 */
class WholeScriptAdapter implements SqlDriverAdapter {
  readonly provider;
  readonly adapterName;
  constructor(
    private readonly inner: SqlDriverAdapter,
    private readonly pool: pg.Pool,
  ) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }
  queryRaw: SqlDriverAdapter['queryRaw'] = (q) => this.inner.queryRaw(q);
  executeRaw: SqlDriverAdapter['executeRaw'] = (q) => this.inner.executeRaw(q);
  startTransaction: SqlDriverAdapter['startTransaction'] = (level) => this.inner.startTransaction(level);
  getConnectionInfo = () => this.inner.getConnectionInfo?.() ?? { supportsRelationJoins: true };
  dispose = () => this.inner.dispose();
  async executeScript(script: string): Promise<void> {
    try {
      await this.pool.query(script);
    } catch (err) {
      const e = err as pg.DatabaseError;
      throw new DriverAdapterError({
        kind: 'postgres',
        code: e.code ?? 'unknown',
        severity: e.severity ?? 'ERROR',
        message: e.message,
        detail: e.detail,
        column: e.column,
        hint: e.hint,
      });
    }
  }
}

function wholeScriptFactory(pool: pg.Pool, schema: string): SqlMigrationAwareDriverAdapterFactory {
  const inner = new PrismaPg(pool, { schema });
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => new WholeScriptAdapter(await inner.connect(), pool),
    // Never used here (migrations are created datamodel to datamodel), so left as adapter-pg has it.
    connectToShadowDb: () => inner.connectToShadowDb(),
  };
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
  const log = options.logger;
  // Our own pool (ended on close): the adapter leaves external pools open, and a pool it
  // creates itself would keep the process alive after the engine is freed.
  const pool = new pg.Pool(pgConfigFromUrl(options.url, options.schema, { max: 2 }));
  pool.on('error', (err) => log?.warn({ err }, 'schema engine pool error'));
  const adapter = bindMigrationAwareSqlAdapterFactory(wholeScriptFactory(pool, options.schema));
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
