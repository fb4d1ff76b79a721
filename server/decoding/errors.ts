import { AppError, ValidationError } from '../errors/index';
import type { Usage } from '../vocabulary';

/** A model file is missing, unreadable, corrupt or does not match models/manifest.json. */
export class ModelLoadError extends AppError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('MODEL_LOAD_FAILED', `cannot load model ${file}: ${reason}; rebuild with \`npm run models:train\``, 503, undefined, { file });
  }
}

/** Bad solve options (out-of-range SPECS parameter, unknown strategy, ...). */
export class DecodingOptionsError extends ValidationError {}

/** The question is not an expression of the workload (letters, too long, unbalanced, ...). */
export class QuestionValidationError extends ValidationError {
  constructor(message: string) {
    super(`invalid question: ${message}`, 'question');
  }
}

/** A solve that failed after running models: carries what the attempt spent, for its cost. */
export class DecodeAttemptError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly usage: Usage,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'DecodeAttemptError';
  }
}
