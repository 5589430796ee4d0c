export {
  type ChatsV1Emulator,
  type ChatsV1EmulatorOptions,
  createChatsV1Emulator,
} from '../providers/chats-v1/chats-v1-emulator.js';
export {
  createIntercomEmulator,
  type IntercomEmulator,
  type IntercomEmulatorOptions,
} from '../providers/intercom/intercom-emulator.js';
export {
  createOkChatEmulator,
  type OkChatEmulator,
  type OkChatEmulatorOptions,
} from '../providers/okchat/okchat-emulator.js';
export type { HistoryEmulator, WireRecord } from './emulated-history.js';
export type { Emulator, EmulatorOptions, EmulatorStats, Latency } from './emulator.js';
export type { FaultContext, FaultKind, FaultOptions } from './faults.js';
export type {
  LiveChange,
  LiveChangeRecord,
  LiveData,
  LiveDataOptions,
  LiveListingKind,
  ServedPage,
} from './live-data.js';
export {
  type Sandbox,
  type SandboxOptions,
  type ServedEmulator,
  type ServeOptions,
  serveEmulator,
  startSandbox,
} from './serve.js';
