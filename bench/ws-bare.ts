// The baseline for `npm run bench:ws`: a bare `ws` broadcast server with nothing of Trestle's. A client
// subscribes with `{"type":"subscribe","topic":"items"}` and gets an ack (a ping frame, a pong); `POST /broadcast` with a JSON body
// sends it, as one frame serialised once, to every subscriber, as Trestle does for a REST write.
// `node bench/ws-bare.ts PORT`
import { createServer } from 'node:http'
import { WebSocket, WebSocketServer } from 'ws'

const port = Number(process.argv[2])
const subscribers = new Set<WebSocket>()
let offset = 0

const server = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/broadcast') {
    response.end('ok')
    return
  }
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    offset += 1
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    const frame = JSON.stringify({ type: 'event', topic: 'items', offset: `${Date.now()}-${offset}`, event })
    for (const socket of subscribers) if (socket.readyState === WebSocket.OPEN) socket.send(frame)
    response.writeHead(201).end()
  })
})

const wss = new WebSocketServer({ server, path: '/ws', maxPayload: 65_536 })
wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { type?: string; topic?: string }
    if (frame.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }))
    if (frame.type !== 'subscribe') return
    subscribers.add(socket)
    socket.send(JSON.stringify({ type: 'ack', topic: frame.topic }))
  })
  socket.on('close', () => subscribers.delete(socket))
})

server.listen(port, '127.0.0.1')
process.on('SIGTERM', () => {
  for (const socket of wss.clients) socket.terminate()
  server.close(() => process.exit(0))
})
