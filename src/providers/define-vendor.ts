import type { z } from 'zod';
import {
  type ChatHistorySource,
  defineSource,
  type ListConversationsOptions,
  type ListMessagesOptions,
} from '../chat-history-source.js';
import { invalidArgument, kindOf, optionsObject } from '../errors/invalid-argument.js';
import { unsupported } from '../errors/unsupported.js';
import { encodePathSegment } from '../http/encode-path-segment.js';
import {
  createHttpClient,
  type HttpOptions,
  type JsonBody,
  pickHttpOptions,
  type QueryValue,
} from '../http/http-client.js';
import { validateBaseURL } from '../http/validate-base-url.js';
import type { Conversation, Message } from '../model/canonical-schemas.js';
import { InvalidTimestampError, normalizeTimestamp } from '../model/timestamp.js';
import { paginate } from '../paginate/paginate.js';
import type {
  FetchedPage,
  MapResult,
  PageCursor,
  PaginateOptions,
  PaginationStrategy,
} from '../paginate/types.js';
import { createRedactor } from '../text/redact.js';
import { isWellFormedText, quoted } from '../text/safe-text.js';
import { mapRecordWith } from './map-record.js';
import { parseEnvelope } from './parse-envelope.js';
import { wireGuard } from './wire-guard.js';

/** Options every source made by {@link defineVendor} takes, besides its vendor's own. */
export interface SourceOptions extends HttpOptions {
  /** Base URL of the vendor's API. Required when the vendor has no default. */
  baseURL?: string;
  /**
   * Records per request when a list call sets no `pageSize`. Vendors may return fewer (they
   * clamp); listings handle it.
   * @default 50
   */
  pageSize?: number;
}

/** How the kit checks one of a vendor's own string options, and how the CLI asks for it. */
export interface VendorOptionSpec {
  /** What the option is, after the vendor's name, for errors and `--help`: `'API key'`. */
  label: string;
  /** More about it: `'sent as x-api-key'`. */
  description?: string;
  /** Missing or blank is `bad_request` at creation. @default false */
  required?: boolean;
  /** A credential: never shown in errors or output, read by the CLI from its environment. */
  secret?: boolean;
  /** Goes into request paths: refused at creation when no single path segment can carry it. */
  pathSegment?: boolean;
}

/** String-valued keys of `Options`: the only kind a vendor declares specs for. */
export type StringOptionKeys<Options> = {
  [Key in keyof Options]-?: NonNullable<Options[Key]> extends string ? Key : never;
}[keyof Options] &
  string;

/** One HTTP request for one page. */
export interface VendorRequest {
  /**
   * `POST` for a read-only query the vendor takes as a POST (a search), sent with `body` as
   * JSON; it is retried as a GET is.
   * @default 'GET'
   */
  method?: 'GET' | 'POST';
  /** Path below the base URL, with every caller or vendor value encoded by {@link pathSegment}. */
  path: string;
  query?: Record<string, QueryValue>;
  /** The JSON body of a `POST`. */
  body?: JsonBody;
}

/** What every record mapper is told besides the record. */
export interface RecordContext {
  /** Provider key of the source (`'okchat'`): the records' `source`. */
  source: string;
  /** Account the source reads: the records' `account`. */
  account: string;
}

/** What a message mapper is told: the conversation it lists, too. */
export interface MessageContext extends RecordContext {
  /** The id the caller asked for (a vendor record may omit its conversation). */
  conversationId: string;
}

