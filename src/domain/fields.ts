// Every field's rule, written once: a JSON Schema (TypeBox) with its constraints and, as `errorMessage`, the
// reason a refusal gives. The domain checks its inputs against these (src/domain/check.ts); REST's route
// schemas and the OpenAPI document are built from them, so ajv enforces the same rule and reports the same
// reason; GraphQL and WebSocket inputs go through the domain. Patterns use JSON Schema's dialect (ECMAScript
// with the `u` flag), which ajv and TypeBox both run as written.
import {
  type TArray,
  type TArrayOptions,
  type TInteger,
  type TNumberOptions,
  type TSchema,
  type TSchemaOptions,
  type TString,
  type TStringOptions,
  Type,
} from 'typebox'
import { UUID_PATTERN } from './ids.ts'

// TypeBox's types forget a schema's options; a rule keeps them, so that code can read a limit or a reason.
type Reason = { errorMessage: string }
type Rule<T extends TSchema, O> = T & Readonly<O>

/** A string rule: its constraints and the reason a refusal gives. */
export function textRule<const O extends TStringOptions & Reason>(options: O): Rule<TString, O> {
  return Type.String(options) as Rule<TString, O>
}

/** A list rule: its items' rule, its bounds and the reason a refusal gives. */
export function listRule<T extends TSchema, const O extends TArrayOptions & Reason>(
  items: T,
  options: O,
): Rule<TArray<T>, O> {
  return Type.Array(items, options) as Rule<TArray<T>, O>
}

/** An integer rule: its bounds and the reason a refusal gives. */
export function integerRule<const O extends TNumberOptions & Reason>(options: O): Rule<TInteger, O> {
  return Type.Integer(options) as Rule<TInteger, O>
}

// A single line of text with something to read in it: no control characters (NUL, newlines), no unpaired
// surrogate, and not only spaces or invisible format characters (a zero-width space).
const ONE_LINE = '^(?![\\s\\p{Cf}]*$)[^\\p{Cc}\\p{Cs}]*$'
// Text that every database stores as sent: PostgreSQL refuses NUL, and an unpaired surrogate has no UTF-8.
const TEXT = '^[^\\u0000\\p{Cs}]*$'

/** A rule that also takes null (a field cleared), refused with the rule's own reason. */
export function Nullable<T extends TSchema>(rule: T, options: TSchemaOptions = {}) {
  const { errorMessage } = rule as { errorMessage?: string }
  return Type.Union([rule, Type.Null()], { errorMessage, ...options })
}

export const Uuid = textRule({ pattern: UUID_PATTERN, errorMessage: 'must be an id (a UUID)' })

// --- Accounts ---------------------------------------------------------------------------------------------

/** Case-insensitive: stored in lower case. */
export const Username = textRule({
  minLength: 3,
  maxLength: 32,
  pattern: '^[A-Za-z0-9_.-]{3,32}$',
  errorMessage: 'must be 3 to 32 of a-z, 0-9, "_", "." and "-"',
})

// An address mail can be delivered to: a dot-atom local part (RFC 5322, letters of any script allowed as in
// RFC 6531), then a domain name with at least two labels whose last is alphabetic (or an IDN `xn--` label).
// Spaces, control and zero-width characters fall outside both parts.
const ATEXT = "[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]"
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?'
const TLD = '(?:\\p{L}{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59})'

/** Case-insensitive: stored in lower case. */
export const Email = textRule({
  maxLength: 254,
  pattern: `^${ATEXT}+(?:\\.${ATEXT}+)*@(?:${LABEL}\\.)+${TLD}$`,
  errorMessage: 'must be an email address such as name@example.com (at most 254 characters)',
})

/** Any characters: a password is hashed, never stored or shown. */
export const Password = textRule({
  minLength: 8,
  maxLength: 128,
  errorMessage: 'must be 8 to 128 characters long',
})

export const CurrentPassword = textRule({
  maxLength: Password.maxLength,
  errorMessage: `must be at most ${Password.maxLength} characters long`,
})

export const FullName = textRule({
  minLength: 1,
  maxLength: 200,
  pattern: ONE_LINE,
  errorMessage: 'must be 1 to 200 characters on one line, not blank',
})

// --- Items --------------------------------------------------------------------------------------------------

export const ItemName = textRule({
  minLength: 1,
  maxLength: 200,
  pattern: ONE_LINE,
  errorMessage: 'must be 1 to 200 characters on one line, not blank',
})

export const Description = textRule({
  maxLength: 5000,
  pattern: TEXT,
  errorMessage: 'must be at most 5000 characters of text (no NUL)',
})

/** Compared and stored in lower case. */
export const Tag = textRule({
  minLength: 1,
  maxLength: 32,
  pattern: '^[^\\s,\\p{Cc}\\p{Cf}\\p{Cs}]{1,32}$',
  errorMessage: 'must be 1 to 32 characters without spaces, commas or control characters',
})

/** Tags as sent: the count is checked after duplicates are removed (Tags). */
export const TagList = Type.Array(Tag, {
  description: 'At most 10 different tags; lower-cased, duplicates removed',
})

/** Tags as stored: lower-cased, each once. */
export const Tags = listRule(Tag, {
  maxItems: 10,
  uniqueItems: true,
  errorMessage: 'must have at most 10 different tags',
})

// --- Listings -----------------------------------------------------------------------------------------------

export const SearchText = textRule({
  minLength: 1,
  maxLength: 200,
  pattern: ONE_LINE,
  errorMessage: 'must be 1 to 200 characters on one line, not blank',
})

export const PAGE = { defaultLimit: 20, maxLimit: 100 } as const

export const PageLimit = integerRule({
  minimum: 1,
  maximum: PAGE.maxLimit,
  errorMessage: `must be a whole number from 1 to ${PAGE.maxLimit}`,
})

export const ITEM_SORTS = ['created_at', '-created_at', 'price', '-price', 'name', '-name'] as const

export const ItemSortRule = Type.Enum([...ITEM_SORTS], {
  errorMessage: `must be one of ${ITEM_SORTS.join(', ')}`,
})

// --- Rooms --------------------------------------------------------------------------------------------------

export const RoomName = textRule({
  maxLength: 64,
  pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
  errorMessage: 'must be 1 to 64 lower-case letters, digits, "_" or "-"',
})

export const MessageText = textRule({
  minLength: 1,
  maxLength: 2000,
  pattern: '^(?![\\s\\p{Cf}]*$)[^\\u0000\\p{Cs}]*$',
  errorMessage: 'must be 1 to 2000 characters, not blank (no NUL)',
})

// --- Exchange rates -----------------------------------------------------------------------------------------

/** Case-insensitive: read in upper case. */
export const CurrencyCode = textRule({
  minLength: 3,
  maxLength: 3,
  pattern: '^[A-Za-z]{3}$',
  errorMessage: 'must be a three-letter ISO 4217 currency code such as EUR',
})
