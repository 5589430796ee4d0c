import { registerVendor } from '../vendor-registration.js';
import { createChatsV1Emulator } from './chats-v1-emulator.js';
import { chatsV1 } from './chats-v1-source.js';

/** Chats v1 in the registry: the CLI, the sandbox and the vendor contract test read it. */
export const chatsV1Registration = registerVendor({
  vendor: chatsV1,
  sandboxKey: 'chatsV1',
  emulate: createChatsV1Emulator,
  sandboxOptions: (size) => ({
    chats: size.conversations,
    messagesPerChat: size.messagesPerConversation,
  }),
  // The sandbox's port changes from run to run; its account does not.
  sandboxSource: (emulator, url) => ({ apiKey: emulator.apiKey, baseURL: url, account: 'sandbox' }),
});
