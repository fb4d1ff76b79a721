import type { Logger } from 'pino';

/**
 * One Ctrl-C often arrives more than once: the terminal signals the whole foreground process
 * group, and the wrappers in it (npm, tsx) forward the signal they got to their child as well.
 * A repeat within this window is that same keypress; only a later one means "quit now".
 */
export const REPEAT_GRACE_MS = 1500;

/** Calls `onStop('graceful')` on the first SIGINT/SIGTERM and `onStop('now')` on a deliberate second one; returns the unsubscribe. */
export function onStopSignal(onStop: (kind: 'graceful' | 'now', signal: NodeJS.Signals) => void, now: () => number = Date.now): () => void {
  let firstAt: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (firstAt === undefined) {
      firstAt = now();
      onStop('graceful', signal);
    } else if (now() - firstAt >= REPEAT_GRACE_MS) onStop('now', signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** First SIGINT/SIGTERM closes gracefully; a second one (not the echo of the first) exits at once. */
export function closeOnSignal(close: () => Promise<void>, logger: Logger): void {
  onStopSignal((kind, signal) => {
    if (kind === 'now') {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
