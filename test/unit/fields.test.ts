// The field rules, checked where they are defined: what each takes and refuses, and the reason it gives.
import { describe, expect, it } from 'vitest'
import { check, reasonAt } from '../../src/domain/check.ts'
import { InvalidInputError } from '../../src/domain/errors.ts'
import {
  Email,
  FullName,
  ItemName,
  MessageText,
  Nullable,
  Tag,
  TagList,
  Tags,
} from '../../src/domain/fields.ts'

function refusal(rule: Parameters<typeof check>[0], value: unknown, pointer = '/field') {
  try {
    check(rule, value, pointer)
  } catch (error) {
    if (error instanceof InvalidInputError) return { pointer: error.pointer, reason: error.message }
    throw error
  }
  return undefined
}

describe('email', () => {
  it.each([
    'alice@example.com',
    'Alice.Liddell+tea@Example.CO.uk',
    "o'neil@example.org",
    'élodie@bücher.example',
    'a@xn--p1ai.xn--p1ai',
  ])('takes %s', (email) => {
    expect(refusal(Email, email)).toBeUndefined()
  })

  it.each([
    ['a domain without a dot', 'x@localhost'],
    ['a one-letter domain', 'a@b'],
    ['an empty domain label', 'x@.'],
    ['a trailing dot', 'x@example.com.'],
    ['a zero-width space', 'a\u200b@example.com'],
    ['a control character', 'a\u0007@example.com'],
    ['a NUL', 'a\u0000@example.com'],
    ['a space', 'a b@example.com'],
    ['two @', 'a@b@example.com'],
    ['a leading dot', '.a@example.com'],
    ['an IP literal', 'a@[127.0.0.1]'],
    [
      'more than 254 characters',
      `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`,
    ],
  ])('refuses %s', (_, email) => {
    expect(refusal(Email, email)).toEqual({ pointer: '/field', reason: Email.errorMessage })
  })
})

describe('names and text', () => {
  it.each(['', ' ', '\t', '\u200b', 'a\nb', 'x'.repeat(201), 'a\u0000'])(
    'an item name refuses %j',
    (name) => {
      expect(refusal(ItemName, name)?.reason).toBe(ItemName.errorMessage)
    },
  )

  it('counts characters, not UTF-16 units', () => {
    expect(refusal(ItemName, '🍵'.repeat(200))).toBeUndefined()
    expect(refusal(ItemName, '🍵'.repeat(201))).toBeDefined()
  })

  it('refuses an unpaired surrogate where no JSON parser stood in the way', () => {
    for (const rule of [ItemName, FullName, Tag, MessageText]) expect(refusal(rule, 'a\ud800')).toBeDefined()
  })

  it('a null where the rule allows it, refused with the rule’s reason otherwise', () => {
    const nullable = Nullable(FullName)
    expect(refusal(nullable, null)).toBeUndefined()
    expect(refusal(nullable, '  ')?.reason).toBe(FullName.errorMessage)
  })
})

describe('tags', () => {
  it('names the tag that breaks the rule', () => {
    expect(refusal(TagList, ['ok', 'two words'], '/tags')).toEqual({
      pointer: '/tags/1',
      reason: Tag.errorMessage,
    })
  })

  it('counts at most 10 once duplicates are gone', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `t${i}`)
    expect(refusal(TagList, eleven)).toBeUndefined()
    expect(refusal(Tags, eleven, '/tags')).toEqual({ pointer: '/tags', reason: Tags.errorMessage })
  })
})

describe('reasonAt', () => {
  it('finds the deepest errorMessage on the path, as ajv and TypeBox report it', () => {
    const schema = { properties: { tags: { ...TagList, errorMessage: 'outer' } } }
    expect(reasonAt(schema, '#/properties/tags/items/pattern')).toBe(Tag.errorMessage)
    expect(reasonAt(schema, '#/properties/tags')).toBe('outer')
    expect(reasonAt(schema, '#/required')).toBeUndefined()
  })
})
