/** The one injectable clock: epoch seconds. Tests replace it to move time without sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Math.floor(Date.now() / 1000) };

/** A clock tests can set and advance. */
export class ManualClock implements Clock {
  constructor(private current = Math.floor(Date.now() / 1000)) {}
  now(): number {
    return this.current;
  }
  advance(seconds: number): void {
    this.current += seconds;
  }
}
