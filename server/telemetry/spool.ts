import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../observability/logger';
import { reviveRequestLogRow, type RequestLogRow } from './request-log-row';

/**
 * Append-only on-disk spool for request-log rows that could not be committed yet.
 *
 * Rows go to NDJSON segment files `seg-<seq>.ndjson` in `dir`, one line per row, fsynced per
 * append (per batch). Appends go to the open segment; `seal()` closes it so it can be replayed,
 * and a segment is deleted only after all its rows are committed (`remove`). A torn last line
 * (crash mid-write) is skipped on read. All operations are serialized.
 */
export interface Spool {
  /** Appends rows durably (returns after fsync). */
  append(rows: readonly RequestLogRow[]): Promise<void>;
  /** Closes the open segment (if any) and lists sealed segments, oldest first. */
  sealAndList(): Promise<SpoolSegment[]>;
  read(segment: SpoolSegment): Promise<RequestLogRow[]>;
  /** Deletes a replayed segment. */
  remove(segment: SpoolSegment): Promise<void>;
  /** Rows Postgres rejected as invalid (data/constraint errors), kept in `dead-letter.ndjson` for inspection. */
  deadLetter(rows: readonly RequestLogRow[], reason: string): Promise<void>;
  /** Rows currently on disk (sealed + open). */
  rowCount(): number;
  /** Rows in the open, not yet sealed, segment. */
  openRowCount(): number;
  close(): Promise<void>;
}

export interface SpoolSegment {
  name: string;
  file: string;
  rows: number;
}

export const DEAD_LETTER_FILE = 'dead-letter.ndjson';
const SEGMENT = /^seg-(\d{16})\.ndjson$/;

export async function createSpool(options: { dir: string; logger?: Logger; segmentMaxBytes?: number }): Promise<Spool> {
  const dir = path.resolve(options.dir);
  const maxBytes = options.segmentMaxBytes ?? 16 * 1024 * 1024;
  const log = options.logger;
  await fs.promises.mkdir(dir, { recursive: true });

  const sealed = new Map<string, SpoolSegment>();
  let nextSeq = 0;
  for (const name of (await fs.promises.readdir(dir)).sort()) {
    const m = SEGMENT.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    const text = await fs.promises.readFile(file, 'utf8');
    const rows = text.split('\n').filter((l) => l.trim() !== '').length;
    if (rows === 0) {
      await fs.promises.unlink(file);
      continue;
    }
    sealed.set(name, { name, file, rows });
    nextSeq = Math.max(nextSeq, Number(m[1]) + 1);
  }
  if (sealed.size > 0) log?.warn({ dir, segments: sealed.size, rows: [...sealed.values()].reduce((a, s) => a + s.rows, 0) }, 'request-log spool has rows to replay');

  let open: { name: string; file: string; fd: fs.promises.FileHandle; bytes: number; rows: number } | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  const serialize = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  };

  const sealOpen = async () => {
    if (!open) return;
    const s = open;
    open = undefined;
    await s.fd.close();
    if (s.rows === 0) await fs.promises.unlink(s.file).catch(() => undefined);
    else sealed.set(s.name, { name: s.name, file: s.file, rows: s.rows });
  };

  const syncDir = async () => {
    // Makes the new segment's directory entry durable, not only its contents.
    const d = await fs.promises.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  };

  return {
    append: (rows) =>
      serialize(async () => {
        if (rows.length === 0) return;
        if (open && open.bytes >= maxBytes) await sealOpen();
        let created = false;
        if (!open) {
          const name = `seg-${String(nextSeq++).padStart(16, '0')}.ndjson`;
          const file = path.join(dir, name);
          open = { name, file, fd: await fs.promises.open(file, 'a'), bytes: 0, rows: 0 };
          created = true;
        }
        let text = '';
        for (const r of rows) text += `${JSON.stringify(r)}\n`;
        const buf = Buffer.from(text, 'utf8');
        await open.fd.write(buf);
        await open.fd.datasync();
        if (created) await syncDir();
        open.bytes += buf.length;
        open.rows += rows.length;
      }),
    sealAndList: () =>
      serialize(async () => {
        await sealOpen();
        return [...sealed.values()].sort((a, b) => a.name.localeCompare(b.name));
      }),
    read: (segment) =>
      serialize(async () => {
        const text = await fs.promises.readFile(segment.file, 'utf8');
        const rows: RequestLogRow[] = [];
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue;
          try {
            rows.push(reviveRequestLogRow(JSON.parse(line)));
          } catch {
            log?.warn({ segment: segment.name }, 'skipping a torn line in the request-log spool');
          }
        }
        return rows;
      }),
    remove: (segment) =>
      serialize(async () => {
        await fs.promises.unlink(segment.file).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
        sealed.delete(segment.name);
      }),
    deadLetter: (rows, reason) =>
      serialize(async () => {
        const fd = await fs.promises.open(path.join(dir, DEAD_LETTER_FILE), 'a');
        try {
          let text = '';
          for (const r of rows) text += `${JSON.stringify({ reason, row: r })}\n`;
          await fd.write(text);
          await fd.datasync();
        } finally {
          await fd.close();
        }
      }),
    rowCount: () => [...sealed.values()].reduce((a, s) => a + s.rows, 0) + (open?.rows ?? 0),
    openRowCount: () => open?.rows ?? 0,
    close: () => serialize(sealOpen),
  };
}