/** How to list one kind of record: the request of each page, the envelope and the mapper. */
export interface ListingDescriptor<Request, Info, Envelope, Wire, Context, Item> {
  /** The request of the page at `request.cursor`. */
  request(request: Request): VendorRequest;
  /** The page envelope's wire schema (lenient: `.nullish()` wherever the vendor may omit). */
  envelope: z.ZodType<Envelope>;
  /**
   * The records of a page and what the envelope says of the rest, given the page's request (the
   * records may be any values the envelope holds, in the order the listing yields them).
   */
  readPage(envelope: Envelope, request: Request): FetchedPage<Info>;
  /** One record's wire schema. A valid record is mapped as is, without a copy. */
  record: z.ZodType<Wire>;
  /**
   * Maps one valid record to the canonical shape: pure, no I/O. Throw `InvalidFieldError` (or
   * let `timestampField()` throw it) for a value that cannot be used: the record is reported as
   * invalid. `envelope` is the page the record came in, for what records share (a parent's
   * time); `undefined` when the record is mapped on its own ({@link VendorListing.mapRecord}
   * without a page).
   */
  map(wire: Wire, raw: unknown, context: Context, envelope: Envelope | undefined): Item;
}

/** What a conversation listing's `request` is given. */
export interface ConversationsRequest<Options, Cursor> {
  cursor: Cursor;
  options: Options;
  /** The caller's `state` filter, when the listing declares `filters.state`. */
  state: string | undefined;
  /**
   * The caller's `updatedSince` filter, when the listing declares `filters.updatedSince`: checked
   * and in the canonical form (`2025-03-05T04:25:58.059835Z`).
   */
  updatedSince: string | undefined;
}

/** What a message listing's `request` is given. */
export interface MessagesRequest<Options, Cursor> {
  cursor: Cursor;
  options: Options;
  /** The conversation whose messages are listed (checked: {@link pathSegment} can carry it). */
  conversationId: string;
  /** The caller's `includeEvents`: whether events (assignments, state changes) are yielded too. */
  includeEvents: boolean;
}

/** Filters a vendor applies on its side; each one declared turns on its capability. */
export interface ConversationFilters {
  /** `listConversations({ state })`. */
  state?: boolean;
  /** `listConversations({ updatedSince })`: conversations updated at or after a time. */
  updatedSince?: boolean;
}

/** Everything that makes a vendor's source: the rest is derived by {@link defineVendor}. */
export interface VendorDescriptor<
  Options extends SourceOptions,
  Cursor extends PageCursor,
  Info,
  ConversationEnvelope,
  ConversationWire,
  MessageEnvelope,
  MessageWire,
> {
  /** Provider key, the records' `source`: lowercase words joined by `-` (`'okchat'`). */
  id: string;
  /** Name shown to people: `'OkChat'`. */
  name: string;
  /** Base URL used when the options give none; without one, `baseURL` is required. */
  defaultBaseURL?: string;
  /** The vendor's own string options (credentials, ids): checked by the kit, read by the CLI. */
  options: { readonly [Key in StringOptionKeys<Options>]?: VendorOptionSpec };
  /** Headers sent with every request (authentication), from the checked options. */
  headers(options: Options): Record<string, string>;
  /** The account the source reads (DESIGN: a stable label), from the options and base URL. */
  account(options: Options, baseURL: URL): string;
  /** Largest page the vendor serves. @default 1000 */
  maxPageSize?: number;
  /** How the vendor pages. A strategy without `plan` fetches one page at a time. */
  strategy: PaginationStrategy<Cursor, Info>;
  conversations?: ListingDescriptor<
    ConversationsRequest<Options, Cursor>,
    Info,
    ConversationEnvelope,
    ConversationWire,
    RecordContext,
    Conversation
  > & { filters?: ConversationFilters };
  messages?: ListingDescriptor<
    MessagesRequest<Options, Cursor>,
    Info,
    MessageEnvelope,
    MessageWire,
    MessageContext,
    Message
  >;
}

/** A listing of a {@link Vendor}: what the source does with each page body and record. */
export interface VendorListing<Context, Item, Info = unknown, Request = unknown> {
  /** The page envelope's wire schema. */
  readonly envelope: z.ZodType;
  /** One record's wire schema. */
  readonly record: z.ZodType;
  /** The pure mapper of a record its wire schema accepted. */
  readonly map: (wire: never, raw: unknown, context: Context, envelope: never) => Item;
  /**
   * Validates a page body (`invalid_response` when malformed) and reads its records; `request`
   * is what the listing's `request` was given for the page.
   */
  readPage(
    body: unknown,
    where: { source: string; method?: string; path: string },
    request: Request,
  ): FetchedPage<Info>;
  /**
   * Validates and maps one record; an invalid one is a failed result naming what is wrong. `page`
   * is the page {@link VendorListing.readPage} read it from, when the mapper needs its envelope.
   */
  mapRecord(record: unknown, context: Context, page?: FetchedPage<Info>): MapResult<Item>;
}

