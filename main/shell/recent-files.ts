/**
 * The Open Recent list: most recent first, no duplicates, at most MAX_RECENT, kept in userData.
 */

import { readJsonFile, writeJsonFile } from '../common/json-file';

const MAX_RECENT = 10;

export function addRecent(list: readonly string[], file: string, max = MAX_RECENT): string[] {
  return [file, ...list.filter((p) => p !== file)].slice(0, max);
}

export function removeRecent(list: readonly string[], file: string): string[] {
  return list.filter((p) => p !== file);
}

/** The list from untrusted file contents: strings only, de-duplicated, capped. */
export function parseRecent(value: unknown): string[] {
  const paths = value && typeof value === 'object' && Array.isArray((value as { files?: unknown }).files) ? (value as { files: unknown[] }).files : [];
  const out: string[] = [];
  for (const p of paths) if (typeof p === 'string' && p.length > 0 && p.length < 4096 && !out.includes(p)) out.push(p);
  return out.slice(0, MAX_RECENT);
}

export async function loadRecent(file: string): Promise<string[]> {
  return parseRecent(await readJsonFile(file));
}

export async function saveRecent(file: string, list: readonly string[]): Promise<void> {
  await writeJsonFile(file, { files: list });
}
