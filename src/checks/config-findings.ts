import { Finding } from './types';
import { ChainFile, chainLocator, ConfigLocation, readConfigChain } from '../config/locate';
import { ConfigError, Problem, problemRuleId, showValue } from '../config/problems';

/*
 * The loader's refusals as findings: every problem of a ConfigError becomes an error finding with
 * its catalogue id (ISB-IMG-001, ISB-POL-003, ISB-POL-004, … or ISB-CFG-001), its config path, and
 * the file and line that hold the value (a base reached through `extends:` included), so `check
 * --format json|sarif` reports a refused config like any other failed check.
 */

export type LocateInChain = (configPath: string) => ConfigLocation | undefined;

/** A locator over a config file and its bases. */
export function configFileLocator(configFile: string): { chain: ChainFile[]; locate: LocateInChain } {
  const chain = readConfigChain(configFile);
  return { chain, locate: chainLocator(chain) };
}

/** Adds file/line/column to findings whose config path is found in the chain. */
export function locateFindings(findings: readonly Finding[], locate: LocateInChain): Finding[] {
  return findings.map((f) => {
    if (f.file !== undefined) return f;
    const at = locate(f.path);
    return at ? { ...f, file: at.file, line: at.line, column: at.column } : f;
  });
}

/** The file a problem names as its own source (`extends` problems of a base), resolved in the chain. */
function sourceFile(source: string | undefined, chain: readonly ChainFile[]): ChainFile | undefined {
  if (source === undefined) return undefined;
  return chain.find((c) => c.file === source || c.file.endsWith(`/${source.replace(/\\/g, '/')}`));
}

/** Every problem of a refusal as an error finding, located when `locate` is given. */
export function configFindings(e: ConfigError, locate?: LocateInChain, chain: readonly ChainFile[] = []): Finding[] {
  // problems about `extends` are reported by the file that names the base (ConfigError.source)
  const own = e.problems.every((p) => p.path === 'extends') ? sourceFile(e.source, chain) : undefined;
  const ownLocate = own ? chainLocator([own]) : undefined;
  return e.problems.map((p: Problem) => {
    const at = p.file !== undefined && p.line !== undefined
      ? { file: p.file, line: p.line, column: p.column ?? 1 }
      : (ownLocate ?? locate)?.(p.path);
    return {
      id: problemRuleId(p),
      level: 'error' as const,
      message: `${p.message}${p.value === undefined ? '' : ` (got ${showValue(p.value)})`}`,
      path: p.path,
      fix: p.fix ?? 'fix the config value',
      ...(at ? { file: at.file, line: at.line, column: at.column } : {}),
    };
  });
}

/** The refusal again, with each problem located (for the text output). */
export function locatedConfigError(e: ConfigError, configFile: string, shown: (abs: string) => string): ConfigError {
  const { chain, locate } = configFileLocator(configFile);
  const found = configFindings(e, locate, chain);
  const problems = e.problems.map((p, i) => {
    const f = found[i];
    return f.file !== undefined ? { ...p, file: shown(f.file), line: f.line, column: f.column } : p;
  });
  return new ConfigError(problems, e.source);
}
