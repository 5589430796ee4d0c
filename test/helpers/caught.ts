import { ChatHistoryError } from '../../src/index.js';

/** The ChatHistoryError a promise rejects with; fails the test when it resolves or throws anything else. */
export async function caught(promise: Promise<unknown>): Promise<ChatHistoryError> {
  try {
    await promise;
  } catch (error) {
    if (ChatHistoryError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a ChatHistoryError');
}
