import { readFileSync } from 'node:fs';
import { z } from 'zod';

const vocabSchema = z.object({
  tokens: z.array(z.string()).min(4),
  pad: z.number().int().nonnegative(),
  bos: z.number().int().nonnegative(),
  eos: z.number().int().nonnegative(),
});

export interface Tokenizer {
  readonly vocabSize: number;
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;
  readonly newline: number;
  /** Character-level ids; throws on characters outside the vocabulary. */
  encode(text: string): number[];
  /** Text of ids, special tokens dropped. */
  decode(ids: readonly number[]): string;
  /** Single-character token text ('' for special tokens). */
  piece(id: number): string;
}

export function createTokenizer(vocab: unknown): Tokenizer {
  const v = vocabSchema.parse(vocab);
  const special = new Set([v.pad, v.bos, v.eos]);
  const ids = new Map<string, number>();
  v.tokens.forEach((t, i) => {
    if (!special.has(i)) ids.set(t, i);
  });
  const newline = ids.get('\n');
  if (newline === undefined) throw new Error('vocabulary has no "\\n" token');
  const piece = (id: number) => (special.has(id) ? '' : (v.tokens[id] ?? ''));
  return {
    vocabSize: v.tokens.length,
    pad: v.pad,
    bos: v.bos,
    eos: v.eos,
    newline,
    encode(text) {
      return Array.from(text, (ch) => {
        const id = ids.get(ch);
        if (id === undefined) throw new RangeError(`character ${JSON.stringify(ch)} is not in the model vocabulary`);
        return id;
      });
    },
    decode: (list) => list.map(piece).join(''),
    piece,
  };
}

export function loadTokenizer(file: string): Tokenizer {
  return createTokenizer(JSON.parse(readFileSync(file, 'utf8')));
}
