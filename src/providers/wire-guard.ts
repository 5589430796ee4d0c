import type { z } from 'zod';
import { isPlainRecord } from '../model/canonical-schemas.js';

/**
 * A type check derived from a zod wire schema, for the fast path of validation: a value it accepts
 * is one the schema accepts and would return unchanged (apart from unknown object keys, which the
 * schema drops and mappers never read), so it can be mapped as is, without zod's copy. A value it
 * refuses goes through the schema, which accepts or says precisely what is wrong. So the guard
 * may refuse more than the schema (anything it cannot judge, such as a value a `transform` would
 * change), never accept more.
 */
export type WireGuard<T> = (value: unknown) => value is T;

type Check = (value: unknown) => boolean;

const REFUSE: Check = () => false;
const ACCEPT: Check = () => true;

const guards = new WeakMap<z.ZodType, Check>();

/** The fast-path guard of `schema`, derived once and kept. */
export function wireGuard<Output>(schema: z.ZodType<Output>): WireGuard<Output> {
  let guard = guards.get(schema);
  if (guard === undefined) {
    guard = deriveWireGuard(schema);
    guards.set(schema, guard);
  }
  return guard as WireGuard<Output>;
}

/**
 * Derives a guard: compiled to one JavaScript function where the runtime allows it (as zod does
 * for its own objects: a dozen closures per record cost several times more), else made of
 * closures (runtimes that forbid `new Function`, such as Cloudflare Workers). Both accept the
 * same values.
 */
export function deriveWireGuard(
  schema: z.ZodType,
  { compile = true }: { compile?: boolean } = {},
): Check {
  if (compile && canCompile()) {
    try {
      return compileGuard(schema);
    } catch {
      // Forbidden after all (a content security policy): closures below.
    }
  }
  return derive(schema);
}

let compileAllowed: boolean | undefined;

function canCompile(): boolean {
  if (compileAllowed === undefined) {
    try {
      compileAllowed = new Function('return true')() === true;
    } catch {
      compileAllowed = false;
    }
  }
  return compileAllowed;
}

