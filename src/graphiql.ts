import { renderGraphiQL, type GraphiQLOptions } from 'graphql-yoga';

/**
 * GraphiQL sends the headers of its Headers tab with HTTP requests only; over WebSocket it would
 * open the socket with an empty connection_init, which this gateway refuses (4403). This script
 * hands the active tab's Authorization header to the socket as its connection parameters, so a
 * subscription in GraphiQL runs as the same user as the queries beside it. The tab state (headers
 * included, hence shouldPersistHeaders) is GraphiQL's own, kept under `graphiql:tabState`.
 */
const SOCKET_AUTH_SCRIPT = `<script>
(function () {
  function socketAuth() {
    try {
      var state = JSON.parse(localStorage.getItem('graphiql:tabState') || 'null');
      var tab = state && state.tabs && state.tabs[state.activeTabIndex];
      var headers = JSON.parse((tab && tab.headers) || '{}');
      for (var name in headers) if (name.toLowerCase() === 'authorization') return { authorization: headers[name] };
    } catch (error) {}
    return {};
  }
  var render = YogaGraphiQL.renderYogaGraphiQL;
  YogaGraphiQL.renderYogaGraphiQL = function (root, options) {
    return render(root, Object.assign({}, options, { connectionParams: socketAuth, shouldPersistHeaders: true }));
  };
})();
</script>`;

const RENDER_CALL = '<script>prepareWorkers()';

/** yoga's GraphiQL page, with subscriptions over WebSocket authenticated like the HTTP requests. */
export function renderGraphiQLWithSocketAuth(options: GraphiQLOptions): string {
  const html = renderGraphiQL(options);
  const at = html.indexOf(RENDER_CALL);
  // Should yoga's page ever change shape, serve it as it is rather than break GraphiQL.
  return at < 0 ? html : html.slice(0, at) + SOCKET_AUTH_SCRIPT + html.slice(at);
}
