import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REDIRECTS } from '../../src/http/http-client.js';
import { caught } from '../helpers/caught.js';
import {
  CHATBOT,
  CONVERSATIONS_PATH,
  expectNoFragment,
  KEY,
  okchatConversation,
  okchatPage,
  okchatSource,
  runCliInProcess,
  Servers,
  sendJson,
} from '../helpers/hostile.js';

const servers = new Servers();
afterEach(() => servers.closeAll());

/** A server that would happily take the key and answer with data of its own. */
function startThief() {
  return servers.start((_request, response) =>
    sendJson(response, okchatPage([okchatConversation('stolen')])),
  );
}

function redirectTo(location: string, status: number) {
  return servers.start((_request, response) => {
    response.writeHead(status, { location });
    response.end();
  });
}

describe('redirects to another origin', () => {
  it.each([301, 302, 303, 307, 308])(
    '%i to another port: refused at once, naming the target origin; the key never leaves',
    async (status) => {
      const thief = await startThief();
      const vendor = await redirectTo(`${thief.url}/collect`, status);
      const error = await caught(okchatSource(vendor.url).listConversations().toArray());
      expect(error.code).toBe('invalid_response');
      expect(error.status).toBe(status);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(`redirect to "${thief.url}" refused`);
      expect(error.message).toContain('credentials are never sent to another origin');
      expect(vendor.requests).toHaveLength(1);
      expect(thief.requests).toHaveLength(0);
    },
  );

  it('to another host name on the same port: refused (localhost is not 127.0.0.1)', async () => {
    const vendor = await servers.start((request, response) => {
      if (request.url?.startsWith('/moved')) {
        sendJson(response, okchatPage([okchatConversation('stolen')]));
        return;
      }
      const port = request.socket.localPort;
      response.writeHead(302, { location: `http://localhost:${port}/moved` });
      response.end();
    });
    const error = await caught(okchatSource(vendor.url).listConversations().toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.message).toMatch(/redirect to "http:\/\/localhost:\d+" refused/);
    expect(vendor.requests).toHaveLength(1);
  });

  it('from https to http on the same host and port: refused as a downgrade', async () => {
    // TLS ends in front of the server: the client speaks https to it, the server sends it back
    // to plain http on the same host and port.
    const vendor = await servers.start((request, response) => {
      const port = request.socket.localPort;
      response.writeHead(301, { location: `http://127.0.0.1:${port}${request.url}` });
      response.end();
    });
    const port = new URL(vendor.url).port;
    const terminatingTls: typeof fetch = (input, init) =>
      fetch(String(input instanceof Request ? input.url : input).replace('https:', 'http:'), init);
    const source = okchatSource(`https://127.0.0.1:${port}`, { fetch: terminatingTls });
    const error = await caught(source.listConversations().toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain(`redirect to "http://127.0.0.1:${port}" refused`);
    expect(error.message).toContain('a downgrade from https to http is never followed');
    expect(vendor.requests).toHaveLength(1);
  });

  it('a redirect loop between two origins costs one request', async () => {
    const second = await servers.start((_request, response) => {
      response.writeHead(302, { location: 'http://127.0.0.1:1/' });
      response.end();
    });
    const first = await redirectTo(`${second.url}${CONVERSATIONS_PATH}`, 302);
    await caught(okchatSource(first.url, { retry: 3 }).listConversations().toArray());
    expect(first.requests.length + second.requests.length).toBe(1);
  });

  it('a fetch of the caller that follows redirects itself: the foreign answer is still refused (the key went with it, as documented: such a fetch must honour redirect: manual)', async () => {
    const thief = await startThief();
    const vendor = await redirectTo(`${thief.url}/collect`, 302);
    const following: typeof fetch = (input, init) => fetch(input, { ...init, redirect: 'follow' });
    const error = await caught(
      okchatSource(vendor.url, { fetch: following }).listConversations().toArray(),
    );
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain(`redirect to "${thief.url}" refused`);
    expect(thief.requests).toHaveLength(1);
  });

  it('a Location that cannot be read is refused', async () => {
    const vendor = await servers.start((_request, response) => {
      response.writeHead(302, { location: 'http://[not-an-address/' });
      response.end();
    });
    const error = await caught(okchatSource(vendor.url).listConversations().toArray());
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('a redirect without a readable Location');
  });

  it('the CLI fails with exit 1, names the target, and prints no key', async () => {
    const thief = await startThief();
    const vendor = await redirectTo(`${thief.url}/collect`, 307);
    const {
      code,
      stdout,
      stderr: err,
    } = await runCliInProcess(['export', '--source', 'okchat'], {
      OKCHAT_API_KEY: KEY,
      OKCHAT_CHATBOT_ID: CHATBOT,
      OKCHAT_BASE_URL: vendor.url,
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(err).toContain(`redirect to "${thief.url}" refused`);
    expect(err).not.toMatch(/^exported/m);
    expectNoFragment(err);
    expect(thief.requests).toHaveLength(0);
  });
});

describe('redirects within the origin', () => {
  it('are followed with the key, and their answer is the vendor answer', async () => {
    const vendor = await servers.start((request, response) => {
      if (request.url?.startsWith('/v2/')) {
        sendJson(response, okchatPage([okchatConversation('c-1')]));
        return;
      }
      response.writeHead(308, { location: `/v2${request.url}` });
      response.end();
    });
    const conversations = await okchatSource(vendor.url).listConversations().toArray();
    expect(conversations.map((conversation) => conversation.id)).toEqual(['c-1']);
    expect(vendor.requests).toHaveLength(2);
    expect(vendor.requests[1]?.url).toBe(`/v2${CONVERSATIONS_PATH}?page=1&limit=50`);
    expect(vendor.requests[1]?.headers['x-api-key']).toBe(KEY);
  });

  it('one to a URL that carries credentials is refused, not retried', async () => {
    const vendor = await servers.start((request, response) => {
      const port = request.socket.localPort;
      response.writeHead(302, { location: `http://user:pw@127.0.0.1:${port}/x` });
      response.end();
    });
    const error = await caught(
      okchatSource(vendor.url, { retry: 3 }).listConversations().toArray(),
    );
    expect(error.code).toBe('invalid_response');
    expect(error.message).toContain('a redirect to a URL that carries credentials');
    expect(vendor.requests).toHaveLength(1);
  });

  it(`a loop ends after ${MAX_REDIRECTS} redirects, not retried`, async () => {
    const vendor = await servers.start((_request, response, index) => {
      response.writeHead(302, { location: `/loop/${index}` });
      response.end();
    });
    const error = await caught(
      okchatSource(vendor.url, { retry: 3 }).listConversations().toArray(),
    );
    expect(error.code).toBe('invalid_response');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`more than ${MAX_REDIRECTS} redirects`);
    expect(vendor.requests).toHaveLength(MAX_REDIRECTS + 1);
  });
});
