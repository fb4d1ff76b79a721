import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSpool } from './spool';
import type { RequestLogRow } from './request-log-row';

const row = (id: string) => ({ requestId: id, receivedAt: new Date('2025-01-01T00:00:00Z'), startedAt: null, finishedAt: null }) as unknown as RequestLogRow;

describe('spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('persists appended rows across reopen, revives dates, and deletes replayed segments', async () => {
    const s1 = await createSpool({ dir });
    await s1.append([row('a'), row('b')]);
    await s1.append([row('c')]);
    expect(s1.rowCount()).toBe(3);
    await s1.close();

    const s2 = await createSpool({ dir });
    expect(s2.rowCount()).toBe(3);
    const segs = await s2.sealAndList();
    expect(segs).toHaveLength(1);
    const rows = await s2.read(segs[0]!);
    expect(rows.map((r) => r.requestId)).toEqual(['a', 'b', 'c']);
    expect(rows[0]!.receivedAt).toEqual(new Date('2025-01-01T00:00:00Z'));
    await s2.append([row('d')]); // goes to a new segment, not the one being replayed
    await s2.remove(segs[0]!);
    expect(s2.rowCount()).toBe(1);
    const next = await s2.sealAndList();
    expect(next.map((s) => s.name)).not.toContain(segs[0]!.name);
    await s2.close();
  });

  it('skips a torn last line left by a crash', async () => {
    const s1 = await createSpool({ dir });
    await s1.append([row('a')]);
    await s1.close();
    const [file] = fs.readdirSync(dir);
    fs.appendFileSync(path.join(dir, file!), '{"requestId":"b","rece');
    const s2 = await createSpool({ dir });
    const [seg] = await s2.sealAndList();
    expect((await s2.read(seg!)).map((r) => r.requestId)).toEqual(['a']);
    await s2.close();
  });

  it('rotates segments by size', async () => {
    const s = await createSpool({ dir, segmentMaxBytes: 10 });
    await s.append([row('a')]);
    await s.append([row('b')]);
    expect(await s.sealAndList()).toHaveLength(2);
    await s.close();
  });
});
