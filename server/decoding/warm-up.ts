/**
 * A fresh process pays one-time costs on its first solves: onnxruntime initialises each
 * session's kernels and grows its memory arena per input shape, and V8 has not compiled the
 * search loops yet. Measured here: a first beam search took 192 ms, the next ones 22–27 ms.
 * Whichever variant happens to serve first would carry that cost into its latency, so a
 * process that is about to be compared runs each configuration a few times beforehand.
 */
export interface WarmUpTarget {
  solve(question: string, options: { strategy: string } & Record<string, unknown>): Promise<unknown>;
}

export interface WarmUpConfig {
  readonly strategy: string;
  readonly params: Readonly<Record<string, unknown>>;
}

const QUESTIONS = ['12+7*3', '47*41-(71-51)+95'];

/** Runs every distinct configuration `rounds` times over a short and a long question; returns the elapsed ms. */
export async function warmUpDecoder(decoder: WarmUpTarget, configs: readonly WarmUpConfig[], rounds = 2): Promise<number> {
  const started = performance.now();
  const distinct = new Map(configs.map((c) => [JSON.stringify([c.strategy, c.params]), c]));
  for (let round = 0; round < rounds; round++) {
    for (const c of distinct.values()) {
      await decoder.solve(QUESTIONS[round % QUESTIONS.length]!, { ...c.params, strategy: c.strategy });
    }
  }
  return performance.now() - started;
}
