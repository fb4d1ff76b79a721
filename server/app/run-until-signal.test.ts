import { onStopSignal, REPEAT_GRACE_MS } from './run-until-signal';

describe('onStopSignal', () => {
  it('treats a repeat within the grace window as the same Ctrl-C, a later one as "quit now"', () => {
    let t = 1_000;
    const calls: string[] = [];
    const off = onStopSignal((kind, signal) => calls.push(`${kind}:${signal}`), () => t);
    try {
      process.emit('SIGINT', 'SIGINT');
      t += 10;
      process.emit('SIGINT', 'SIGINT'); // forwarded by npm / tsx
      t += REPEAT_GRACE_MS;
      process.emit('SIGTERM', 'SIGTERM');
    } finally {
      off();
    }
    expect(calls).toEqual(['graceful:SIGINT', 'now:SIGTERM']);
  });
});
