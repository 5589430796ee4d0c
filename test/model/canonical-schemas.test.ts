import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConversationSchema,
  InvalidTimestampError,
  inferMediaType,
  type Message,
  MessageSchema,
  normalizeTimestamp,
} from '../../src/index.js';

describe('normalizeTimestamp', () => {
  it.each<[string | number, string]>([
    ['2025-03-05T04:25:58.059835+00:00', '2025-03-05T04:25:58.059835Z'],
    ['2025-03-05T04:25:58.059835Z', '2025-03-05T04:25:58.059835Z'],
    ['2024-01-15T10:30:00Z', '2024-01-15T10:30:00.000000Z'],
    ['2024-01-15T10:30:00', '2024-01-15T10:30:00.000000Z'],
    ['2024-01-15 10:30:00+00', '2024-01-15T10:30:00.000000Z'],
    ['2024-01-15T10:31:01.5Z', '2024-01-15T10:31:01.500000Z'],
    ['2025-03-06T02:30:18.45229Z', '2025-03-06T02:30:18.452290Z'],
    ['2025-03-08T07:59:34.45648+00:00', '2025-03-08T07:59:34.456480Z'],
    ['2025-03-08T07:59:34.4+02', '2025-03-08T05:59:34.400000Z'],
    ['2025-03-08T07:59:34.123456789Z', '2025-03-08T07:59:34.123456Z'],
    ['2025-03-08T07:59:34.9999999Z', '2025-03-08T07:59:34.999999Z'],
    ['2025-03-05T13:25:58.059835+09:00', '2025-03-05T04:25:58.059835Z'],
    ['2025-03-04T23:25:58-05:00', '2025-03-05T04:25:58.000000Z'],
    ['2025-01-01T00:30:00+0100', '2024-12-31T23:30:00.000000Z'],
    ['2024-02-29T12:00Z', '2024-02-29T12:00:00.000000Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000000Z'],
    [1741148758, '2025-03-05T04:25:58.000000Z'],
    [1741148758.059835, '2025-03-05T04:25:58.059835Z'],
    [1741148758059, '2025-03-05T04:25:58.059000Z'],
    [1741148758059.835, '2025-03-05T04:25:58.059835Z'],
    [0, '1970-01-01T00:00:00.000000Z'],
  ])('%j -> %s', (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 1e15, 253402300800000])(
    'rejects the epoch number %s',
    (input) => {
      expect(() => normalizeTimestamp(input)).toThrow(InvalidTimestampError);
    },
  );

  it.each([
    'yesterday',
    '',
    '2025-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-01-01T24:00:00Z',
    '2025-01-01T10:60:00Z',
    '2025-01-01T10:00:00+25:00',
    '2025-01-01',
    '1741148758',
  ])('rejects %j', (input) => {
    expect(() => normalizeTimestamp(input)).toThrow(InvalidTimestampError);
  });

  it('agrees with Date on the instant and keeps the fraction, for any offset', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1971-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.stringMatching(/^\d{6}$/),
        (date, offsetMinutes, micros) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000)
            .toISOString()
            .slice(0, 19);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const result = normalizeTimestamp(`${local}.${micros}${offset}`);
          const expected = new Date(Math.floor(date.getTime() / 1000) * 1000)
            .toISOString()
            .slice(0, 19);
          expect(result).toBe(`${expected}.${micros}Z`);
        },
      ),
    );
  });

  it('trimmed and over-long vendor fractions become six digits, so strings sort in time order', () => {
    const inputs = [
      '2025-03-08T07:59:34.45648+00:00',
      '2025-03-08T07:59:34.456+00:00',
      '2025-03-08T07:59:34+00:00',
      '2025-03-08T07:59:34.4565+00:00',
      '2025-03-08T07:59:33.9+00:00',
      '2025-03-08T07:59:34.452291Z',
      '2025-03-08T07:59:34.45229Z',
    ];
    expect(inputs.map((input) => normalizeTimestamp(input)).sort()).toEqual([
      '2025-03-08T07:59:33.900000Z',
      '2025-03-08T07:59:34.000000Z',
      '2025-03-08T07:59:34.452290Z',
      '2025-03-08T07:59:34.452291Z',
      '2025-03-08T07:59:34.456000Z',
      '2025-03-08T07:59:34.456480Z',
      '2025-03-08T07:59:34.456500Z',
    ]);
  });
});

