import { ValidationError } from '../errors/index';

export type Operator = '+' | '-' | '*';
export type Token =
  | { kind: 'num'; value: bigint; text: string }
  | { kind: 'op'; op: Operator }
  | { kind: 'lparen' }
  | { kind: 'rparen' };

export const MAX_EXPRESSION_LENGTH = 200;
export const MAX_QUESTION_NUMBER = 99;

export class ExpressionError extends ValidationError {
  constructor(message: string, readonly position?: number) {
    super(message, 'expression');
  }
}

export interface ParseOptions {
  /** Largest literal allowed (questions: 99). Steps allow any non-negative integer. */
  maxNumber?: number;
}

/** Tokenizes an expression, rejecting anything outside the workload's grammar. */
export function tokenize(text: string, options: ParseOptions = {}): Token[] {
  if (text.length === 0) throw new ExpressionError('expression is empty');
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`expression is ${text.length} characters long; the maximum is ${MAX_EXPRESSION_LENGTH}`);
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c >= '0' && c <= '9') {
      let j = i;
      while (j < text.length && (text[j] as string) >= '0' && (text[j] as string) <= '9') j++;
      const digits = text.slice(i, j);
      if (digits.length > 1 && digits[0] === '0') {
        throw new ExpressionError(`number "${digits}" at position ${i} has a leading zero`, i);
      }
      const value = BigInt(digits);
      if (options.maxNumber !== undefined && value > BigInt(options.maxNumber)) {
        throw new ExpressionError(`number ${digits} at position ${i} is larger than ${options.maxNumber}`, i);
      }
      tokens.push({ kind: 'num', value, text: digits });
      i = j;
      continue;
    }
    if (c === '+' || c === '-' || c === '*') {
      const prev = tokens[tokens.length - 1];
      if (c === '-' && (prev === undefined || prev.kind === 'op' || prev.kind === 'lparen')) {
        throw new ExpressionError(`unary minus at position ${i} is not allowed`, i);
      }
      tokens.push({ kind: 'op', op: c });
    } else if (c === '(') {
      tokens.push({ kind: 'lparen' });
    } else if (c === ')') {
      tokens.push({ kind: 'rparen' });
    } else if (c === ' ' || c === '\t') {
      throw new ExpressionError(`whitespace at position ${i} is not allowed`, i);
    } else if (/[a-zA-Z]/.test(c)) {
      throw new ExpressionError(`letter "${c}" at position ${i} is not allowed`, i);
    } else {
      throw new ExpressionError(`unexpected character ${JSON.stringify(c)} at position ${i}`, i);
    }
    i++;
  }
  return tokens;
}

/** Checks operand/operator alternation and parenthesis balance. */
export function validateTokens(tokens: readonly Token[]): void {
  let depth = 0;
  let expectOperand = true;
  tokens.forEach((t, idx) => {
    if (expectOperand) {
      if (t.kind === 'num') expectOperand = false;
      else if (t.kind === 'lparen') depth++;
      else if (t.kind === 'rparen') throw new ExpressionError(`empty or dangling ")" at token ${idx}`);
      else throw new ExpressionError(`operator "${t.op}" at token ${idx} is missing its left operand`);
    } else if (t.kind === 'op') {
      expectOperand = true;
    } else if (t.kind === 'rparen') {
      if (depth === 0) throw new ExpressionError(`unbalanced parentheses: ")" at token ${idx} has no matching "("`);
      depth--;
    } else {
      throw new ExpressionError(`missing operator before token ${idx}`);
    }
  });
  if (expectOperand) throw new ExpressionError('expression ends with an operator or "("');
  if (depth !== 0) throw new ExpressionError(`unbalanced parentheses: ${depth} unclosed "("`);
}

/** Tokenizes and validates; throws ExpressionError with a readable message. */
export function parseExpression(text: string, options: ParseOptions = {}): Token[] {
  const tokens = tokenize(text, options);
  validateTokens(tokens);
  return tokens;
}

/** Parses a question: literals 0..99 only. */
export function parseQuestion(text: string): Token[] {
  return parseExpression(text, { maxNumber: MAX_QUESTION_NUMBER });
}

/** Exact value of a validated token list with standard precedence (left-associative). */
export function evaluateTokens(tokens: readonly Token[]): bigint {
  let pos = 0;
  const primary = (): bigint => {
    const t = tokens[pos++];
    if (t?.kind === 'num') return t.value;
    if (t?.kind === 'lparen') {
      const v = sum();
      pos++; // ')'
      return v;
    }
    throw new ExpressionError('malformed expression');
  };
  const product = (): bigint => {
    let v = primary();
    for (let t = tokens[pos]; t?.kind === 'op' && t.op === '*'; t = tokens[pos]) {
      pos++;
      v *= primary();
    }
    return v;
  };
  const sum = (): bigint => {
    let v = product();
    for (let t = tokens[pos]; t?.kind === 'op' && t.op !== '*'; t = tokens[pos]) {
      pos++;
      v = t.op === '+' ? v + product() : v - product();
    }
    return v;
  };
  const v = sum();
  if (pos !== tokens.length) throw new ExpressionError('malformed expression');
  return v;
}

export function evaluateExpression(text: string, options: ParseOptions = {}): bigint {
  return evaluateTokens(parseExpression(text, options));
}

export function renderTokens(tokens: readonly Token[]): string {
  return tokens
    .map((t) => (t.kind === 'num' ? t.text : t.kind === 'op' ? t.op : t.kind === 'lparen' ? '(' : ')'))
    .join('');
}

export function countOperations(tokens: readonly Token[]): number {
  return tokens.filter((t) => t.kind === 'op').length;
}