/** A vendor made by {@link defineVendor}: its descriptor's public facts and its source factory. */
export interface Vendor<Options extends SourceOptions> {
  readonly id: string;
  readonly name: string;
  readonly defaultBaseURL: string | undefined;
  readonly options: { readonly [Key in StringOptionKeys<Options>]?: VendorOptionSpec };
  /** Checks `options` (`bad_request` at the call) and builds the source. */
  createSource(options: Options): ChatHistorySource;
  /** How conversations are listed, when the vendor lists them. */
  readonly conversations:
    | (VendorListing<
        RecordContext,
        Conversation,
        unknown,
        ConversationsRequest<Options, PageCursor>
      > & { readonly filters: ConversationFilters })
    | undefined;
  /** How a conversation's messages are listed, when the vendor lists them. */
  readonly messages:
    | VendorListing<MessageContext, Message, unknown, MessagesRequest<Options, PageCursor>>
    | undefined;
}

const DEFAULT_PAGE_SIZE = 50;
const DEFAULT_MAX_PAGE_SIZE = 1000;
const VENDOR_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Turns a vendor descriptor into a {@link Vendor}, whose `createSource` checks options, builds the
 * HTTP client, and lists through the pagination engine with envelope parsing, record validation
 * (a fast path derived from the wire schemas), mapping, keys and capabilities. Give the options
 * type first: `defineVendor<AcmeSourceOptions>()({ ... })`; the rest is inferred.
 */
export function defineVendor<Options extends SourceOptions>() {
  return <
    Cursor extends PageCursor,
    Info,
    ConversationEnvelope = unknown,
    ConversationWire = unknown,
    MessageEnvelope = unknown,
    MessageWire = unknown,
  >(
    descriptor: VendorDescriptor<
      Options,
      Cursor,
      Info,
      ConversationEnvelope,
      ConversationWire,
      MessageEnvelope,
      MessageWire
    >,
  ): Vendor<Options> => {
    if (typeof descriptor.id !== 'string' || !VENDOR_ID.test(descriptor.id)) {
      throw invalidArgument(
        `a vendor id is lowercase words joined by "-", got ${quoted(String(descriptor.id), 40)}`,
      );
    }
    const { conversations, messages } = descriptor;
    // Compiled once per vendor: every source made from it shares the derived guards.
    const compiled = {
      conversations: conversations && compileListing(conversations),
      messages: messages && compileListing(messages),
    };
    return Object.freeze({
      id: descriptor.id,
      name: descriptor.name,
      defaultBaseURL: descriptor.defaultBaseURL,
      options: descriptor.options,
      createSource: (options: Options) => createSource(descriptor, compiled, options),
      conversations: compiled.conversations && {
        ...compiled.conversations,
        filters: conversations?.filters ?? {},
      },
      messages: compiled.messages,
    });
  };
}

/** Where a page read by a {@link VendorListing} keeps its parsed envelope. */
const ENVELOPE = Symbol('envelope');

interface EnvelopedPage<Info, Envelope> extends FetchedPage<Info> {
  [ENVELOPE]?: Envelope;
}

/** A listing's page reading and record mapping, with the wire guards derived once. */
function compileListing<Request, Info, Envelope, Wire, Context, Item>(
  listing: ListingDescriptor<Request, Info, Envelope, Wire, Context, Item>,
): VendorListing<Context, Item, Info, Request> {
  const { envelope, record, readPage, map } = listing;
  const isWire = wireGuard(record);
  return {
    envelope,
    record,
    map,
    readPage(body, where, request) {
      const parsed = parseEnvelope(envelope, body, where);
      // The page carries its envelope to the mapper of each of its records.
      const page: EnvelopedPage<Info, Envelope> = { ...readPage(parsed, request) };
      page[ENVELOPE] = parsed;
      return page;
    },
    mapRecord: (raw, context, page) =>
      mapRecordWith(
        record,
        raw,
        map,
        context,
        isWire,
        (page as EnvelopedPage<Info, Envelope> | undefined)?.[ENVELOPE],
      ),
  };
}

