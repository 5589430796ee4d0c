/**
 * `chat-history-kit/interop`: the canonical messages of a conversation in the formats people feed
 * to models: the Vercel AI SDK, OpenAI Chat Completions and LangChain. Plain data, returned
 * synchronously; none of those libraries is loaded. Rules per target: `docs/interop.md`.
 */
export { type ConvertOptions, LOSS_REASONS, type Loss, type LossReason } from './losses.js';
export {
  type LangChainFileBlock,
  type LangChainOptions,
  type LangChainStoredMessage,
  type LangChainTextBlock,
  type LangChainToolCall,
  toLangChainStoredMessages,
} from './to-langchain-stored-messages.js';
export {
  type ModelFilePart,
  type ModelImagePart,
  type ModelJsonValue,
  type ModelMessage,
  type ModelTextPart,
  type ModelToolCallPart,
  type ModelToolResultPart,
  toModelMessages,
} from './to-model-messages.js';
export {
  type OpenAIChatMessage,
  type OpenAIChatOptions,
  type OpenAIImagePart,
  type OpenAITextPart,
  type OpenAIToolCall,
  toOpenAIChatMessages,
} from './to-openai-chat-messages.js';
