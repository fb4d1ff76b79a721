import fs from 'node:fs';
import path from 'node:path';
import { reviveRequestLogRow, type RequestLogRow } from './request-log-row';

/**
 * The request-log writer's write-ahead journal: every row is appended (synchronously, to the
 * kernel) before the worker answers the request, and forgotten once its batch is committed
 * or spooled. A worker killed with rows still in memory leaves them here; the next writer on
 * the same folder recovers them. Appends are not fsynced: this guards against a process
 * dying, which is what kills workers (deploys, OOM, SIGKILL); the machine going down is the
 * spool's and Postgres' business.
 *
 * Rows go to numbered segment files; a segment is deleted once it is no longer the one
 * being written and every row in it has settled.
 */
export interface Journal {
  /** Appends the row; returns its segment, to pass to `settle` later. */
  append(row: RequestLogRow): number;
  /** `count` rows of segment `seg` are committed or spooled. */
  settle(seg: number, count: number): void;
  /** Rows left by an earlier process (each segment read once, then deleted by `forgetRecovered`). */
  recover(): RequestLogRow[];
  forgetRecovered(): void;
  close(): void;
}

const PREFIX = 'journal-';
const ROTATE_ROWS = 20_000;
const ROTATE_MS = 10_000;

export function createJournal(options: { dir: string; now?: () => number }): Journal {
  const now = options.now ?? Date.now;
  fs.mkdirSync(options.dir, { recursive: true });
  const file = (seg: number) => path.join(options.dir, `${PREFIX}${String(seg).padStart(12, '0')}.ndjson`);
  const leftovers = fs
    .readdirSync(options.dir)
    .filter((f) => f.startsWith(PREFIX) && f.endsWith('.ndjson'))
    .map((f) => Number(f.slice(PREFIX.length, -'.ndjson'.length)))
    .filter(Number.isInteger)
    .sort((a, b) => a - b);
  let active = (leftovers[leftovers.length - 1] ?? 0) + 1;
  let fd = fs.openSync(file(active), 'a');
  let activeRows = 0;
  let openedAt = now();
  const unsettled = new Map<number, number>([[active, 0]]);

  const dropIfDone = (seg: number) => {
    if (seg !== active && (unsettled.get(seg) ?? 0) <= 0) {
      unsettled.delete(seg);
      fs.rmSync(file(seg), { force: true });
    }
  };

  const rotate = () => {
    fs.closeSync(fd);
    const old = active;
    active += 1;
    fd = fs.openSync(file(active), 'a');
    activeRows = 0;
    openedAt = now();
    unsettled.set(active, 0);
    dropIfDone(old);
  };

  return {
    append(row) {
      if (activeRows >= ROTATE_ROWS || now() - openedAt >= ROTATE_MS) rotate();
      fs.writeSync(fd, `${JSON.stringify(row)}\n`);
      activeRows += 1;
      unsettled.set(active, (unsettled.get(active) ?? 0) + 1);
      return active;
    },
    settle(seg, count) {
      unsettled.set(seg, (unsettled.get(seg) ?? 0) - count);
      dropIfDone(seg);
    },
    recover() {
      const rows: RequestLogRow[] = [];
      for (const seg of leftovers) {
        for (const line of fs.readFileSync(file(seg), 'utf8').split('\n')) {
          if (!line) continue;
          try {
            rows.push(reviveRequestLogRow(JSON.parse(line) as Record<string, unknown>));
          } catch {
            // A torn last line from the crash: that row never reached the client as logged.
          }
        }
      }
      return rows;
    },
    forgetRecovered() {
      for (const seg of leftovers.splice(0)) fs.rmSync(file(seg), { force: true });
    },
    close() {
      fs.closeSync(fd);
      // Nothing unsettled in the active segment means nothing to recover from it.
      if ((unsettled.get(active) ?? 0) <= 0) fs.rmSync(file(active), { force: true });
    },
  };
}
