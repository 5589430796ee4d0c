// What an edge function or a Worker does with the library: export every vendor's history from
// base URLs given in the request's query, and answer with what it found. Bundled without
// polyfills or compatibility flags.
import {
  createChatsV1Source,
  createIntercomSource,
  createOkChatSource,
  exportHistory,
} from 'chat-history-kit';

export async function handle(request: Request): Promise<Response> {
  const query = new URL(request.url).searchParams;
  const param = (name: string) => query.get(name) ?? '';
  const retry = { baseDelayMs: 1, maxDelayMs: 5 };
  const sources = [
    createOkChatSource({
      apiKey: param('okchatKey'),
      chatbotId: param('chatbotId'),
      baseURL: param('okchat'),
      retry,
    }),
    createChatsV1Source({ apiKey: param('chatsV1Key'), baseURL: param('chatsV1'), retry }),
    createIntercomSource({
      accessToken: param('intercomToken'),
      baseURL: param('intercom'),
      pageSize: 3,
      retry,
    }),
  ];
  const counts: Record<string, number> = {};
  let conversations = 0;
  try {
    for await (const { conversation, messages } of exportHistory(sources, { concurrency: 4 })) {
      conversations += 1;
      counts[conversation.source] = (counts[conversation.source] ?? 0) + messages.length;
    }
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return Response.json({ failure: text }, { status: 500 });
  }
  return Response.json({ counts, conversations });
}
