import { ENGINES, isEngine, matchImage } from '../../checks/matchers/engine';
import { isBlueprintError } from '../../errors';
import { CliIo } from '../io';

export interface MatchOptions {
  /** kyverno | kyverno-ivpol | policy-controller */
  readonly engine: string;
}

/**
 * `match --engine <engine> <pattern> <image>`: would the engine's image pattern select the image?
 * Prints `match` / `no match`, then the engine, the pattern, the string compared and why.
 * Exit codes: 0 match, 1 no match, 2 unknown engine or invalid pattern/image.
 */
export async function matchCommand(opts: MatchOptions, pattern: string, image: string, io: CliIo): Promise<number> {
  const engine = opts.engine;
  if (!isEngine(engine)) {
    io.err(`error: unknown engine ${JSON.stringify(engine)} (allowed: ${ENGINES.join(', ')})\n`);
    return 2;
  }
  try {
    const result = matchImage(engine, pattern, image);
    io.out(`${result.matched ? 'match' : 'no match'}\n`
      + `  engine:   ${engine}\n`
      + `  pattern:  ${pattern}\n`
      + `  image:    ${image}\n`
      + `  compared: ${result.compared}\n`
      + `  why:      ${result.reason}\n`);
    return result.matched ? 0 : 1;
  } catch (e) {
    if (isBlueprintError(e) && (e.code === 'PATTERN_INVALID' || e.code === 'IMAGE_REF_INVALID')) {
      io.err(`error: ${e.message} (engine ${engine}; allowed engines: ${ENGINES.join(', ')})\n`);
      return 2;
    }
    throw e;
  }
}
