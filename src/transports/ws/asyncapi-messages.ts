// The title and examples of every /ws message in the AsyncAPI document: typed over the frames, so a new
// frame without them fails the type check.
import type { CLIENT_FRAMES, SERVER_FRAMES } from './protocol.ts'

export type ClientName = keyof typeof CLIENT_FRAMES | 'text'
export type ServerName = keyof typeof SERVER_FRAMES | 'echo'

export interface Example {
  name: string
  summary: string
  payload: unknown
}

/** Each message's title, and examples of it; the first is the one tools show. */
export const MESSAGES: Record<ClientName | ServerName, { title: string; examples: [Example, ...Example[]] }> =
  {
    auth: {
      title: 'Sign in',
      examples: [
        {
          name: 'auth',
          summary: 'Sign in, or renew the token',
          payload: { type: 'auth', token: 'eyJhbGciOiJFZERTQSIsImtpZCI6IjEifQ.e30.c2ln', id: '1' },
        },
      ],
    },
    subscribe: {
      title: 'Subscribe',
      examples: [
        {
          name: 'items',
          summary: 'Follow every item',
          payload: { type: 'subscribe', topic: 'items', id: '2' },
        },
        {
          name: 'resume',
          summary: 'Join a room again, with what was missed',
          payload: { type: 'subscribe', topic: 'room:lobby', since: '1795641381792-3', id: '3' },
        },
      ],
    },
    unsubscribe: {
      title: 'Unsubscribe',
      examples: [
        {
          name: 'unsubscribe',
          summary: 'Stop following items',
          payload: { type: 'unsubscribe', topic: 'items' },
        },
      ],
    },
    publish: {
      title: 'Post to a room',
      examples: [
        {
          name: 'publish',
          summary: 'Say hello in the lobby',
          payload: { type: 'publish', topic: 'room:lobby', text: 'Hello!', id: '4' },
        },
      ],
    },
    ping: {
      title: 'Ping',
      examples: [{ name: 'ping', summary: 'Is anyone there?', payload: { type: 'ping', id: '5' } }],
    },
    text: {
      title: 'Text to echo',
      examples: [{ name: 'text', summary: 'Plain text', payload: 'hello' }],
    },
    ack: {
      title: 'Acknowledgement',
      examples: [
        {
          name: 'signed-in',
          summary: 'After auth',
          payload: {
            type: 'ack',
            id: '1',
            user: { id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' },
          },
        },
        { name: 'subscribed', summary: 'After subscribe', payload: { type: 'ack', id: '2', topic: 'items' } },
        {
          name: 'posted',
          summary: 'After publish',
          payload: {
            type: 'ack',
            id: '4',
            topic: 'room:lobby',
            message: {
              id: '0191f2a4-7d2f-7b46-8c3a-4e5f6a7b8c9d',
              room: 'lobby',
              author: { id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' },
              text: 'Hello!',
              created_at: '2026-11-24T18:00:00.000Z',
            },
          },
        },
      ],
    },
    event: {
      title: 'Event',
      examples: [
        {
          name: 'message-posted',
          summary: 'A message in a room',
          payload: {
            type: 'event',
            topic: 'room:lobby',
            offset: '1795641381792-4',
            event: {
              type: 'message.posted',
              at: '2026-11-24T18:00:00.000Z',
              message: {
                id: '0191f2a4-7d2f-7b46-8c3a-4e5f6a7b8c9d',
                room: 'lobby',
                author: { id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' },
                text: 'Hello!',
                created_at: '2026-11-24T18:00:00.000Z',
              },
            },
          },
        },
        {
          name: 'item-updated',
          summary: 'An item changed',
          payload: {
            type: 'event',
            topic: 'items',
            offset: '1795641381792-7',
            event: {
              type: 'item.updated',
              at: '2026-11-24T18:05:00.000Z',
              item: {
                id: '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11',
                name: 'Teapot',
                price: 7.5,
                description: 'Short and stout',
                tags: ['kitchen', 'tea'],
                owner_id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f',
                version: 2,
                created_at: '2026-11-24T18:00:00.000Z',
                updated_at: '2026-11-24T18:05:00.000Z',
              },
            },
          },
        },
        {
          name: 'notification',
          summary: 'The price of an item you watch changed',
          payload: {
            type: 'event',
            topic: 'notifications',
            offset: '1795641381792-8',
            event: {
              type: 'notification',
              at: '2026-11-24T18:05:00.000Z',
              notification: {
                kind: 'price-changed',
                item_id: '0191f2a4-6c1e-7a35-9a5c-2f1b9c0d4e11',
                item_name: 'Teapot',
                old_price: 9.99,
                new_price: 7.5,
              },
            },
          },
        },
        {
          name: 'presence',
          summary: 'Someone joined a room',
          payload: {
            type: 'event',
            topic: 'room:lobby',
            offset: '1795641381792-9',
            event: {
              type: 'presence',
              at: '2026-11-24T18:06:00.000Z',
              change: 'joined',
              member: { id: '0191f2a4-8e3a-7c57-9d4b-5f6a7b8c9d0e', name: 'bob' },
            },
          },
        },
      ],
    },
    history: {
      title: 'Room history',
      examples: [
        {
          name: 'history',
          summary: 'The lobby’s last message',
          payload: {
            type: 'history',
            topic: 'room:lobby',
            messages: [
              {
                id: '0191f2a4-7d2f-7b46-8c3a-4e5f6a7b8c9d',
                room: 'lobby',
                author: { id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' },
                text: 'Hello!',
                created_at: '2026-11-24T18:00:00.000Z',
              },
            ],
          },
        },
      ],
    },
    presence: {
      title: 'Who is in the room',
      examples: [
        {
          name: 'presence',
          summary: 'Alice alone in the lobby',
          payload: {
            type: 'presence',
            topic: 'room:lobby',
            members: [{ id: '0191f2a4-5b0e-7c3d-8f21-3a4b5c6d7e8f', name: 'alice' }],
          },
        },
      ],
    },
    resync: {
      title: 'Refetch',
      examples: [
        {
          name: 'resync',
          summary: 'What was missed is gone',
          payload: { type: 'resync', topic: 'room:lobby', id: '3' },
        },
      ],
    },
    error: {
      title: 'Error',
      examples: [
        {
          name: 'invalid-input',
          summary: 'Blank text',
          payload: {
            type: 'error',
            id: '4',
            code: 'invalid-input',
            message: 'must be 1 to 2000 characters, not blank (no NUL)',
            field: '/text',
          },
        },
        {
          name: 'unauthenticated',
          summary: 'A room needs a signed-in connection',
          payload: { type: 'error', id: '3', code: 'unauthenticated', message: 'Sign in to do this.' },
        },
        {
          name: 'rate-limited',
          summary: 'Too many frames',
          payload: {
            type: 'error',
            code: 'rate-limited',
            message: 'Rate limit exceeded: the "anonymous" policy allows 100 requests per 3600 seconds.',
            retry_after: 36,
          },
        },
      ],
    },
    pong: {
      title: 'Pong',
      examples: [{ name: 'pong', summary: 'Still here', payload: { type: 'pong', id: '5' } }],
    },
    echo: {
      title: 'Echo',
      examples: [{ name: 'echo', summary: 'The text, echoed', payload: 'Echo: hello' }],
    },
  }
