import { checkStep, expressionAfter } from '../../../server/task/index';
import type { RewardModel, Step } from '../../../server/decoding/types';

/** Reference verifiers the bench can put in the PRM's place (`--verifier`). */
export const VERIFIERS = ['prm', 'oracle'] as const;
export type VerifierName = (typeof VERIFIERS)[number];

interface OracleState<P> {
  readonly prm: P;
  /** The expression the next step must keep the value of. */
  readonly expression: string;
  /** Every step so far kept the value. */
  readonly right: boolean;
}

/** The question in a prompt written by formatPrompt ("Q: <question>\n"). */
function questionOf(prompt: string): string {
  if (!prompt.startsWith('Q: ') || !prompt.endsWith('\n')) throw new Error(`not a prompt: ${JSON.stringify(prompt.slice(0, 20))}`);
  return prompt.slice(3, -1);
}

function advance<P>(state: OracleState<P>, step: Step, prm: P): OracleState<P> {
  return {
    prm,
    expression: expressionAfter(state.expression, step.text),
    right: state.right && checkStep(state.expression, step.text).ok,
  };
}

/**
 * A perfect step verifier: a path scores in [0.5, 1] while every step keeps the question's value
 * (checked exactly, the grader's step checker) and in [0, 0.5) from its first wrong step on; the
 * PRM's score places it within its half, so ties among right paths break as the PRM would.
 * With it the searches show the ceiling their own samples allow: what a better PRM could add.
 */
export function oracleVerifier<P>(prm: RewardModel<P>): RewardModel<OracleState<P>> {
  const blend = (right: boolean, prmScore: number) => (right ? 0.5 + 0.5 * prmScore : 0.5 * prmScore);
  return {
    start: (prompt) => ({ prm: prm.start(prompt), expression: questionOf(prompt), right: true }),
    async scoreSteps(states, steps) {
      const scored = await prm.scoreSteps(states.map((s) => s.prm), steps);
      return scored.map((r, i) => {
        const state = advance(states[i]!, steps[i]!, r.state);
        return { score: blend(state.right, r.score), state };
      });
    },
    async scorePath(state, steps) {
      const scores = await prm.scorePath(state.prm, steps);
      let at = state;
      return steps.map((step, i) => {
        at = advance(at, step, at.prm);
        return blend(at.right, scores[i]!);
      });
    },
  };
}

export function verifierFor(name: VerifierName): (<P>(prm: RewardModel<P>) => RewardModel) | undefined {
  return name === 'oracle' ? oracleVerifier : undefined;
}
