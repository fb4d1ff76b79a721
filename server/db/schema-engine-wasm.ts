import fs from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
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
  const factory = new PrismaPg({ connectionString: options.url, max: 2 }, { schema: options.schema });
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
    },
  };
}
