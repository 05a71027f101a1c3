// GraphiQL at /graphiql, served whole by Trestle from the npm packages (no CDN): it works offline and under
// the page policy of plugins/security.ts, which lets scripts and styles come from this origin only.
import { access, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'

interface Asset {
  url: string
  file: string
  type: string
  cache: string
}

const JS = 'text/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'

const require = createRequire(import.meta.url)

/** A file of an npm package, at a URL that names its version (so it may be cached for good). */
function packaged(name: string, file: string, type: string): Asset {
  const manifest = require.resolve(`${name}/package.json`)
  const { version } = require(manifest) as { version: string }
  const path = join(dirname(manifest), file)
  return {
    url: `/graphiql/${name}@${version}/${file}`,
    file: path,
    type,
    cache: 'public, max-age=31536000, immutable',
  }
}

/** A file of ours, beside this one; it changes with Trestle, so browsers check it each time. */
function own(file: string, type: string): Asset {
  return {
    url: `/graphiql/${file}`,
    file: join(import.meta.dirname, 'graphiql', file),
    type,
    cache: 'no-cache',
  }
}

const styles = [packaged('graphiql', 'graphiql.min.css', CSS), own('page.css', CSS)]
// In this order: GraphiQL's build expects React and ReactDOM as globals, and the start script all three.
const scripts = [
  packaged('react', 'umd/react.production.min.js', JS),
  packaged('react-dom', 'umd/react-dom.production.min.js', JS),
  packaged('graphiql', 'graphiql.min.js', JS),
  own('start.js', JS),
]

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>GraphiQL · Trestle</title>
${styles.map((s) => `<link rel="stylesheet" href="${s.url}">`).join('\n')}
</head>
<body>
<div id="graphiql"></div>
${scripts.map((s) => `<script src="${s.url}"></script>`).join('\n')}
</body>
</html>
`

export default async function graphiqlPage(app: FastifyInstance) {
  app.get('/graphiql', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(PAGE),
  )
  for (const asset of [...styles, ...scripts]) {
    // Read on the first request for it (then kept), not at start: 1.5 MB that most instances never send.
    // A missing file still stops the start.
    await access(asset.file)
    let body: Promise<Buffer> | undefined
    app.get(asset.url, async (_request, reply) => {
      body ??= readFile(asset.file)
      const bytes = await body
      return reply.type(asset.type).header('cache-control', asset.cache).send(bytes)
    })
  }
}
