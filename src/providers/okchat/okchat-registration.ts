import { registerVendor } from '../vendor-registration.js';
import { createOkChatEmulator } from './okchat-emulator.js';
import { okchat } from './okchat-source.js';

/** OkChat in the registry: the CLI, the sandbox and the vendor contract test read it. */
export const okchatRegistration = registerVendor({
  vendor: okchat,
  sandboxKey: 'okchat',
  emulate: createOkChatEmulator,
  sandboxOptions: (size) => ({
    conversations: size.conversations,
    messagesPerConversation: size.messagesPerConversation,
  }),
  sandboxSource: (emulator, url) => ({
    apiKey: emulator.apiKey,
    chatbotId: emulator.chatbotId,
    baseURL: url,
  }),
});
