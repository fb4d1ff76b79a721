import { checkStep, expressionAfter } from '../../../server/task/index';
import type { StepRecord } from '../../../server/decoding/types';

/** The first step of a solution that does not keep the value of the line before it, and who wrote it. */
export interface WrongStep {
  readonly index: number;
  readonly model: StepRecord['model'];
  /** SPECS: an accepted draft (false: written by the target, first step or fallback). */
  readonly accepted: boolean;
}

/**
 * Walks a solution with the step checker: each step must keep the value of the expression
 * before it (the question, then the previous "= ..." line). null when every step is right.
 */
export function firstWrongStep(question: string, steps: readonly Pick<StepRecord, 'text' | 'model' | 'accepted'>[]): WrongStep | null {
  let previous = question;
  for (const [index, step] of steps.entries()) {
    if (!checkStep(previous, step.text).ok) return { index, model: step.model, accepted: step.accepted ?? false };
    previous = expressionAfter(previous, step.text);
  }
  return null;
}
