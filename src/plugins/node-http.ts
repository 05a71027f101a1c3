// node:http's constants, taken with require: an ES `import` of a built-in builds its module facade by reading
// every export, and node:http's lazy ones load Node's bundled undici (fetch, WebSocket), which no request
// uses: 2.8 MB of heap and 20 ms of start-up.
import { createRequire } from 'node:module'

const http = createRequire(import.meta.url)('node:http') as typeof import('node:http')

export const { STATUS_CODES, maxHeaderSize } = http
