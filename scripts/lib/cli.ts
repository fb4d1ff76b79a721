/**
 * The one way our CLIs read their arguments: node:util parseArgs in strict mode, `--help`
 * prints the usage and exits 0 before any work, an unknown or malformed flag is a one-line
 * error naming it and exit code 2, and every failure after parsing is a one-line message (exit 1)
 * instead of a stack.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CliSpec<O extends Options> {
  /** `npm run <name>` */
  name: string;
  /** How a person invokes it, when not `npm run <name>` (e.g. `npm start`). */
  command?: string;
  /** Usage lines after "usage: npm run <name> --"; flags described one per line. */
  usage: string;
  options: O;
  positionals?: boolean;
}

export class CliError extends Error {}

export function parseCli<O extends Options>(spec: CliSpec<O>, argv: string[] = process.argv.slice(2)) {
  const options = { ...spec.options, help: { type: 'boolean', short: 'h' } } as O & { help: { type: 'boolean'; short: 'h' } };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: spec.positionals ?? false });
  } catch (err) {
    // One line: what was wrong and where the usage is, not the usage itself.
    process.stderr.write(`${spec.name}: ${(err as Error).message} (${invocation(spec)} -- --help lists the options)\n`);
    process.exit(2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usageText(spec));
    process.exit(0);
  }
  return parsed;
}

const invocation = (spec: { name: string; command?: string }): string => spec.command ?? `npm run ${spec.name}`;

export const usageText = (spec: { name: string; command?: string; usage: string }): string => `usage: ${invocation(spec)} -- ${spec.usage.trim()}\n`;

/** A numeric flag: undefined when absent, a CliError naming the flag when malformed or out of range. */
export function numberArg(name: string, raw: unknown, o: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const what = o.integer ? 'an integer' : 'a number';
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || (o.integer && !Number.isInteger(n))) {
    throw new CliError(`--${name} must be ${what}, got ${JSON.stringify(raw)}`);
  }
  if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
    throw new CliError(`--${name} must be between ${o.min ?? '-∞'} and ${o.max ?? '∞'}, got ${n}`);
  }
  return n;
}

/** A flag value that must be one of `allowed` (`what` names one in the message: "unknown strategy"). */
export function choiceArg<T extends string>(name: string, what: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new CliError(`--${name}: unknown ${what} "${raw}" (one of ${allowed.join(', ')})`);
  return raw as T;
}

/** Where results go: `--out` if given, else a fresh scratch folder (never over committed results). */
export function outputDir(name: string, out: unknown): string {
  if (typeof out !== 'string' || out === '') return mkdtempSync(join(tmpdir(), `${name.replace(/[^a-z0-9]+/gi, '-')}-`));
  mkdirSync(out, { recursive: true });
  return out;
}

/**
 * Runs a CLI's main: failures become one line on stderr. Bad input (a CliError, or an
 * application error with HTTP status 400 or 404) exits 2, anything else 1.
 */
export function runCli(name: string, main: () => Promise<void> | void): void {
  Promise.resolve()
    .then(main)
    .catch((err: unknown) => {
      const status = (err as { status?: unknown }).status;
      process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(err instanceof CliError || status === 400 || status === 404 ? 2 : 1);
    });
}
