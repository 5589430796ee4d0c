import type { Role } from '../../model/canonical-schemas.js';

/** `sender_type` values a human operator's messages carry in OkChat's human mode. */
const HUMAN_OPERATOR = new Set(['agent', 'human', 'admin', 'operator', 'staff']);

/**
 * OkChat's `sender_type` as a canonical role: `user`, `bot` (the assistant), a human operator in
 * human mode (`agent`), or `unknown` (the vendor's value stays in `raw`).
 * @see https://github.com/chat-history-kit/chat-history-kit/blob/main/docs/providers/okchat.md (Get Messages: `sender_type`)
 */
export function okchatRole(senderType: string): Role {
  // The vendor's own spellings first: no string work on the hot path.
  if (senderType === 'user') return 'user';
  if (senderType === 'bot') return 'assistant';
  const value = senderType.trim().toLowerCase();
  if (value === 'user') return 'user';
  if (value === 'bot') return 'assistant';
  if (HUMAN_OPERATOR.has(value)) return 'agent';
  return 'unknown';
}
