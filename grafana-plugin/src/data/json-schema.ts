// A small JSON Schema checker for the subset that zod's `z.toJSONSchema` writes for the
// tuning event (type, enum, properties/required, additionalProperties as a schema, items,
// anyOf/allOf, local $ref into `definitions`). The panel checks each event it reads against
// tuning-event.schema.json with it (pure; no validator library in the panel bundle).

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  definitions?: Record<string, JsonSchema>;
}

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'null':
      return v === null;
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeof v === type;
  }
}

/**
 * The first reason `v` does not match `schema` ("path: what"), or null when it matches.
 * `root` holds the `definitions` that `$ref`s point into.
 */
export function schemaError(schema: JsonSchema, v: unknown, root: JsonSchema = schema, at = '$'): string | null {
  if (schema.$ref !== undefined) {
    const name = /^#\/definitions\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name === undefined ? undefined : root.definitions?.[name];
    if (!target) {
      return `${at}: unresolved $ref ${schema.$ref}`;
    }
    return schemaError(target, v, root, at);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeOk(t, v))) {
      return `${at}: not ${types.join(' or ')}`;
    }
  }
  if (schema.enum && !schema.enum.includes(v)) {
    return `${at}: not one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  }
  for (const sub of schema.allOf ?? []) {
    const err = schemaError(sub, v, root, at);
    if (err) {
      return err;
    }
  }
  if (schema.anyOf && !schema.anyOf.some((sub) => schemaError(sub, v, root, at) === null)) {
    return `${at}: matches none of its ${schema.anyOf.length} alternatives`;
  }
  if (Array.isArray(v) && schema.items) {
    for (let i = 0; i < v.length; i++) {
      const err = schemaError(schema.items, v[i], root, `${at}[${i}]`);
      if (err) {
        return err;
      }
    }
  }
  if (typeOk('object', v)) {
    const o = v as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (o[key] === undefined) {
        return `${at}.${key}: missing`;
      }
    }
    for (const [key, value] of Object.entries(o)) {
      const sub = schema.properties?.[key] ?? schema.additionalProperties;
      if (sub === false && value !== undefined) {
        return `${at}.${key}: not allowed`;
      }
      if (sub && sub !== true && value !== undefined) {
        const err = schemaError(sub, value, root, `${at}.${key}`);
        if (err) {
          return err;
        }
      }
    }
  }
  return null;
}
