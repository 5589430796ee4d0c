import { registerVendor } from '../vendor-registration.js';
import { createIntercomEmulator } from './intercom-emulator.js';
import { intercom } from './intercom-source.js';

/** Intercom in the registry: the CLI, the sandbox and the vendor contract test read it. */
export const intercomRegistration = registerVendor({
  vendor: intercom,
  sandboxKey: 'intercom',
  emulate: createIntercomEmulator,
  sandboxOptions: (size) => ({
    conversations: size.conversations,
    partsPerConversation: size.messagesPerConversation,
  }),
  sandboxSource: (emulator, url) => ({ accessToken: emulator.accessToken, baseURL: url }),
});
