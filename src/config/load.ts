import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { BlueprintError } from '../errors';
import { CONFIG_SCHEMA, crossChecks } from './config-schema';
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

export function loadConfigFile(file: string): LoadedConfig {
  const abs = path.resolve(file);
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
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError([{ path: '', message: 'the file is not valid UTF-8', fix: 'save it as UTF-8' }], file);
  }
  const raw = parseConfigText(text, file);
  return { config: validateConfig(raw, file), baseDir: path.dirname(abs), file: abs };
}
