/**
 * JSON values, as `JSON.parse` returns them and `JSON.stringify` writes them back. Defined here
 * rather than imported, so the published types need no other package (a CommonJS project then
 * compiles without `skipLibCheck`).
 */
export type JsonPrimitive = string | number | boolean | null;

/** A JSON array. */
export type JsonArray = JsonValue[] | readonly JsonValue[];

/** A JSON object; a key set to `undefined` is left out when written. */
export type JsonObject = { [Key in string]: JsonValue } & {
  [Key in string]?: JsonValue | undefined;
};

/** Any JSON value. */
export type JsonValue = JsonPrimitive | JsonObject | JsonArray;
