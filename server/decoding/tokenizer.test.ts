import { createTokenizer } from './tokenizer';

const vocab = { tokens: ['<pad>', '<bos>', '<eos>', ...'0123456789+-*()= QA:\n'], pad: 0, bos: 1, eos: 2 };

describe('tokenizer', () => {
  const tok = createTokenizer(vocab);
  it.each(['Q: 47*41-(71-51)+95\n', '= 2002\n', 'A: 2002\n'])('round-trips %j', (text) => {
    expect(tok.decode(tok.encode(text))).toBe(text);
    expect(tok.encode(text)).toHaveLength(text.length);
  });
  it('drops special tokens when decoding', () => {
    expect(tok.decode([1, ...tok.encode('A: 7\n'), 2, 0])).toBe('A: 7\n');
    expect(tok.newline).toBe(vocab.tokens.indexOf('\n'));
  });
  it('rejects characters outside the vocabulary', () => {
    expect(() => tok.encode('x')).toThrow(/"x" is not in the model vocabulary/);
  });
});
