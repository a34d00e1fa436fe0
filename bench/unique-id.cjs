// autocannon's setupRequest for bench/throughput.ts, loaded by its worker thread (hence plain
// CommonJS): replaces `[<id>]` in each request's body by an id no other request had, so that
// every commit creates a container. (autocannon's own idReplacement miscounts Content-Length.)
const crypto = require('node:crypto');

const run = crypto.randomBytes(6).toString('hex');
let n = 0;

module.exports = (req) => ({ ...req, body: req.body.replaceAll('[<id>]', `${run}-${n++}`) });
