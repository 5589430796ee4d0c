import { chatsV1Registration } from './chats-v1/chats-v1-registration.js';
import { intercomRegistration } from './intercom/intercom-registration.js';
import { okchatRegistration } from './okchat/okchat-registration.js';

/**
 * The one list of vendors. The CLI's flags, `--source` values, help and credential reading,
 * `startSandbox`, and the vendor contract test all read it: adding a vendor is its folder plus
 * one line here.
 */
export const VENDORS = [okchatRegistration, chatsV1Registration, intercomRegistration] as const;

/** One registered vendor. */
export type RegisteredVendor = (typeof VENDORS)[number];
