/**
 * The normalized model of an AWS AppConfig feature-flag document (type AWS.AppConfig.FeatureFlags).
 * Everything downstream (diff, Jira rendering, storage) works on this model, never on raw JSON,
 * so metadata such as _createdAt/_updatedAt is dropped here once and can never produce a diff.
 */

export type ConstraintType = 'number' | 'string' | 'array' | 'boolean';

export interface AttributeConstraints {
  type: ConstraintType;
  /** Present only when true: `required: false` means the same as leaving it out. */
  required?: boolean;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  pattern?: string;
  /** For arrays: the constraints of each element (an AttributeConstraints of type number or string). */
  elements?: unknown;
}

export interface FlagAttribute {
  key: string;
  description?: string;
  constraints: AttributeConstraints;
  /** Absent when the document sets no value for this attribute. */
  value?: unknown;
}

export interface FlagVariant {
  name: string;
  enabled: boolean;
  rule?: string;
  attributeValues?: Record<string, unknown>;
}

export interface FlagDeprecation {
  status: string;
  date?: string;
}

export interface Flag {
  key: string;
  /** The flag's name; the key when the document gives none. */
  name: string;
  description?: string;
  enabled: boolean;
  /** Sorted by key. */
  attributes: FlagAttribute[];
  /** In evaluation order; absent when the flag has none. */
  variants?: FlagVariant[];
  deprecation?: FlagDeprecation;
}

export interface FlagDocument {
  /** Sorted by key. */
  flags: Flag[];
}

export interface ParseError {
  /** Where the problem is, e.g. `values.checkout_v2.max_items`; empty for the document as a whole. */
  path: string;
  /** What is wrong, in plain words for a Jira admin. */
  message: string;
}

export type ParseResult = { ok: true; document: FlagDocument } | { ok: false; errors: ParseError[] };

/** Flag and attribute keys (AppConfig's own schema). */
export const KEY_PATTERN = /^[a-z][a-zA-Z\d_-]{0,63}$/;
/** AppConfig's limit on attributes per flag (and per variant's attributeValues). */
export const MAX_ATTRIBUTES_PER_FLAG = 25;
/** Names: 1 to 64 characters, no newline. */
export const MAX_NAME_LENGTH = 64;
/** Flag and attribute descriptions, string attribute values and string enum entries. */
export const MAX_DESCRIPTION_LENGTH = 1024;
export const MAX_STRING_VALUE_LENGTH = 1024;
/** A variant's rule. */
export const MAX_RULE_LENGTH = 16384;