/** Generates one function for the schema; values it cannot judge make it refuse, as `derive`. */
function compileGuard(schema: z.ZodType): Check {
  const references: unknown[] = [];
  const helpers: string[] = [];
  // Each reference is a constant of the generated code (`r0`, `r1`...): calls through it inline.
  const reference = (value: unknown) => `r${references.push(value) - 1}`;
  const helper = (parameter: string, body: string) => {
    const name = `g${helpers.length}`;
    helpers.push(`function ${name}(${parameter}) {\n${body}\n}`);
    return name;
  };

  /** An expression true when `value` (a variable name) passes `node`, or null to refuse. */
  function emit(node: z.ZodType, value: string): string | null {
    const definition = definitionOf(node);
    const base = emitType(definition, value);
    if (base === null) return null;
    const parts = [base];
    for (const check of definition.checks ?? []) {
      const part = emitCheck(check._zod.def, value);
      if (part === null) return null;
      parts.push(part);
    }
    return parts.length === 1 ? base : `(${parts.join(' && ')})`;
  }

  function emitType(definition: Definition, value: string): string | null {
    switch (definition.type) {
      case 'string':
        return `typeof ${value} === 'string'`;
      case 'number':
        return `(typeof ${value} === 'number' && Number.isFinite(${value}))`;
      case 'boolean':
        return `typeof ${value} === 'boolean'`;
      case 'null':
        return `${value} === null`;
      case 'undefined':
        return `${value} === undefined`;
      case 'unknown':
      case 'any':
        return 'true';
      case 'literal':
      case 'enum': {
        const allowed = new Set(definition.values ?? Object.values(definition.entries ?? {}));
        return `${reference(allowed)}.has(${value})`;
      }
      case 'optional':
      case 'nullable': {
        const empty = definition.type === 'optional' ? 'undefined' : 'null';
        const inner = definition.innerType === undefined ? null : emit(definition.innerType, value);
        return inner === null ? `${value} === ${empty}` : `(${value} === ${empty} || ${inner})`;
      }
      case 'array': {
        if (definition.element === undefined) return null;
        const element = emit(definition.element, 'item');
        if (element === null) return null;
        if (element === 'true') return `Array.isArray(${value})`;
        const name = helper(
          'list',
          `if (!Array.isArray(list)) return false;
for (let index = 0; index < list.length; index++) {
  const item = list[index];
  if (!(${element})) return false;
}
return true;`,
        );
        return `${name}(${value})`;
      }
      case 'object': {
        if (definition.catchall !== undefined || definition.shape === undefined) return null;
        const lines: string[] = [];
        const conditions: string[] = [];
        let index = 0;
        for (const [key, field] of Object.entries(definition.shape)) {
          const local = `f${index++}`;
          const literal = JSON.stringify(key);
          // Only own keys: a record without the key must not find it on its prototype.
          lines.push(
            key in Object.prototype
              ? `const ${local} = Object.hasOwn(record, ${literal}) ? record[${literal}] : undefined;`
              : `const ${local} = record[${literal}];`,
          );
          const condition = emit(field, local);
          if (condition === null) return null;
          if (condition !== 'true') conditions.push(condition);
          // zod requires the key of a bare `unknown`/`any` field, whatever its value.
          else if (isBareAny(field)) conditions.push(`Object.hasOwn(record, ${literal})`);
        }
        const name = helper(
          'record',
          `if (typeof record !== 'object' || record === null || Array.isArray(record)) return false;
const prototype = Object.getPrototypeOf(record);
if (prototype !== Object.prototype && prototype !== null) return false;
${lines.join('\n')}
return ${conditions.length === 0 ? 'true' : conditions.join(' &&\n  ')};`,
        );
        return `${name}(${value})`;
      }
      case 'union': {
        const options = (definition.options ?? [])
          .map((option) => emit(option, value))
          .filter((option): option is string => option !== null);
        if (options.length === 0) return null;
        if (options.includes('true')) return 'true';
        return `(${options.join(' || ')})`;
      }
      default:
        return null;
    }
  }

  function emitCheck(check: CheckDefinition, value: string): string | null {
    switch (check.check) {
      case 'min_length':
        return `${value}.length >= ${Number(check.minimum ?? 0)}`;
      case 'max_length':
        return `${value}.length <= ${Number(check.maximum ?? Number.MAX_SAFE_INTEGER)}`;
      case 'length_equals':
        return `${value}.length === ${Number(check.length)}`;
      case 'string_format': {
        const { pattern } = check;
        if (check.format !== 'regex' || pattern === undefined) return null;
        const test = (text: string) => {
          pattern.lastIndex = 0;
          return pattern.test(text);
        };
        return `${reference(test)}(${value})`;
      }
      case 'number_format':
        return check.format === 'safeint' ? `Number.isSafeInteger(${value})` : null;
      case 'greater_than':
        return `${value} ${check.inclusive ? '>=' : '>'} ${reference(Number(check.value))}`;
      case 'less_than':
        return `${value} ${check.inclusive ? '<=' : '<'} ${reference(Number(check.value))}`;
      case 'custom': {
        const { fn } = check;
        if (fn === undefined || check.when !== undefined) return null;
        return `${reference(fn)}(${value}) === true`;
      }
      default:
        return null;
    }
  }

  const root = emit(schema, 'value');
  if (root === null) return REFUSE;
  const constants = references.map((_, index) => `const r${index} = r[${index}];`).join('\n');
  const source = `${constants}\n${helpers.join('\n')}\nreturn function guard(value) { return ${root}; };`;
  return new Function('r', source)(references) as Check;
}