function createSource<
  Options extends SourceOptions,
  Cursor extends PageCursor,
  Info,
  CE,
  CW,
  ME,
  MW,
>(
  descriptor: VendorDescriptor<Options, Cursor, Info, CE, CW, ME, MW>,
  compiled: {
    conversations: VendorListing<RecordContext, Conversation, Info> | undefined;
    messages: VendorListing<MessageContext, Message, Info> | undefined;
  },
  given: Options,
): ChatHistorySource {
  const { id: source, strategy } = descriptor;
  const options = checkOptions(descriptor, given);
  const maxPageSize = descriptor.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
    throw invalidArgument(`pageSize must be a whole number from 1 to ${maxPageSize}`, source);
  }
  const secrets = secretsOf(descriptor, options);
  const baseURL = validateBaseURL(
    options.baseURL ?? descriptor.defaultBaseURL,
    source,
    createRedactor(secrets),
  );
  const http = createHttpClient({
    source,
    baseURL,
    headers: descriptor.headers(options),
    secrets,
    ...pickHttpOptions(options),
  });
  const account = descriptor.account(options, new URL(baseURL));
  if (typeof account !== 'string' || account === '' || !isWellFormedText(account)) {
    throw invalidArgument('account must be a non-empty, well-formed string', source);
  }
  const recordContext: RecordContext = Object.freeze({ source, account });

  /** Lists one kind of record through the engine. */
  function list<Context, Item extends { id: string }, Request>(
    compiled: VendorListing<Context, Item, Info, Request>,
    listing: { request(request: Request): VendorRequest },
    requestOf: (cursor: Cursor) => Request,
    context: Context,
    listOptions: PaginateOptions | undefined,
  ) {
    return paginate<Cursor, Info, Item>(
      {
        source,
        strategy,
        redact: http.redact,
        defaultPageSize: pageSize,
        maxPageSize,
        async fetchPage(cursor, { signal, onRequest }) {
          const request = requestOf(cursor);
          const { method = 'GET', path, query, body } = listing.request(request);
          const answer =
            method === 'POST'
              ? await http.postJson(path, body ?? null, { query, signal, onRequest })
              : await http.getJson(path, { query, signal, onRequest });
          return compiled.readPage(answer, { source, method, path }, request);
        },
        mapRecord: (record, _index, page) => compiled.mapRecord(record, context, page),
        keyOf: (item) => item.id,
      },
      listOptions,
    );
  }

  const { conversations, messages } = descriptor;
  const { conversations: compiledConversations, messages: compiledMessages } = compiled;
  const filters = conversations?.filters ?? {};

  function listConversations(listOptions?: ListConversationsOptions) {
    if (conversations === undefined || compiledConversations === undefined) {
      throw unsupported(source, 'listing conversations');
    }
    const { state, updatedSince, ...engineOptions } = optionsObject(listOptions, 'options', source);
    let since: string | undefined;
    if (updatedSince !== undefined) {
      if (!filters.updatedSince) {
        throw unsupported(source, 'filtering conversations by updatedSince');
      }
      since = checkTimestamp(updatedSince, 'updatedSince', source);
    }
    if (state !== undefined) {
      if (!filters.state) throw unsupported(source, 'filtering conversations by state');
      checkText(state, 'state', source);
    }
    return list(
      compiledConversations,
      conversations,
      (cursor) => ({ cursor, options, state, updatedSince: since }),
      recordContext,
      engineOptions,
    );
  }

  function listMessages(conversationId: string, listOptions?: ListMessagesOptions) {
    if (messages === undefined || compiledMessages === undefined) {
      throw unsupported(source, 'listing messages');
    }
    encodePathSegment(conversationId, 'conversationId', source);
    const { includeEvents = false, ...engineOptions } = optionsObject(
      listOptions,
      'options',
      source,
    );
    if (typeof includeEvents !== 'boolean') {
      throw invalidArgument('includeEvents must be true or false', source);
    }
    return list(
      compiledMessages,
      messages,
      (cursor) => ({ cursor, options, conversationId, includeEvents }),
      { source, account, conversationId },
      engineOptions,
    );
  }

  return defineSource({
    id: source,
    account,
    capabilities: {
      filterConversationsByState: filters.state === true,
      filterConversationsByUpdatedSince: filters.updatedSince === true,
      prefetchPages: strategy.plan !== undefined,
    },
    listConversations: conversations && listConversations,
    listMessages: messages && listMessages,
  });
}

