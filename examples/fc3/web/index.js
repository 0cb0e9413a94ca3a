// FC 3.0's HTTP handler for built-in runtimes: the request arrives as an
// event (JSON: rawPath, headers, queryParameters, body, requestContext) and
// the returned {statusCode, headers, body} is the response.
'use strict';

exports.handler = async (event, context) => {
  const request = JSON.parse(event.toString());
  const path = request.rawPath;
  const json = (statusCode, body) => ({
    statusCode,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (path.startsWith('/api/hello')) {
    const name = (request.queryParameters || {}).name || 'world';
    console.log(`greeting ${name}`);
    return json(200, { message: `${process.env.GREETING}, ${name}`, path, requestId: context.requestId });
  }
  if (path === '/api/echo' && request.requestContext.http.method === 'POST') {
    return json(200, { echoed: request.body });
  }
  return json(404, { error: `no route for ${path}` });
};
