import { UserError, ValidationError } from '../errors.js';
import { prepareExperiment } from '../runs/prepare.js';
import type { ExperimentOptions } from '../runs/prepare.js';
import { EXIT } from './exit-codes.js';

export interface ValidateOptions extends ExperimentOptions {
  readonly json?: boolean;
}

export async function validateCommand(file: string, options: ValidateOptions): Promise<number> {
  if (!options.json) {
    const { loaded } = await prepareExperiment(file, options);
    const { experiment } = loaded;
    const steps = experiment.method.length;
    process.stdout.write(
      `${file}: valid — "${experiment.title}", ${steps} step${steps === 1 ? '' : 's'}, ${Object.keys(experiment.targets).length} target set(s)\n`,
    );
    return EXIT.passed;
  }
  try {
    const { loaded } = await prepareExperiment(file, options);
    process.stdout.write(`${JSON.stringify({ valid: true, file, title: loaded.experiment.title, problems: [] })}\n`);
    return EXIT.passed;
  } catch (error) {
    if (error instanceof ValidationError) {
      process.stdout.write(`${JSON.stringify({ valid: false, file, problems: error.problems, problemCount: error.total })}\n`);
      return EXIT.invalidInput;
    }
    // Input refused as a whole (a device, a file over 10 MB): an answer on stdout too, the
    // message on stderr like any invalid input.
    if (error instanceof UserError)
      process.stdout.write(
        `${JSON.stringify({ valid: false, file, problems: [], error: { code: error.code, message: error.message } })}\n`,
      );
    throw error;
  }
}
