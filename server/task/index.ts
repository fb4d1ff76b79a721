export { createRng, type Rng } from './rng';
export {
  ExpressionError,
  MAX_EXPRESSION_LENGTH,
  MAX_QUESTION_NUMBER,
  countOperations,
  evaluateExpression,
  parseExpression,
  parseQuestion,
  renderTokens,
  tokenize,
  type Token,
} from './parse-expression';
export { canonicalSolution, canonicalStep, productTerms, solutionLength, type CanonicalSolution } from './canonical-solution';
export { formatAnswer, formatPrompt, formatSolutionText, formatStep, parseLine, type ParsedLine } from './format';
export { generateDrills, generateOne, generateProblems, MAX_OPERATIONS, MAX_VALUE, MIN_OPERATIONS, type Problem, type ProblemWithSolution } from './generator';
export { extractAnswer, grade } from './grader';
export { checkStep, expressionAfter, type StepCheck } from './step-checker';
