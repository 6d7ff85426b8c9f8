import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';

/** A JSON Schema describing an object, as MCP tool schemas must. */
export type JsonSchemaObject = { type: 'object'; [keyword: string]: unknown };

/** The outcome of validating a value against a compiled schema. */
export type JsonSchemaCheck = { valid: true; data: unknown } | { valid: false; message: string };

const validator = new AjvJsonSchemaValidator();

/** Compiles a JSON Schema once; the returned function validates values against it. */
export function compileJsonSchema(schema: JsonSchemaObject): (value: unknown) => JsonSchemaCheck {
  const check = validator.getValidator(schema);
  return (value) => {
    const result = check(value);
    return result.valid
      ? { valid: true, data: result.data }
      : { valid: false, message: result.errorMessage ?? 'invalid' };
  };
}
