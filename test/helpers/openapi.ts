import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const SPECS = join(import.meta.dirname, '..', 'fixtures', 'vendor-specs');

/** A vendor's OpenAPI 3.0 description, with validators of its component schemas. */
export interface OpenApiSpec {
  /** The description as parsed. */
  readonly document: {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };
  /**
   * A validator of `#/components/schemas/<name>`. `closed` also refuses properties the
   * description does not name (it allows them; an emulator that invents a field should not).
   */
  validator(name: string, options?: { closed?: boolean }): ValidateFunction;
}

interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown; examples?: object }> }>;
  requestBody?: { content: Record<string, { schema?: unknown }> };
}

/** Reads `test/fixtures/vendor-specs/<file>` (YAML) and compiles its schemas with Ajv. */
export function loadOpenApiSpec(file: string): OpenApiSpec {
  const document = parse(readFileSync(join(SPECS, file), 'utf8')) as OpenApiSpec['document'];
  // Formats (`date-time` on integers, `uuid`) are documentation here, not checks.
  const open = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const closed = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  open.addSchema({ $id: 'spec', components: toJsonSchema(document.components, false) });
  closed.addSchema({ $id: 'spec', components: toJsonSchema(document.components, true) });
  return {
    document,
    validator(name, options = {}) {
      const ajv = options.closed ? closed : open;
      const validate = ajv.getSchema(`spec#/components/schemas/${name}`);
      if (validate === undefined) throw new Error(`no schema ${name} in ${file}`);
      return validate;
    },
  };
}

/**
 * OpenAPI 3.0 schema objects as JSON Schema: `nullable: true` becomes a `null` alternative
 * (JSON Schema has no `nullable`); with `closed`, objects that list their properties allow no
 * others.
 */
function toJsonSchema(value: unknown, closed: boolean): unknown {
  if (Array.isArray(value)) return value.map((entry) => toJsonSchema(entry, closed));
  if (typeof value !== 'object' || value === null) return value;
  const converted: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    // `example(s)` are data, not schemas.
    converted[key] = key === 'example' || key === 'examples' ? entry : toJsonSchema(entry, closed);
  }
  if (
    closed &&
    converted.type === 'object' &&
    typeof converted.properties === 'object' &&
    converted.additionalProperties === undefined
  ) {
    converted.additionalProperties = false;
  }
  const nullable = converted.nullable === true;
  delete converted.nullable;
  if (!nullable) return converted;
  if (typeof converted.type === 'string' && converted.$ref === undefined) {
    converted.type = [converted.type, 'null'];
    if (Array.isArray(converted.enum)) converted.enum = [...converted.enum, null];
    return converted;
  }
  return { anyOf: [converted, { type: 'null' }] };
}