describe('inferMediaType', () => {
  it.each([
    [{ name: '0.8697358026985564.jpeg' }, 'image/jpeg', 'image'],
    [{ name: 'photo.JPG' }, 'image/jpeg', 'image'],
    [{ name: 'a.png' }, 'image/png', 'image'],
    [{ name: 'a.gif' }, 'image/gif', 'image'],
    [{ name: 'a.webp' }, 'image/webp', 'image'],
    [{ name: 'a.svg' }, 'image/svg+xml', 'image'],
    [{ name: 'a.heic' }, 'image/heic', 'image'],
    [{ name: 'a.mp3' }, 'audio/mpeg', 'audio'],
    [{ name: 'conversation-voice_assistant_room_3745.ogg' }, 'audio/ogg', 'audio'],
    [{ name: 'a.wav' }, 'audio/wav', 'audio'],
    [{ name: 'a.m4a' }, 'audio/mp4', 'audio'],
    [{ name: 'a.mp4' }, 'video/mp4', 'video'],
    [{ name: 'a.mov' }, 'video/quicktime', 'video'],
    [{ name: 'a.webm' }, 'video/webm', 'video'],
    [{ name: 'a.pdf' }, 'application/pdf', 'document'],
    [{ name: 'a.doc' }, 'application/msword', 'document'],
    [
      { name: 'a.docx' },
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'document',
    ],
    [{ name: 'a.txt' }, 'text/plain', 'document'],
    [{ name: 'a.csv' }, 'text/csv', 'document'],
    [{ name: 'archive.zip' }, 'application/zip', 'file'],
    [{ name: 'no-extension' }, null, 'file'],
    [{ name: 'weird.xyz' }, null, 'file'],
    [{ url: 'https://cdn.test/u/0.3554636060885503.png?token=abc#x' }, 'image/png', 'image'],
    [{ url: 'https://cdn.test/file.pdf/download' }, null, 'file'],
    [{ url: 'https://cdn.test/dir.v2/file' }, null, 'file'],
    [{ url: 'https://cdn.test/a.png#part.mp3' }, 'image/png', 'image'],
    [{ url: 'https://cdn.test/download?name=a.png' }, null, 'file'],
    [{ name: 'trailing-dot.' }, null, 'file'],
    [{ name: '.png' }, 'image/png', 'image'],
    [{ hint: '  IMAGE/WEBP ' }, 'image/webp', 'image'],
    [{ hint: 'text/plain; charset=utf-8', name: 'a.png' }, 'text/plain', 'document'],
    [{ hint: 'image', url: 'https://cdn.test/a.png' }, 'image/png', 'image'],
    [{ hint: 'image', url: 'https://cdn.test/blob' }, null, 'image'],
    [{ hint: 'audio', url: 'https://cdn.test/a.png' }, null, 'audio'],
    [{ hint: 'image/png', url: 'https://cdn.test/blob' }, 'image/png', 'image'],
    [{ hint: 'Application/PDF; charset=binary' }, 'application/pdf', 'document'],
    [{ hint: 'video', name: 'clip.mp4' }, 'video/mp4', 'video'],
    [{}, null, 'file'],
  ])('%j -> %s (%s)', (input, mediaType, kind) => {
    expect(inferMediaType(input)).toEqual({ mediaType, kind });
  });
});

describe('canonical schemas', () => {
  const message: Message = {
    id: 'm1',
    conversationId: 'c1',
    source: 'okchat',
    account: 'bot-1',
    role: 'assistant',
    text: '',
    attachments: [
      { url: 'https://cdn.test/a.png', name: 'a.png', mediaType: 'image/png', kind: 'image' },
    ],
    createdAt: '2025-03-05T04:25:58.059835Z',
    model: 'gpt-4o',
    provider: 'openai',
    usage: null,
    toolCalls: [],
    toolResults: [],
    metadata: { mid: 'msg-1' },
    raw: { anything: true },
  };

  it('accepts a well-formed message', () => {
    expect(MessageSchema.parse(message)).toEqual(message);
  });

  it.each([
    [{ role: 'bot' }, 'role'],
    [{ createdAt: '2025-03-05T04:25:58+00:00' }, 'createdAt'],
    [{ id: '' }, 'id'],
    [{ usage: { totalTokens: -1 } }, 'usage'],
    [{ attachments: [{ url: 'x', name: null, mediaType: null, kind: 'sticker' }] }, 'attachments'],
  ])('rejects %j at %s', (patch, path) => {
    const result = MessageSchema.safeParse({ ...message, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(path);
  });

  it('a conversation needs its participant and hand-off flag', () => {
    const result = ConversationSchema.safeParse({
      id: 'c1',
      source: 'okchat',
      account: 'bot-1',
      botId: null,
      channel: 'web',
      state: null,
      active: null,
      createdAt: '2025-03-05T04:25:58.000000Z',
      updatedAt: null,
      lastMessage: null,
      recording: null,
      metadata: {},
      raw: {},
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path[0]).sort()).toEqual([
      'humanHandoff',
      'participant',
    ]);
  });
});
