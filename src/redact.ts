const REDACTED = '[REDACTED]';
const MAX_CAUSE_DEPTH = 5;

/** Replaces every occurrence of a secret in a text. Empty secrets are ignored. */
export type Redactor = (text: string) => string;

/** Builds a {@link Redactor} for the given secrets (API keys, tokens). */
export function createRedactor(secrets: readonly string[]): Redactor {
  const present = secrets.filter((secret) => secret.length > 0);
  if (present.length === 0) return (text) => text;
  return (text) => {
    let result = text;
    for (const secret of present) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    return result;
  };
}

/**
 * A copy of an error chain that is safe to expose: messages and stacks redacted, and nothing but
 * `name`, `message`, `code`, `stack` and `cause` kept. Errors from HTTP libraries carry their
 * request (headers included) as properties; the copy drops them.
 */
export function sanitizeError(error: unknown, redact: Redactor, depth = 0): Error {
  if (!(error instanceof Error)) {
    return new Error(redact(String(error)));
  }
  const copy = new Error(redact(error.message));
  copy.name = error.name;
  copy.stack = error.stack === undefined ? undefined : redact(error.stack);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') {
    Object.defineProperty(copy, 'code', { value: code, enumerable: true });
  }
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    Object.defineProperty(copy, 'cause', {
      value: sanitizeError(error.cause, redact, depth + 1),
      configurable: true,
      writable: true,
    });
  }
  return copy;
}
