import type { Conversation } from '../model/canonical-schemas.js';

/**
 * What a listed conversation looks like, to tell whether it changed since its messages were
 * read: every canonical field but `raw` (its update time, last message, state, counts the
 * vendor puts in metadata). `null` when the vendor gives no sign of change (neither an update
 * time nor a last message): such a conversation is read again at every sync.
 */
export function signatureOf(conversation: Conversation): string | null {
  if (conversation.updatedAt === null && conversation.lastMessage === null) return null;
  const { raw: _raw, ...fields } = conversation;
  return JSON.stringify(fields);
}
