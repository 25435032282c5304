/**
 * Request parameters from a query string or a form body. RFC 6749 §3.1: a parameter must not be repeated, and one
 * sent without a value is treated as omitted.
 */
import { invalidRequest } from './errors.js';

type Raw = Record<string, unknown>;

export class Params {
  private constructor(private readonly values: Raw) {}

  static from(input: unknown): Params {
    return new Params(input !== null && typeof input === 'object' ? (input as Raw) : {});
  }

  get(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) throw invalidRequest(`${name} must not be repeated`);
    if (typeof value !== 'string') throw invalidRequest(`${name} must be a string`);
    return value === '' ? undefined : value;
  }

  require(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw invalidRequest(`${name} is required`);
    return value;
  }

  /** A parameter that may be repeated (RFC 8693 `audience`, RFC 8707 `resource`); empty values are dropped. */
  getAll(name: string): string[] {
    const value = this.values[name];
    const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
    if (list.some((v) => typeof v !== 'string')) throw invalidRequest(`${name} must be a string`);
    return (list as string[]).filter((v) => v !== '');
  }

  /** Every parameter with a value, as strings (a repeated one is refused like in get). */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of Object.keys(this.values)) {
      const value = this.get(name);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}
