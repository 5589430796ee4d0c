import type { AttachmentKind } from './canonical-schemas.js';

/** What an attachment is, as far as its name, URL or the vendor's hint tell. */
export interface MediaTypeInfo {
  /** IANA media type such as `image/png`, or `null` when nothing tells it. */
  mediaType: string | null;
  kind: AttachmentKind;
}

/** Lookups go through Maps: a vendor's `constructor` or `__proto__` is just an unknown value. */
const BY_EXTENSION: ReadonlyMap<string, string> = new Map(
  Object.entries({
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    jfif: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
    svg: 'image/svg+xml',
    heic: 'image/heic',
    heif: 'image/heif',
    avif: 'image/avif',
    bmp: 'image/bmp',
    tif: 'image/tiff',
    tiff: 'image/tiff',
    ico: 'image/vnd.microsoft.icon',
    mp3: 'audio/mpeg',
    ogg: 'audio/ogg',
    oga: 'audio/ogg',
    opus: 'audio/opus',
    wav: 'audio/wav',
    m4a: 'audio/mp4',
    aac: 'audio/aac',
    flac: 'audio/flac',
    weba: 'audio/webm',
    mp4: 'video/mp4',
    m4v: 'video/mp4',
    mov: 'video/quicktime',
    webm: 'video/webm',
    mkv: 'video/x-matroska',
    avi: 'video/x-msvideo',
    '3gp': 'video/3gpp',
    pdf: 'application/pdf',
    doc: 'application/msword',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xls: 'application/vnd.ms-excel',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    ppt: 'application/vnd.ms-powerpoint',
    pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    odt: 'application/vnd.oasis.opendocument.text',
    rtf: 'application/rtf',
    txt: 'text/plain',
    md: 'text/markdown',
    csv: 'text/csv',
    html: 'text/html',
    htm: 'text/html',
    json: 'application/json',
    xml: 'application/xml',
    zip: 'application/zip',
  }),
);

const DOCUMENT_TYPES = new Set([
  'application/pdf',
  'application/msword',
  'application/rtf',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'text/plain',
  'text/markdown',
  'text/csv',
]);

const COARSE_KINDS: ReadonlyMap<string, AttachmentKind> = new Map(
  Object.entries({
    image: 'image',
    photo: 'image',
    picture: 'image',
    sticker: 'image',
    audio: 'audio',
    voice: 'audio',
    sound: 'audio',
    video: 'video',
    document: 'document',
    doc: 'document',
  } satisfies Record<string, AttachmentKind>),
);

/** The kind an IANA media type belongs to. */
export function kindOfMediaType(mediaType: string | null): AttachmentKind {
  return mediaType === null ? 'file' : kindOfLowerCase(mediaType.toLowerCase());
}

function kindOfLowerCase(type: string): AttachmentKind {
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  if (
    DOCUMENT_TYPES.has(type) ||
    type.startsWith('application/vnd.openxmlformats-officedocument.') ||
    type.startsWith('application/vnd.oasis.opendocument.')
  ) {
    return 'document';
  }
  return 'file';
}

/** The media type a file name or URL's extension implies, or `null`. */
export function mediaTypeFromFileName(nameOrUrl: string | null | undefined): string | null {
  if (!nameOrUrl) return null;
  // Only the last path segment counts, without a query string or fragment.
  let end = nameOrUrl.length;
  const query = nameOrUrl.indexOf('?');
  if (query >= 0) end = query;
  const fragment = nameOrUrl.indexOf('#');
  if (fragment >= 0 && fragment < end) end = fragment;
  const dot = nameOrUrl.lastIndexOf('.', end - 1);
  if (dot < 0 || dot === end - 1 || nameOrUrl.lastIndexOf('/', end - 1) > dot) return null;
  return BY_EXTENSION.get(nameOrUrl.slice(dot + 1, end).toLowerCase()) ?? null;
}

/**
 * Infers an attachment's media type and kind from what the vendor gives: a `hint` that is either a
 * MIME type (`image/png`) or a coarse kind (`image`), a file name, and a URL, in that order of trust.
 */
export function inferMediaType(input: {
  hint?: string | null | undefined;
  name?: string | null | undefined;
  url?: string | null | undefined;
}): MediaTypeInfo {
  const hint = input.hint ? input.hint.trim().toLowerCase() : '';
  if (hint.includes('/')) {
    // The hint is a MIME type: it is the answer (without parameters such as `; charset=`).
    const semicolon = hint.indexOf(';');
    const mediaType = (semicolon < 0 ? hint : hint.slice(0, semicolon).trim()) || null;
    return { mediaType, kind: mediaType === null ? 'file' : kindOfLowerCase(mediaType) };
  }
  const fromName = mediaTypeFromFileName(input.name) ?? mediaTypeFromFileName(input.url);
  const fromNameKind = fromName === null ? 'file' : kindOfLowerCase(fromName);
  const coarse = hint === '' ? undefined : COARSE_KINDS.get(hint);
  if (coarse !== undefined) {
    // Trust the vendor's kind; take the precise type from the name only when it agrees.
    return { mediaType: fromNameKind === coarse ? fromName : null, kind: coarse };
  }
  return { mediaType: fromName, kind: fromNameKind };
}
