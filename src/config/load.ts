import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { BlueprintError } from '../errors';
import { CONFIG_SCHEMA, crossChecks } from './config-schema';
import { mergeBlueprints } from './merge';
import { parsePlainBlockYaml } from './plain-yaml';
import { ConfigError, Problem } from './problems';
import { validate } from './schema';
import { BlueprintConfig } from './types';

/** Largest config file read (a blueprint of 1,000 repositories is ~150 KB). */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** Validates a config object (from YAML or TypeScript props). Throws ConfigError with every problem. */
export function validateConfig(raw: unknown, source?: string): BlueprintConfig {
  const problems: Problem[] = validate(CONFIG_SCHEMA, raw);
  if (problems.length === 0) problems.push(...crossChecks(raw as Record<string, unknown>));
  if (problems.length > 0) throw new ConfigError(problems, source);
  return raw as BlueprintConfig;
}

/** Deepest nesting read: a blueprint needs about 8 levels; the YAML parser recurses per level. */
export const MAX_CONFIG_DEPTH = 64;

/**
 * A cheap upper bound of the nesting depth (flow brackets, indentation, `- - -` runs on a line),
 * checked before parsing: very deep documents exhaust the parser's stack, and a stack overflow
 * inside V8's RegExp compiler aborts the process instead of throwing.
 */
function nestingProblem(text: string): Problem | undefined {
  let flow = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) flow++; // [ {
    else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--; // ] }
    else if (c === 0x0a) line++;
    if (flow > MAX_CONFIG_DEPTH) return { path: '', message: `nesting deeper than ${MAX_CONFIG_DEPTH} levels (line ${line})`, fix: 'flatten the document' };
  }
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const lead = /^[ \t-]*/.exec(lines[n])![0];
    const dashes = lead.split('-').length - 1;
    if (lead.length > MAX_CONFIG_DEPTH * 4 || dashes > MAX_CONFIG_DEPTH) {
      return { path: '', message: `nesting deeper than ${MAX_CONFIG_DEPTH} levels (line ${n + 1})`, fix: 'flatten the document' };
    }
  }
  return undefined;
}

/** Parses YAML (or JSON) text into a plain object; throws CONFIG_YAML_INVALID with line numbers. */
export function parseConfigText(text: string, source: string): unknown {
  const deep = nestingProblem(text);
  if (deep) throw new ConfigError([deep], source);
  // plain block YAML (most blueprints) is read directly; anything else, and every error, by yaml
  const plain = parsePlainBlockYaml(text);
  if (plain !== undefined && plain !== null) return plain;
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true, version: '1.2' });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => ({
      path: '',
      message: `YAML syntax: ${e.message.split('\n')[0]}${e.linePos ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : ''}`,
      fix: e.code === 'DUPLICATE_KEY' ? 'remove the duplicate key' : 'fix the YAML syntax',
    }));
    throw new ConfigError(problems, source);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError([{ path: '', message: `YAML: ${(e as Error).message}`, fix: 'expand the aliases; at most 100 alias expansions are read' }], source);
  }
  if (value === null || value === undefined) {
    throw new ConfigError([{ path: '', message: 'the file is empty', fix: 'run `image-signing-blueprint init` for a starter config' }], source);
  }
  return value;
}

/** A config read from a file: the validated config and the folder relative paths resolve against. */
export interface LoadedConfig {
  readonly config: BlueprintConfig;
  readonly baseDir: string;
  readonly file: string;
}

/** Reads a config file's text: size-capped, UTF-8; `CONFIG_NOT_FOUND` / `CONFIG_TOO_LARGE` / CONFIG_INVALID. */
function readConfigText(abs: string, file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new BlueprintError('CONFIG_NOT_FOUND', `config file not found: ${file}`,
      { fix: 'pass --config <file>, or run `image-signing-blueprint init` to write blueprint.yaml' });
  }
  if (!stat.isFile()) {
    throw new BlueprintError('CONFIG_NOT_FOUND', `config path is not a file: ${file}`, { fix: 'pass the path of blueprint.yaml' });
  }
  if (stat.size > MAX_CONFIG_BYTES) {
    throw new BlueprintError('CONFIG_TOO_LARGE', `config file ${file} is ${stat.size} bytes; at most ${MAX_CONFIG_BYTES} are read`,
      { fix: 'split the blueprint or remove generated content' });
  }
  const bytes = fs.readFileSync(abs);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError([{ path: '', message: 'the file is not valid UTF-8', fix: 'save it as UTF-8' }], file);
  }
}

/** Most bases one config may stack with `extends:` (a chain, not a tree). */
export const MAX_EXTENDS_DEPTH = 16;

/**
 * Applies `extends:`: reads the base (a path relative to the folder of the config that names it,
 * and inside `rootDir`), applies the base's own `extends:` first, and merges `raw` over it (see
 * BlueprintConfig.extends). Missing files, paths outside the folder and cycles are ConfigErrors
 * at the path `extends` of the file that names them. `chain` holds the absolute paths already read.
 */
export function applyExtends(raw: unknown, configDir: string, rootDir: string, source: string, chain: readonly string[] = []): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const ext = (raw as Record<string, unknown>).extends;
  if (typeof ext !== 'string' || ext === '') return raw; // the schema reports a wrong type or an empty value
  const fail = (message: string, fix: string): never => {
    throw new ConfigError([{ path: 'extends', value: ext, message, fix }], source);
  };
  if (path.isAbsolute(ext)) fail('must be relative to the config file, not absolute', 'copy the base next to blueprint.yaml and name it relatively');
  const abs = path.resolve(configDir, ext);
  const back = path.relative(rootDir, abs);
  if (back.startsWith('..') || path.isAbsolute(back)) fail('points outside the config\'s folder', 'keep base blueprints in (or below) the folder of blueprint.yaml');
  const shown = (f: string) => path.relative(rootDir, f) || path.basename(f);
  if (chain.includes(abs)) {
    fail(`forms a cycle: ${[...chain, abs].map(shown).join(' -> ')}`, 'remove the extends that points back to a config already in the chain');
  }
  if (chain.length >= MAX_EXTENDS_DEPTH) fail(`is more than ${MAX_EXTENDS_DEPTH} bases deep`, 'flatten the chain of bases');
  if (!fs.existsSync(abs)) fail(`file not found: ${shown(abs)}`, `create it, or fix the path relative to ${shown(configDir) === '' ? 'the config\'s folder' : 'the folder of the config that names it'}`);
  const text = readConfigText(abs, shown(abs));
  const baseRaw = parseConfigText(text, shown(abs));
  if (baseRaw === null || typeof baseRaw !== 'object' || Array.isArray(baseRaw)) {
    fail(`${shown(abs)} is not a mapping`, 'a base is a blueprint config (a YAML mapping), possibly partial');
  }
  const base = applyExtends(baseRaw, path.dirname(abs), rootDir, shown(abs), [...chain, abs]) as Record<string, any>;
  return mergeBlueprints(base, raw as Record<string, any>);
}

export function loadConfigFile(file: string): LoadedConfig {
  const abs = path.resolve(file);
  const text = readConfigText(abs, file);
  const raw = applyExtends(parseConfigText(text, file), path.dirname(abs), path.dirname(abs), file, [abs]);
  return { config: validateConfig(raw, file), baseDir: path.dirname(abs), file: abs };
}
