/** Reads a provisioning file; a JSON syntax error becomes a ProvisioningError naming the file. */
import { readFile } from 'node:fs/promises';
import { ProvisioningError } from './schema.js';

export async function readProvisioningFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ProvisioningError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}
