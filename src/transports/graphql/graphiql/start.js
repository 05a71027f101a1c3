// Starts GraphiQL (React, ReactDOM and GraphiQL are the globals of the UMD builds the page loads first)
// against this server: queries over HTTP, subscriptions over WebSocket (graphql-transport-ws), both /graphql.
const { protocol, host } = window.location
const fetcher = GraphiQL.createFetcher({
  url: `${protocol}//${host}/graphql`,
  subscriptionUrl: `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/graphql`,
})
ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, { fetcher }))
