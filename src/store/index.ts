// `chat-history-kit/store`: the databases `syncHistory` keeps in sync.
export { openStore } from './open-store.js';
export type {
  ChangeCounts,
  CheckpointRow,
  ConversationCheckpoint,
  SourceKey,
  SourceState,
  Store,
  StoreBatch,
  StoreBatchResult,
  StoreContents,
  StoredConversation,
  StoreKind,
  StoreSync,
} from './store.js';