/** The parts of zod's schema definitions a guard is derived from. */
interface Definition {
  type: string;
  checks?: readonly { _zod: { def: CheckDefinition } }[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  innerType?: z.ZodType;
  values?: readonly unknown[];
  entries?: Record<string, unknown>;
}

interface CheckDefinition {
  check: string;
  minimum?: number;
  maximum?: number;
  length?: number;
  format?: string;
  pattern?: RegExp;
  value?: number | bigint;
  inclusive?: boolean;
  fn?: (value: never) => unknown;
  when?: unknown;
}

function definitionOf(schema: z.ZodType): Definition {
  return (schema as unknown as { _zod: { def: Definition } })._zod.def;
}

function derive(schema: z.ZodType): Check {
  const definition = definitionOf(schema);
  const base = deriveType(definition);
  if (base === REFUSE) return REFUSE;
  const checks = (definition.checks ?? []).map((check) => deriveCheck(check._zod.def));
  if (checks.includes(REFUSE)) return REFUSE;
  if (checks.length === 0) return base;
  return (value) => {
    if (!base(value)) return false;
    for (const check of checks) if (!check(value)) return false;
    return true;
  };
}

function deriveType(definition: Definition): Check {
  switch (definition.type) {
    case 'string':
      return (value) => typeof value === 'string';
    case 'number':
      // zod's number refuses NaN and the infinities.
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return (value) => typeof value === 'boolean';
    case 'null':
      return (value) => value === null;
    case 'undefined':
      return (value) => value === undefined;
    case 'unknown':
    case 'any':
      return ACCEPT;
    case 'literal':
    case 'enum': {
      const allowed = new Set(definition.values ?? Object.values(definition.entries ?? {}));
      return (value) => allowed.has(value);
    }
    case 'optional':
      return orElse(definition.innerType, (value) => value === undefined);
    case 'nullable':
      return orElse(definition.innerType, (value) => value === null);
    case 'array':
      return deriveArray(definition.element);
    case 'object':
      return deriveObject(definition);
    case 'union':
      return deriveUnion(definition.options ?? []);
    default:
      // pipe, transform, default, catch, readonly, lazy...: the schema may change the value, or
      // the guard cannot tell; the schema decides.
      return REFUSE;
  }
}

function orElse(inner: z.ZodType | undefined, accepts: Check): Check {
  const guard = inner === undefined ? REFUSE : derive(inner);
  return (value) => accepts(value) || guard(value);
}

function deriveArray(element: z.ZodType | undefined): Check {
  if (element === undefined) return REFUSE;
  const guard = derive(element);
  if (guard === ACCEPT) return Array.isArray;
  return (value) => {
    if (!Array.isArray(value)) return false;
    for (const item of value) if (!guard(item)) return false;
    return true;
  };
}

function deriveObject(definition: Definition): Check {
  // A catch-all keeps unknown keys (and may refuse them): left to the schema.
  if (definition.catchall !== undefined || definition.shape === undefined) return REFUSE;
  const fields = Object.entries(definition.shape).map(([key, field]) => ({
    key,
    guard: derive(field),
    required: isBareAny(field),
  }));
  if (fields.some((field) => field.guard === REFUSE)) return REFUSE;
  return (value) => {
    if (!isPlainRecord(value)) return false;
    for (const { key, guard, required } of fields) {
      // Only own keys: a record without `id` must not find one on its prototype.
      const own = Object.hasOwn(value, key);
      if (required && !own) return false;
      if (!guard(own ? value[key] : undefined)) return false;
    }
    return true;
  };
}

/** A field of type `unknown` or `any` not wrapped in `optional`: zod requires its key. */
function isBareAny(field: z.ZodType): boolean {
  const type = definitionOf(field).type;
  return type === 'unknown' || type === 'any';
}

function deriveUnion(options: readonly z.ZodType[]): Check {
  const guards = options.map(derive).filter((guard) => guard !== REFUSE);
  if (guards.length === 0) return REFUSE;
  if (guards.includes(ACCEPT)) return ACCEPT;
  return (value) => {
    for (const guard of guards) if (guard(value)) return true;
    return false;
  };
}

function deriveCheck(check: CheckDefinition): Check {
  switch (check.check) {
    // Length checks carry a `when` that only asks for a value with a length: the guard checks that.
    case 'min_length':
      return lengthCheck((length) => length >= (check.minimum ?? 0));
    case 'max_length':
      return lengthCheck((length) => length <= (check.maximum ?? Number.POSITIVE_INFINITY));
    case 'length_equals':
      return lengthCheck((length) => length === check.length);
    case 'string_format': {
      const { pattern } = check;
      if (check.format !== 'regex' || pattern === undefined) return REFUSE;
      return (value) => {
        pattern.lastIndex = 0;
        return pattern.test(String(value));
      };
    }
    case 'number_format':
      return check.format === 'safeint' ? (value) => Number.isSafeInteger(value) : REFUSE;
    case 'greater_than': {
      const bound = Number(check.value);
      return check.inclusive
        ? (value) => (value as number) >= bound
        : (value) => (value as number) > bound;
    }
    case 'less_than': {
      const bound = Number(check.value);
      return check.inclusive
        ? (value) => (value as number) <= bound
        : (value) => (value as number) < bound;
    }
    case 'custom': {
      // `.refine(fn)`: a predicate. A `.check()` function (no `fn`) reports its own issues: the
      // guard cannot run it, so the schema does.
      // A refinement with a `when` runs on conditions the guard cannot judge.
      const { fn } = check;
      if (fn === undefined || check.when !== undefined) return REFUSE;
      return (value) => fn(value as never) === true;
    }
    default:
      return REFUSE;
  }
}

function lengthCheck(holds: (length: number) => boolean): Check {
  return (value) => (typeof value === 'string' || Array.isArray(value)) && holds(value.length);
}
