/**
 * The quickstart's output: whole lines, plus one live progress line on a terminal that the next
 * whole line replaces. Off a terminal (CI, a pipe) the progress line is printed every 15 s instead.
 */
export interface Terminal {
  say(line?: string): void;
  progress(line: string): void;
}

export function createTerminal(stream: NodeJS.WriteStream = process.stdout, now: () => number = Date.now): Terminal {
  const tty = stream.isTTY === true;
  let shown = false;
  let lastPlain = now();
  const say = (line = '') => {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
    stream.write(`${line}\n`);
  };
  return {
    say,
    progress(line) {
      if (tty) {
        stream.write(`\r\x1b[K${line}`);
        shown = true;
      } else if (now() - lastPlain >= 15_000) {
        lastPlain = now();
        say(line);
      }
    },
  };
}