/** Checks the vendor's declared options; returns them with blank optional ones left out. */
function checkOptions<Options extends SourceOptions>(
  descriptor: {
    id: string;
    name: string;
    options: { readonly [key: string]: VendorOptionSpec | undefined };
  },
  given: Options,
): Options {
  const source = descriptor.id;
  const options = { ...optionsObject(given, `${source} source options`, source) } as Options;
  for (const [name, spec] of Object.entries(descriptor.options)) {
    if (spec === undefined) continue;
    const value: unknown = (options as Record<string, unknown>)[name];
    if (
      value === undefined ||
      value === null ||
      (typeof value === 'string' && value.trim() === '')
    ) {
      if (spec.required)
        throw invalidArgument(`${name} is required (${about(descriptor, spec)})`, source);
      // Blank is as good as not given: the vendor's default applies.
      delete (options as Record<string, unknown>)[name];
      continue;
    }
    if (typeof value !== 'string') {
      throw invalidArgument(
        `${name} must be a string (${about(descriptor, spec)}), got ${typeof value}`,
        source,
      );
    }
    if (spec.pathSegment) encodePathSegment(value, name, source);
    else if (!spec.secret) checkText(value, name, source);
  }
  return options;
}

/** `the OkChat API key, sent as x-api-key`. */
export function about(vendor: { name: string }, spec: VendorOptionSpec): string {
  return `the ${vendor.name} ${spec.label}${spec.description ? `, ${spec.description}` : ''}`;
}

function secretsOf(
  descriptor: { options: { readonly [key: string]: VendorOptionSpec | undefined } },
  options: object,
): string[] {
  const secrets: string[] = [];
  for (const [name, spec] of Object.entries(descriptor.options)) {
    const value: unknown = (options as Record<string, unknown>)[name];
    if (spec?.secret && typeof value === 'string') secrets.push(value);
  }
  return secrets;
}

/** A caller's timestamp option in the canonical form; anything but a real time is `bad_request`. */
function checkTimestamp(value: unknown, name: string, source: string): string {
  if (typeof value !== 'string') {
    throw invalidArgument(
      `${name} must be an ISO 8601 timestamp string, got ${kindOf(value)}`,
      source,
    );
  }
  try {
    return normalizeTimestamp(value);
  } catch (error) {
    if (!(error instanceof InvalidTimestampError)) throw error;
    throw invalidArgument(`${name} must be an ISO 8601 timestamp: ${error.message}`, source);
  }
}

function checkText(value: unknown, name: string, source: string): void {
  if (typeof value !== 'string' || value === '') {
    throw invalidArgument(`${name} must be a non-empty string`, source);
  }
  if (!isWellFormedText(value)) {
    throw invalidArgument(
      `${name} is not well-formed text (it holds a lone surrogate): ${quoted(value, 40)}`,
      source,
    );
  }
}

/**
 * Encodes a value as one URL path segment, for a {@link VendorRequest} path: `/`, `?`, `#` and
 * every other reserved character are escaped, and `.`/`..` (which URL parsers resolve as steps)
 * are refused with `bad_request`.
 */
export function pathSegment(value: string): string {
  return encodePathSegment(value, 'path segment', 'provider');
}
