var getRawBody = require('raw-body')

module.exports.handler = function (request, response, context) {
    // get request info
    getRawBody(request, function (err, data) {
        var params = {
            path: request.path,
            queries: request.queries,
            headers: request.headers,
            method: request.method,
            body: data.toString(),
            url: request.url,
            clientIP: request.clientIP,
        }
        // the marbles server sends each event as ?type=<event type>
        console.log(JSON.stringify(request.queries))
        // set response
        var respBody = new Buffer(JSON.stringify(params))
        response.setStatusCode(200)
        response.setHeader('content-type', 'application/json')
        response.send(respBody)
    })
};
