// Per-key request budgets: a token bucket per key, in this process's
// memory. On Deno Deploy each isolate keeps its own buckets, so a key's
// rate there is per isolate; the headers say what this one allows.

/** What one request learns about its key's budget. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Requests per window. */
  readonly limit: number;
  /** Requests left now. */
  readonly remaining: number;
  /** Seconds until the bucket is full again (`RateLimit-Reset`). */
  readonly resetSeconds: number;
  /** Seconds until one more request is allowed (`Retry-After`), when refused. */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets of `limit` requests per `windowMs`, refilled continuously. */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  #sweepAt = 1024;

  constructor(
    limit: number,
    windowMs: number,
    now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(
        `the rate limit must be a whole number of at least 1, got ${limit}`,
      );
    }
    if (!(windowMs > 0)) {
      throw new RangeError(`the rate window must be positive, got ${windowMs}`);
    }
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Takes one request from `key`'s budget, if there is one left. */
  take(key: string): RateDecision {
    const now = this.#now();
    const perMs = this.#limit / this.#windowMs;
    const bucket = this.#buckets.get(key) ?? { tokens: this.#limit, at: now };
    bucket.tokens = Math.min(
      this.#limit,
      bucket.tokens + (now - bucket.at) * perMs,
    );
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    this.#forgetFull(now, perMs);
    return {
      allowed,
      limit: this.#limit,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil((this.#limit - bucket.tokens) / perMs / 1000),
      retryAfterSeconds: allowed
        ? 0
        : Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)),
    };
  }

  /**
   * Drops buckets that have refilled, so that memory follows the keys in
   * use rather than every key ever seen. Sweeps when the map has doubled
   * since the last sweep, so each request pays O(1) on average.
   */
  #forgetFull(now: number, perMs: number): void {
    if (this.#buckets.size < this.#sweepAt) return;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * perMs >= this.#limit) {
        this.#buckets.delete(key);
      }
    }
    this.#sweepAt = Math.max(1024, 2 * this.#buckets.size);
  }
}
