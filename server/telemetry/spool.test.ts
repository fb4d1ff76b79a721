import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createJournal } from './journal';
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

describe('journal', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives back the rows a killed process had not settled, once', () => {
    const j1 = createJournal({ dir });
    const segA = j1.append(row('a'));
    j1.append(row('b'));
    j1.append(row('c'));
    j1.settle(segA, 1); // one row committed; the process "dies" without close()
    const j2 = createJournal({ dir });
    // Segments are settled as a whole: the unsettled segment comes back with every row it holds.
    expect(j2.recover().map((r) => r.requestId)).toEqual(['a', 'b', 'c']);
    expect(j2.recover()[0]!.receivedAt).toEqual(new Date('2025-01-01T00:00:00Z'));
    j2.forgetRecovered();
    j2.close();
    expect(createJournal({ dir }).recover()).toEqual([]);
  });

  it('deletes segments once rotated and settled, and leaves nothing after a clean close', () => {
    let t = 0;
    const j = createJournal({ dir, now: () => t });
    const s1 = j.append(row('a'));
    t += 60_000; // the next append rotates to a new segment
    const s2 = j.append(row('b'));
    expect(s2).toBe(s1 + 1);
    j.settle(s1, 1);
    j.settle(s2, 1);
    j.close();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
